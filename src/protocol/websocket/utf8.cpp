#include "protocol/websocket/utf8.hpp"

#include <bit>
#include <cstdint>
#include <cstring>

namespace sb::protocol::websocket {
namespace {

constexpr std::uint64_t high_bits = 0x8080808080808080ULL;

// Number of bytes before the first byte with its high bit set, given the word's high bits.
int leading_ascii_bytes(std::uint64_t non_ascii) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        return std::countr_zero(non_ascii) / 8;
    } else {
        return std::countl_zero(non_ascii) / 8;
    }
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
    const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
    const auto* const end = p + text.size();
    while (p != end) {
        if (end - p >= 8) {
            std::uint64_t word = 0;
            std::memcpy(&word, p, sizeof word);
            const std::uint64_t non_ascii = word & high_bits;
            if (non_ascii == 0) {
                p += 8;
                continue;
            }
            p += leading_ascii_bytes(non_ascii);
        } else if (*p < 0x80) {
            ++p;
            continue;
        }

        // Well-formed sequences, RFC 3629 section 4 (Unicode table 3-7). Only the second byte has
        // a range narrower than 80..BF: that is what rules out overlongs (E0, F0), surrogates (ED)
        // and code points above U+10FFFF (F4).
        const std::uint8_t lead = *p;
        std::ptrdiff_t length = 0;
        std::uint8_t low = 0x80;
        std::uint8_t high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0) low = 0xA0;
            if (lead == 0xED) high = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0) low = 0x90;
            if (lead == 0xF4) high = 0x8F;
        } else {
            return false;
        }
        if (end - p < length) return false;
        if (p[1] < low || p[1] > high) return false;
        for (std::ptrdiff_t i = 2; i < length; ++i) {
            if ((p[i] & 0xC0) != 0x80) return false;
        }
        p += length;
    }
    return true;
}

}  // namespace sb::protocol::websocket
