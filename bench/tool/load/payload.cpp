#include "load/payload.hpp"

#include <charconv>

namespace sb::bench {

namespace {

// Parses one decimal number at `pos` and the single space after it.
bool read_number(std::string_view text, std::size_t& pos, std::uint64_t& value) noexcept {
    const char* first = text.data() + pos;
    const char* last = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc{} || ptr == first) return false;
    pos = static_cast<std::size_t>(ptr - text.data());
    if (pos < text.size() && text[pos] == ' ') ++pos;
    return true;
}

}  // namespace

void format_payload(std::string& out, const payload_stamp& stamp, std::size_t size) {
    out.assign(payload_marker);
    char buf[24];
    for (const std::uint64_t v : {std::uint64_t{stamp.phase}, stamp.seq, stamp.send_ns}) {
        const auto r = std::to_chars(buf, buf + sizeof buf, v);  // 20 digits at most: fits
        out.append(buf, r.ptr);
        out.push_back(' ');
    }
    if (out.size() < size) out.append(size - out.size(), 'x');
}

std::optional<payload_stamp> scan_payload(std::string_view frame) noexcept {
    const std::size_t at = frame.find(payload_marker);
    if (at == std::string_view::npos) return std::nullopt;
    std::size_t pos = at + payload_marker.size();
    std::uint64_t phase = 0;
    payload_stamp stamp;
    if (!read_number(frame, pos, phase) || !read_number(frame, pos, stamp.seq) ||
        !read_number(frame, pos, stamp.send_ns) || phase > UINT32_MAX) {
        return std::nullopt;
    }
    stamp.phase = static_cast<std::uint32_t>(phase);
    return stamp;
}

std::string_view scan_event(std::string_view frame) noexcept {
    constexpr std::string_view key = "\"event\":";
    std::size_t pos = frame.find(key);
    if (pos == std::string_view::npos) return {};
    pos += key.size();
    while (pos < frame.size() && frame[pos] == ' ') ++pos;
    if (pos >= frame.size() || frame[pos] != '"') return {};
    const std::size_t end = frame.find('"', ++pos);
    if (end == std::string_view::npos) return {};
    return frame.substr(pos, end - pos);
}

std::string_view scan_number_after(std::string_view frame, std::string_view key) noexcept {
    std::size_t pos = frame.find(key);
    if (pos == std::string_view::npos) return {};
    pos += key.size();
    while (pos < frame.size() &&
           (frame[pos] == '"' || frame[pos] == '\\' || frame[pos] == ':' || frame[pos] == ' ')) {
        ++pos;
    }
    const std::size_t start = pos;
    while (pos < frame.size() && ((frame[pos] >= '0' && frame[pos] <= '9') || frame[pos] == '.')) {
        ++pos;
    }
    return frame.substr(start, pos - start);
}

std::uint32_t scan_error_code(std::string_view frame) noexcept {
    const std::string_view digits = scan_number_after(frame, "code");
    std::uint32_t code = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), code);
    return code;
}

}  // namespace sb::bench
