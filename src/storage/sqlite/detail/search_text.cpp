#include "storage/sqlite/detail/search_text.hpp"

#include <nlohmann/json.hpp>

namespace sb::storage::sqlite::detail {
namespace {

// Collects string values as the SAX parser meets them: no document is built, and keys, numbers
// and literals are dropped on the floor.
class string_values final : public nlohmann::json_sax<nlohmann::json> {
public:
    explicit string_values(std::string& out) : out_(out) {}

    bool null() override { return true; }
    bool boolean(bool /*value*/) override { return true; }
    bool number_integer(number_integer_t /*value*/) override { return true; }
    bool number_unsigned(number_unsigned_t /*value*/) override { return true; }
    bool number_float(number_float_t /*value*/, const string_t& /*text*/) override { return true; }
    bool string(string_t& value) override {
        if (!out_.empty()) out_ += '\n';
        out_ += value;
        return true;
    }
    bool binary(binary_t& /*value*/) override { return true; }
    bool start_object(std::size_t /*size*/) override { return true; }
    bool key(string_t& /*value*/) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t /*size*/) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                     const nlohmann::detail::exception& /*error*/) override {
        return false;
    }

private:
    std::string& out_;
};

bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// ASCII letters, digits and every byte of a multi-byte UTF-8 sequence belong to words; the
// tokenizer (unicode61) splits the rest of Unicode's punctuation itself.
bool is_word_byte(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
}

}  // namespace

bool looks_like_json(std::string_view data) noexcept {
    for (const char c : data) {
        if (is_blank(c)) continue;
        return c == '{' || c == '[' || c == '"';
    }
    return false;
}

std::string search_document(std::string_view data) {
    if (looks_like_json(data)) {
        std::string out;
        string_values sax(out);
        if (nlohmann::json::sax_parse(data.begin(), data.end(), &sax)) return out;
    }
    return std::string(data);
}

std::string fts5_query(std::string_view text) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (!is_word_byte(text[i])) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        while (i < text.size() && is_word_byte(text[i])) ++i;
        if (!out.empty()) out += ' ';
        out += '"';
        out.append(text.substr(start, i - start));
        out += '"';
    }
    return out;
}

}  // namespace sb::storage::sqlite::detail
