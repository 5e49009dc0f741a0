#include "broker/envelope.hpp"

#include <charconv>

namespace sb::broker {

namespace {

void put(std::string& out, std::string_view field) {
    out += std::to_string(field.size());
    out += ':';
    out += field;
}

bool parse_u64(std::string_view text, std::uint64_t& out) {
    if (text.empty()) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
}

// Reads one "<len>:<bytes>" field off the front of `in`.
bool take(std::string_view& in, std::string_view& field) {
    const auto colon = in.find(':');
    if (colon == std::string_view::npos || colon > 20) return false;
    std::uint64_t length = 0;
    if (!parse_u64(in.substr(0, colon), length)) return false;
    in.remove_prefix(colon + 1);
    if (length > in.size()) return false;
    field = in.substr(0, length);
    in.remove_prefix(length);
    return true;
}

bool take_line(std::string_view& in, std::string_view& line) {
    const auto nl = in.find('\n');
    if (nl == std::string_view::npos) return false;
    line = in.substr(0, nl);
    in.remove_prefix(nl + 1);
    return true;
}

}  // namespace

std::string encode_body(const envelope& e) {
    std::string out;
    out.reserve(64 + e.tenant.size() + e.channel.size() + e.event.size() + e.data.size() + e.user_id.size());
    const char flags[] = {static_cast<char>('0' + static_cast<int>(e.kind)), e.user_id_in_pusher_frame ? '1' : '0',
                          e.native_only ? '1' : '0', e.cacheable ? '1' : '0', e.storable ? '1' : '0'};
    put(out, std::string_view(flags, sizeof flags));
    put(out, e.origin_node);
    put(out, e.tenant);
    put(out, e.channel);
    put(out, e.event);
    put(out, e.data);
    put(out, e.exclude);
    put(out, e.user_id);
    put(out, e.id);
    put(out, std::to_string(e.created_at_ms));
    return out;
}

std::string encode_payload(const envelope& e) {
    std::string out = std::to_string(e.offset);
    out += '\n';
    out += e.epoch;
    out += '\n';
    out += encode_body(e);
    return out;
}

std::optional<envelope> decode_payload(std::string_view in) {
    envelope e;
    std::string_view line;
    if (!take_line(in, line) || !parse_u64(line, e.offset)) return std::nullopt;
    if (!take_line(in, line)) return std::nullopt;
    e.epoch = line;
    std::string_view f;
    if (!take(in, f) || f.size() != 5) return std::nullopt;
    if (f[0] < '0' || f[0] > '4') return std::nullopt;
    for (std::size_t i = 1; i < 5; ++i)
        if (f[i] != '0' && f[i] != '1') return std::nullopt;
    e.kind = static_cast<envelope_kind>(f[0] - '0');
    e.user_id_in_pusher_frame = f[1] == '1';
    e.native_only = f[2] == '1';
    e.cacheable = f[3] == '1';
    e.storable = f[4] == '1';
    std::string* fields[] = {&e.origin_node, &e.tenant, &e.channel, &e.event, &e.data, &e.exclude, &e.user_id, &e.id};
    for (std::string* field : fields) {
        if (!take(in, f)) return std::nullopt;
        *field = f;
    }
    if (!take(in, f) || !parse_u64(f, e.created_at_ms)) return std::nullopt;
    if (!in.empty()) return std::nullopt;
    return e;
}

}  // namespace sb::broker
