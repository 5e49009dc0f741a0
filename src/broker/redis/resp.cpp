#include "broker/redis/resp.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <utility>

namespace sb::broker::redis {
namespace {

constexpr std::size_t bulk_reserve_cap = std::size_t{1} << 20;
constexpr std::size_t aggregate_reserve_cap = 1024;

void append_number(std::string& out, char prefix, std::int64_t value) {
    std::array<char, 24> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
    out.push_back(prefix);
    out.append(digits.data(), end);
    out.append("\r\n");
}

void append_length(std::string& out, char prefix, std::size_t value) {
    std::array<char, 24> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
    out.push_back(prefix);
    out.append(digits.data(), end);
    out.append("\r\n");
}

// A strict signed decimal: optional '-', at least one digit, nothing else, in int64 range.
bool parse_int64(std::string_view text, std::int64_t& value) {
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (first == last || *first == '+') return false;
    const auto [ptr, ec] = std::from_chars(first, last, value);
    return ec == std::errc{} && ptr == last;
}

bool is_big_number(std::string_view text) {
    if (!text.empty() && text.front() == '-') text.remove_prefix(1);
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string_view describe(reply_type type) {
    switch (type) {
        case reply_type::simple_string:
            return "simple string";
        case reply_type::error:
            return "error";
        case reply_type::integer:
            return "integer";
        case reply_type::bulk_string:
            return "bulk string";
        case reply_type::nil:
            return "nil";
        case reply_type::array:
            return "array";
        case reply_type::boolean:
            return "boolean";
        case reply_type::floating:
            return "double";
        case reply_type::big_number:
            return "big number";
        case reply_type::verbatim:
            return "verbatim string";
        case reply_type::map:
            return "map";
        case reply_type::set:
            return "set";
        case reply_type::push:
            return "push";
    }
    return "unknown";
}

std::string_view describe(parse_error error) {
    switch (error) {
        case parse_error::none:
            return "no error";
        case parse_error::bad_type:
            return "unknown RESP type byte";
        case parse_error::unsupported_type:
            return "unsupported RESP3 attribute";
        case parse_error::missing_crlf:
            return "missing CR LF";
        case parse_error::bad_integer:
            return "malformed integer";
        case parse_error::bad_length:
            return "negative length";
        case parse_error::bad_value:
            return "malformed RESP3 value";
        case parse_error::line_too_long:
            return "line over the length limit";
        case parse_error::bulk_too_long:
            return "bulk string over the length limit";
        case parse_error::aggregate_too_long:
            return "aggregate over the element limit";
        case parse_error::too_deep:
            return "aggregates nested over the depth limit";
    }
    return "unknown error";
}

std::string_view reply::error_code() const noexcept {
    if (!is_error()) return {};
    const std::string_view text(str);
    return text.substr(0, text.find(' '));
}

reply reply::simple(std::string text) {
    reply r;
    r.type = reply_type::simple_string;
    r.str = std::move(text);
    return r;
}

reply reply::make_error(std::string message) {
    reply r;
    r.type = reply_type::error;
    r.str = std::move(message);
    return r;
}

reply reply::make_integer(std::int64_t value) {
    reply r;
    r.type = reply_type::integer;
    r.integer = value;
    return r;
}

reply reply::bulk(std::string bytes) {
    reply r;
    r.type = reply_type::bulk_string;
    r.str = std::move(bytes);
    return r;
}

reply reply::make_array(std::vector<reply> elements) {
    reply r;
    r.type = reply_type::array;
    r.elements = std::move(elements);
    return r;
}

std::string to_debug_string(const reply& r) {
    constexpr std::size_t shown = 64;
    auto quoted = [](std::string_view s) {
        std::string out = "\"";
        for (char c : s.substr(0, shown)) {
            if (c == '"' || c == '\\') {
                out += '\\';
                out += c;
            } else if (static_cast<unsigned char>(c) < 0x20 ||
                       static_cast<unsigned char>(c) > 0x7e) {
                constexpr std::string_view hex = "0123456789abcdef";
                out += "\\x";
                out += hex[static_cast<unsigned char>(c) >> 4];
                out += hex[static_cast<unsigned char>(c) & 0xf];
            } else {
                out += c;
            }
        }
        if (s.size() > shown) out += "...(" + std::to_string(s.size()) + " bytes)";
        return out + "\"";
    };
    switch (r.type) {
        case reply_type::simple_string:
            return r.str;
        case reply_type::error:
            return "(error) " + r.str;
        case reply_type::integer:
            return "(integer) " + std::to_string(r.integer);
        case reply_type::bulk_string:
            return quoted(r.str);
        case reply_type::nil:
            return "(nil)";
        case reply_type::boolean:
            return r.integer != 0 ? "(true)" : "(false)";
        case reply_type::floating:
            return "(double) " + r.str;
        case reply_type::big_number:
            return "(big number) " + r.str;
        case reply_type::verbatim:
            return "(verbatim) " + quoted(r.str);
        case reply_type::array:
        case reply_type::map:
        case reply_type::set:
        case reply_type::push: {
            std::string out;
            if (r.type != reply_type::array) {
                out += '(';
                out += describe(r.type);
                out += ") ";
            }
            out += '[';
            for (std::size_t i = 0; i < r.elements.size(); ++i) {
                if (i > 0) out += ", ";
                out += to_debug_string(r.elements[i]);
            }
            return out + "]";
        }
    }
    return "(unknown)";
}

void append_array_header(std::string& out, std::size_t count) { append_length(out, '*', count); }

void append_bulk_header(std::string& out, std::size_t length) { append_length(out, '$', length); }

void append_command(std::string& out, std::span<const std::string_view> args) {
    append_array_header(out, args.size());
    for (std::string_view arg : args) {
        append_bulk_header(out, arg.size());
        out.append(arg);
        out.append("\r\n");
    }
}

void append_command(std::string& out, std::initializer_list<std::string_view> args) {
    append_command(out, std::span<const std::string_view>(args.begin(), args.size()));
}

std::string encode_command(std::initializer_list<std::string_view> args) {
    std::string out;
    append_command(out, args);
    return out;
}

void append_reply(std::string& out, const reply& r) {
    auto line = [&](char prefix, std::string_view text) {
        out.push_back(prefix);
        out.append(text);
        out.append("\r\n");
    };
    auto blob = [&](char prefix, std::string_view bytes) {
        append_length(out, prefix, bytes.size());
        out.append(bytes);
        out.append("\r\n");
    };
    auto aggregate = [&](char prefix, std::size_t count) {
        append_length(out, prefix, count);
        for (const reply& e : r.elements) append_reply(out, e);
    };
    switch (r.type) {
        case reply_type::simple_string:
            line('+', r.str);
            break;
        case reply_type::error:
            // An error with a line break (only a RESP3 blob error can carry one) stays a blob.
            if (r.str.find_first_of("\r\n") == std::string::npos) {
                line('-', r.str);
            } else {
                blob('!', r.str);
            }
            break;
        case reply_type::integer:
            append_number(out, ':', r.integer);
            break;
        case reply_type::bulk_string:
            blob('$', r.str);
            break;
        case reply_type::nil:
            out.append("$-1\r\n");
            break;
        case reply_type::array:
            aggregate('*', r.elements.size());
            break;
        case reply_type::boolean:
            out.append(r.integer != 0 ? "#t\r\n" : "#f\r\n");
            break;
        case reply_type::floating:
            line(',', r.str);
            break;
        case reply_type::big_number:
            line('(', r.str);
            break;
        case reply_type::verbatim:
            blob('=', r.str);
            break;
        case reply_type::map:
            aggregate('%', r.elements.size() / 2);
            break;
        case reply_type::set:
            aggregate('~', r.elements.size());
            break;
        case reply_type::push:
            aggregate('>', r.elements.size());
            break;
    }
}

// --- resp_parser -----------------------------------------------------------------------------

resp_parser::resp_parser(parser_limits limits) : limits_(limits) {}

bool resp_parser::idle() const noexcept {
    return error_ == parse_error::none && state_ == state::type && stack_.empty();
}

void resp_parser::reset() {
    state_ = state::type;
    type_ = 0;
    crlf_seen_ = 0;
    bulk_remaining_ = 0;
    line_.clear();
    value_ = reply{};
    stack_.clear();
    done_ = reply{};
    error_ = parse_error::none;
}

reply resp_parser::take() { return std::exchange(done_, reply{}); }

bool resp_parser::fail(parse_error error) {
    error_ = error;
    stack_.clear();
    line_.clear();
    value_ = reply{};
    return false;
}

resp_parser::status resp_parser::next(std::string_view data, std::size_t& consumed) {
    if (error_ != parse_error::none) return status::error;
    std::size_t i = 0;
    while (i < data.size()) {
        switch (state_) {
            case state::type: {
                type_ = data[i++];
                switch (type_) {
                    case '+':
                    case '-':
                    case ':':
                    case '$':
                    case '*':
                    case '_':
                    case '#':
                    case ',':
                    case '(':
                    case '!':
                    case '=':
                    case '%':
                    case '~':
                    case '>':
                        state_ = state::line;
                        break;
                    case '|':
                        fail(parse_error::unsupported_type);
                        consumed += i;
                        return status::error;
                    default:
                        fail(parse_error::bad_type);
                        consumed += i;
                        return status::error;
                }
                break;
            }
            case state::line: {
                const char* start = data.data() + i;
                const auto* newline =
                    static_cast<const char*>(std::memchr(start, '\n', data.size() - i));
                // The limit counts the line without its CR LF.
                const std::size_t limit = limits_.max_line_length + 1;
                if (newline == nullptr) {
                    const std::size_t n = data.size() - i;
                    if (line_.size() + n > limit) {
                        fail(parse_error::line_too_long);
                        consumed += data.size();
                        return status::error;
                    }
                    line_.append(start, n);
                    i = data.size();
                    break;
                }
                const auto n = static_cast<std::size_t>(newline - start);
                i += n + 1;
                if (line_.size() + n > limit) {
                    fail(parse_error::line_too_long);
                    consumed += i;
                    return status::error;
                }
                std::string_view text;
                if (line_.empty()) {
                    text = std::string_view(start, n);
                } else {
                    line_.append(start, n);
                    text = line_;
                }
                if (text.empty() || text.back() != '\r') {
                    fail(parse_error::missing_crlf);
                    consumed += i;
                    return status::error;
                }
                text.remove_suffix(1);
                state_ = state::type;
                const bool complete = on_line(text);
                line_.clear();
                if (error_ != parse_error::none) {
                    consumed += i;
                    return status::error;
                }
                if (complete) {
                    consumed += i;
                    return status::reply;
                }
                break;
            }
            case state::bulk: {
                const std::size_t n = std::min(bulk_remaining_, data.size() - i);
                std::string& s = value_.str;
                if (s.capacity() < s.size() + n) {
                    // Grow geometrically, but never past the declared length.
                    s.reserve(std::min(s.size() + bulk_remaining_,
                                       std::max(s.size() + n, 2 * s.capacity())));
                }
                s.append(data.data() + i, n);
                i += n;
                bulk_remaining_ -= n;
                if (bulk_remaining_ == 0) {
                    state_ = state::bulk_crlf;
                    crlf_seen_ = 0;
                }
                break;
            }
            case state::bulk_crlf: {
                const char c = data[i++];
                if (c != (crlf_seen_ == 0 ? '\r' : '\n')) {
                    fail(parse_error::missing_crlf);
                    consumed += i;
                    return status::error;
                }
                if (++crlf_seen_ == 2) {
                    state_ = state::type;
                    if (finish(std::exchange(value_, reply{}))) {
                        consumed += i;
                        return status::reply;
                    }
                }
                break;
            }
        }
    }
    consumed += i;
    return status::need_more;
}

bool resp_parser::on_line(std::string_view line) {
    auto simple = [&](reply_type type) {
        reply r;
        r.type = type;
        r.str.assign(line);
        return finish(std::move(r));
    };
    switch (type_) {
        case '+':
            return simple(reply_type::simple_string);
        case '-':
            return simple(reply_type::error);
        case ':': {
            reply r;
            r.type = reply_type::integer;
            if (!parse_int64(line, r.integer)) return fail(parse_error::bad_integer);
            return finish(std::move(r));
        }
        case '_':
            if (!line.empty()) return fail(parse_error::bad_value);
            return finish(reply{});
        case '#': {
            if (line != "t" && line != "f") return fail(parse_error::bad_value);
            reply r;
            r.type = reply_type::boolean;
            r.integer = line == "t" ? 1 : 0;
            return finish(std::move(r));
        }
        case ',':
            if (line.empty()) return fail(parse_error::bad_value);
            return simple(reply_type::floating);
        case '(':
            if (!is_big_number(line)) return fail(parse_error::bad_integer);
            return simple(reply_type::big_number);
        case '$':
        case '!':
        case '=': {
            std::int64_t length = 0;
            if (!parse_int64(line, length)) return fail(parse_error::bad_integer);
            if (length == -1 && type_ == '$') return finish(reply{});
            if (length < 0) return fail(parse_error::bad_length);
            if (static_cast<std::uint64_t>(length) > limits_.max_bulk_length) {
                return fail(parse_error::bulk_too_long);
            }
            value_ = reply{};
            value_.type = type_ == '$'   ? reply_type::bulk_string
                          : type_ == '!' ? reply_type::error
                                         : reply_type::verbatim;
            bulk_remaining_ = static_cast<std::size_t>(length);
            value_.str.reserve(std::min(bulk_remaining_, bulk_reserve_cap));
            state_ = bulk_remaining_ == 0 ? state::bulk_crlf : state::bulk;
            crlf_seen_ = 0;
            return false;
        }
        case '*':
        case '%':
        case '~':
        case '>': {
            std::int64_t count = 0;
            if (!parse_int64(line, count)) return fail(parse_error::bad_integer);
            if (count == -1 && type_ == '*') return finish(reply{});
            if (count < 0) return fail(parse_error::bad_length);
            const reply_type type = type_ == '*'   ? reply_type::array
                                    : type_ == '%' ? reply_type::map
                                    : type_ == '~' ? reply_type::set
                                                   : reply_type::push;
            return start_aggregate(type, count);
        }
        default:
            return fail(parse_error::bad_type);
    }
}

bool resp_parser::start_aggregate(reply_type type, std::int64_t count) {
    const std::uint64_t per_entry = type == reply_type::map ? 2 : 1;
    const auto declared = static_cast<std::uint64_t>(count);
    if (declared > limits_.max_aggregate_length / per_entry) {
        return fail(parse_error::aggregate_too_long);
    }
    if (stack_.size() + 1 > limits_.max_depth) return fail(parse_error::too_deep);
    reply node;
    node.type = type;
    const auto elements = static_cast<std::size_t>(declared * per_entry);
    if (elements == 0) return finish(std::move(node));
    node.elements.reserve(std::min(elements, aggregate_reserve_cap));
    stack_.push_back(level{std::move(node), elements});
    return false;
}

bool resp_parser::finish(reply value) {
    while (!stack_.empty()) {
        level& top = stack_.back();
        top.node.elements.push_back(std::move(value));
        if (--top.remaining != 0) return false;
        value = std::move(top.node);
        stack_.pop_back();
    }
    done_ = std::move(value);
    return true;
}

}  // namespace sb::broker::redis
