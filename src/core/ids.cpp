#include "core/ids.hpp"

#include <charconv>

namespace sb::core {

std::string socket_id::to_string() const {
    return std::to_string(node) + '.' + std::to_string(sequence);
}

bool parse_socket_id(std::string_view text, socket_id& out) noexcept {
    const auto dot = text.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) return false;
    socket_id id;
    const char* end = text.data() + dot;
    auto r = std::from_chars(text.data(), end, id.node);
    if (r.ec != std::errc{} || r.ptr != end) return false;
    end = text.data() + text.size();
    r = std::from_chars(text.data() + dot + 1, end, id.sequence);
    if (r.ec != std::errc{} || r.ptr != end) return false;
    out = id;
    return true;
}

ulid_generator::ulid_generator(std::uint64_t seed) : rng_(seed) {}

std::string ulid_generator::next(std::string_view prefix, std::uint64_t now_ms) {
    static constexpr char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    if (now_ms > last_ms_) {
        last_ms_ = now_ms;
        for (std::size_t i = 0; i < random_.size(); i += 8) {
            std::uint64_t r = rng_();
            for (std::size_t j = i; j < i + 8 && j < random_.size(); ++j, r >>= 8)
                random_[j] = static_cast<std::uint8_t>(r);
        }
        random_[0] &= 0x7F;  // headroom so increments within a millisecond never overflow
    } else {
        for (std::size_t i = random_.size(); i-- > 0;)
            if (++random_[i] != 0) break;
    }
    // 128 bits: 48 of time then 80 of randomness, written as 26 base32 digits (130 bits).
    std::array<std::uint8_t, 16> bytes{};
    for (int i = 0; i < 6; ++i) bytes[std::size_t(i)] = std::uint8_t(last_ms_ >> (40 - 8 * i));
    for (std::size_t i = 0; i < 10; ++i) bytes[6 + i] = random_[i];
    std::string out(prefix);
    out.resize(prefix.size() + 26);
    char* p = out.data() + prefix.size();
    // Take 5 bits at a time from the 130-bit big-endian number whose top 2 bits are zero.
    for (int digit = 0; digit < 26; ++digit) {
        const int bit = digit * 5 - 2;  // position of this digit's first bit within the 128 bits
        unsigned value = 0;
        for (int b = 0; b < 5; ++b) {
            const int pos = bit + b;
            unsigned v = 0;
            if (pos >= 0) v = (bytes[std::size_t(pos / 8)] >> (7 - pos % 8)) & 1u;
            value = (value << 1) | v;
        }
        p[digit] = alphabet[value];
    }
    return out;
}

}  // namespace sb::core
