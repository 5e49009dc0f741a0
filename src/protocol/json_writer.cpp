#include "protocol/json_writer.hpp"

#include <array>
#include <charconv>

namespace sb::protocol {
namespace {

// 0: copy as is; 1: two-character escape; 2: \u00XX.
constexpr std::array<std::uint8_t, 256> make_escape_table() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[std::size_t(c)] = 2;
    t['"'] = 1;
    t['\\'] = 1;
    t['\n'] = 1;
    t['\r'] = 1;
    t['\t'] = 1;
    t['\b'] = 1;
    t['\f'] = 1;
    return t;
}
constexpr auto escape_table = make_escape_table();

char short_escape(char c) {
    switch (c) {
        case '\n': return 'n';
        case '\r': return 'r';
        case '\t': return 't';
        case '\b': return 'b';
        case '\f': return 'f';
        default: return c;
    }
}

}  // namespace

std::size_t json_string_size(std::string_view text) noexcept {
    std::size_t n = 2;
    for (char c : text) {
        switch (escape_table[std::uint8_t(c)]) {
            case 0: n += 1; break;
            case 1: n += 2; break;
            default: n += 6; break;
        }
    }
    return n;
}

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out.reserve(out.size() + text.size() + 2);
    out += '"';
    std::size_t run = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto kind = escape_table[std::uint8_t(text[i])];
        if (kind == 0) continue;
        out.append(text.data() + run, i - run);
        run = i + 1;
        if (kind == 1) {
            out += '\\';
            out += short_escape(text[i]);
        } else {
            const auto c = std::uint8_t(text[i]);
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    out.append(text.data() + run, text.size() - run);
    out += '"';
}

void append_uint(std::string& out, std::uint64_t value) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, r.ptr);
}

}  // namespace sb::protocol
