#include "protocol/websocket/utf8.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sb::protocol::websocket {
namespace {

// A reference written differently from the implementation: decode by bit pattern, then reject by
// code point (overlong, surrogate, out of range). Returns the sequence length, or nullopt.
std::optional<std::size_t> reference_sequence(std::string_view s) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(std::uint8_t(s[i])); };
    const std::uint32_t lead = byte(0);
    std::size_t length = 0;
    std::uint32_t cp = 0;
    if (lead < 0x80) return 1;
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        cp = lead & 0x07;
    } else {
        return std::nullopt;
    }
    if (s.size() < length) return std::nullopt;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (byte(i) & 0x3F);
    }
    static constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < smallest[length]) return std::nullopt;
    if (cp >= 0xD800 && cp <= 0xDFFF) return std::nullopt;
    if (cp > 0x10FFFF) return std::nullopt;
    return length;
}

bool reference_valid(std::string_view s) {
    while (!s.empty()) {
        const auto length = reference_sequence(s);
        if (!length) return false;
        s.remove_prefix(*length);
    }
    return true;
}

TEST(utf8, empty_and_ascii_are_valid) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("{\"event\":\"pusher:ping\",\"data\":{}}"));
    EXPECT_TRUE(is_valid_utf8(std::string_view("\0\x7F", 2)));
}

TEST(utf8, boundary_code_points_of_every_length_are_valid) {
    for (const char* s : {"\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
                          "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"}) {
        EXPECT_TRUE(is_valid_utf8(s)) << testing::PrintToString(std::string(s));
    }
}

TEST(utf8, valid_four_byte_sequences_are_accepted) {
    EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600
    // U+1F600 and U+E0001; the literal is split so that "abc" is not read as hex digits.
    EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80\xF3\xA0\x80\x81"
                              "abc"));
    EXPECT_TRUE(is_valid_utf8("\xF1\x80\x80\x80\xF2\xBF\xBF\xBF"));
    EXPECT_TRUE(is_valid_utf8("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"));  // "kosme"
}

TEST(utf8, overlong_encodings_are_rejected) {
    for (const char* s :
         {"\xC0\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x80\xAF", "\xE0\x9F\xBF",
          "\xF0\x80\x80\x80", "\xF0\x80\x80\xAF", "\xF0\x8F\xBF\xBF"}) {
        EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(std::string(s));
    }
}

TEST(utf8, surrogates_d800_to_dfff_are_rejected) {
    for (const char* s : {"\xED\xA0\x80", "\xED\xAD\xBF", "\xED\xAE\x80", "\xED\xB0\x80",
                          "\xED\xBF\xBF", "\xED\xA0\x80\xED\xB0\x80"}) {
        EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(std::string(s));
    }
}

TEST(utf8, code_points_above_10ffff_are_rejected) {
    for (const char* s :
         {"\xF4\x90\x80\x80", "\xF4\xBF\xBF\xBF", "\xF5\x80\x80\x80", "\xF7\xBF\xBF\xBF",
          "\xF8\x88\x80\x80\x80", "\xFC\x84\x80\x80\x80\x80", "\xFE", "\xFF"}) {
        EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(std::string(s));
    }
}

TEST(utf8, truncated_sequences_are_rejected) {
    for (const char* s : {"\xC3", "\xE2\x82", "\xE2", "\xF0\x9F\x98", "\xF0\x9F", "\xF0",
                          "abcdefgh\xF0\x9F\x98", "abcdefghijklmno\xE2\x82"}) {
        EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(std::string(s));
    }
}

TEST(utf8, stray_and_missing_continuation_bytes_are_rejected) {
    for (const char* s : {"\x80", "\xBF", "a\x80z", "\xC3\x28", "\xE2\x28\xA1", "\xE2\x82\x28",
                          "\xF0\x9F\x28\x80", "\xF0\x9F\x98\x28", "\xC3\xA9\xA9"}) {
        EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(std::string(s));
    }
}

TEST(utf8, one_bad_byte_anywhere_in_a_long_ascii_run_is_found) {
    // Covers every position modulo 8 relative to the word-at-a-time path, and the tail.
    const std::string run(1000, 'a');
    ASSERT_TRUE(is_valid_utf8(run));
    for (char bad : {'\x80', '\xC3', '\xFF'}) {
        for (std::size_t position = 0; position < run.size(); ++position) {
            std::string text = run;
            text[position] = bad;
            ASSERT_FALSE(is_valid_utf8(text))
                << "byte " << int(std::uint8_t(bad)) << " at " << position;
        }
    }
}

TEST(utf8, multibyte_sequence_anywhere_in_a_long_ascii_run_is_accepted) {
    const std::string run(100, 'a');
    for (const std::string sequence : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"}) {
        for (std::size_t position = 0; position <= run.size(); ++position) {
            std::string text = run;
            text.insert(position, sequence);
            ASSERT_TRUE(is_valid_utf8(text)) << position;
        }
        ASSERT_FALSE(is_valid_utf8(run + sequence.substr(0, sequence.size() - 1)));
    }
}

TEST(utf8, agrees_with_reference_on_every_two_and_three_byte_string) {
    for (std::uint32_t a = 0; a < 256; ++a) {
        for (std::uint32_t b = 0; b < 256; ++b) {
            const std::string two{char(a), char(b)};
            ASSERT_EQ(is_valid_utf8(two), reference_valid(two)) << a << " " << b;
            if (a < 0xC0)
                continue;  // three-byte strings starting with ASCII or a stray byte
                           // reduce to the two-byte cases
            for (std::uint32_t c = 0; c < 256; ++c) {
                const std::string three{char(a), char(b), char(c)};
                ASSERT_EQ(is_valid_utf8(three), reference_valid(three))
                    << a << " " << b << " " << c;
            }
        }
    }
}

TEST(utf8, agrees_with_reference_on_four_byte_sequences) {
    const std::vector<std::uint32_t> tails{0x00, 0x7F, 0x80, 0x8F, 0x90, 0xBF, 0xC0, 0xFF};
    for (std::uint32_t a = 0xE0; a < 256; ++a) {
        for (std::uint32_t b = 0; b < 256; ++b) {
            for (std::uint32_t c : tails) {
                for (std::uint32_t d : tails) {
                    // Placed after 8 ASCII bytes and before 8 more, so both paths run.
                    const std::string text =
                        "12345678" + std::string{char(a), char(b), char(c), char(d)} + "abcdefgh";
                    ASSERT_EQ(is_valid_utf8(text), reference_valid(text))
                        << a << " " << b << " " << c << " " << d;
                }
            }
        }
    }
}

}  // namespace
}  // namespace sb::protocol::websocket
