#include "protocol/websocket/frame.hpp"

#include "protocol/websocket/message_reader.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sb::protocol::websocket {
namespace {

std::string bytes(std::initializer_list<unsigned> values) {
    std::string out;
    for (unsigned v : values) out += static_cast<char>(v);
    return out;
}

constexpr std::array<std::uint8_t, 4> rfc_mask{0x37, 0xfa, 0x21, 0x3d};

// RFC 6455 section 5.7 examples, byte for byte.

TEST(frame, single_unmasked_text_frame_matches_rfc_example) {
    EXPECT_EQ(encode_frame(opcode::text, "Hello"),
              bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
}

TEST(frame, single_masked_text_frame_matches_rfc_example) {
    EXPECT_EQ(encode_masked_frame(opcode::text, "Hello", rfc_mask),
              bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
}

TEST(frame, fragmented_unmasked_text_matches_rfc_example) {
    EXPECT_EQ(encode_frame(opcode::text, "Hel", false), bytes({0x01, 0x03, 0x48, 0x65, 0x6c}));
    EXPECT_EQ(encode_frame(opcode::continuation, "lo"), bytes({0x80, 0x02, 0x6c, 0x6f}));
}

TEST(frame, unmasked_ping_and_masked_pong_match_rfc_example) {
    EXPECT_EQ(encode_frame(opcode::ping, "Hello"),
              bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
    EXPECT_EQ(encode_masked_frame(opcode::pong, "Hello", rfc_mask),
              bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
}

TEST(frame, binary_of_256_bytes_uses_16_bit_length_as_in_rfc_example) {
    const std::string payload(256, 'x');
    const std::string frame = encode_frame(opcode::binary, payload);
    ASSERT_EQ(frame.size(), 4 + payload.size());
    EXPECT_EQ(frame.substr(0, 4), bytes({0x82, 0x7E, 0x01, 0x00}));
    EXPECT_EQ(frame.substr(4), payload);
}

TEST(frame, binary_of_64_kib_uses_64_bit_length_as_in_rfc_example) {
    const std::string payload(65536, 'y');
    const std::string frame = encode_frame(opcode::binary, payload);
    ASSERT_EQ(frame.size(), 10 + payload.size());
    EXPECT_EQ(frame.substr(0, 10), bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
    EXPECT_EQ(frame.substr(10), payload);
}

TEST(frame, header_size_switches_length_encoding_at_126_and_65536) {
    EXPECT_EQ(header_size(0, false), 2U);
    EXPECT_EQ(header_size(125, false), 2U);
    EXPECT_EQ(header_size(126, false), 4U);
    EXPECT_EQ(header_size(65535, false), 4U);
    EXPECT_EQ(header_size(65536, false), 10U);
    EXPECT_EQ(header_size(125, true), 6U);
    EXPECT_EQ(header_size(126, true), 8U);
    EXPECT_EQ(header_size(65536, true), max_header_size);
}

TEST(frame, write_header_returns_header_size_for_every_length_encoding) {
    for (std::size_t size : {0UL, 125UL, 126UL, 65535UL, 65536UL, 1UL << 40}) {
        for (bool masked : {false, true}) {
            std::array<std::uint8_t, max_header_size> out{};
            const std::size_t written = write_header(out.data(), opcode::binary, size, true,
                                                     masked ? rfc_mask.data() : nullptr);
            EXPECT_EQ(written, header_size(size, masked)) << size << " masked=" << masked;
            EXPECT_EQ((out[1] & 0x80) != 0, masked);
        }
    }
}

TEST(frame, write_header_encodes_huge_length_big_endian) {
    std::array<std::uint8_t, max_header_size> out{};
    ASSERT_EQ(
        write_header(out.data(), opcode::binary, 0x0102030405060708ULL, false, rfc_mask.data()),
        14U);
    const std::array<std::uint8_t, 14> expected{0x02, 0xFF, 1, 2,    3,    4,    5,
                                                6,    7,    8, 0x37, 0xfa, 0x21, 0x3d};
    EXPECT_EQ(out, expected);
}

TEST(frame, apply_mask_matches_naive_xor_for_every_offset_length_and_alignment) {
    const std::array<std::uint8_t, 4> mask{0xA5, 0x3C, 0x0F, 0xF1};
    for (std::size_t alignment = 0; alignment < 8; ++alignment) {
        for (std::size_t offset = 0; offset < 4; ++offset) {
            for (std::size_t length = 0; length <= 40; ++length) {
                std::vector<std::uint8_t> buffer(alignment + length + 8);
                for (std::size_t i = 0; i < buffer.size(); ++i) {
                    buffer[i] = static_cast<std::uint8_t>(i * 7 + 3);
                }
                std::vector<std::uint8_t> expected = buffer;
                for (std::size_t i = 0; i < length; ++i) {
                    expected[alignment + i] ^= mask[(offset + i) % 4];
                }
                apply_mask(buffer.data() + alignment, length, mask, offset);
                ASSERT_EQ(buffer, expected)
                    << "alignment " << alignment << " offset " << offset << " length " << length;
            }
        }
    }
}

TEST(frame, apply_mask_with_offset_continues_a_split_payload) {
    std::string whole(37, 'q');
    std::string split = whole;
    apply_mask(reinterpret_cast<std::uint8_t*>(whole.data()), whole.size(), rfc_mask);
    auto* data = reinterpret_cast<std::uint8_t*>(split.data());
    apply_mask(data, 13, rfc_mask, 0);
    apply_mask(data + 13, split.size() - 13, rfc_mask, 13);
    EXPECT_EQ(split, whole);
}

TEST(frame, close_codes_peers_may_send_are_valid) {
    for (std::uint16_t code :
         {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4000, 4999}) {
        EXPECT_TRUE(is_valid_close_code(code)) << code;
    }
}

TEST(frame, reserved_and_out_of_range_close_codes_are_invalid) {
    for (std::uint16_t code :
         {0, 999, 1004, 1005, 1006, 1012, 1015, 1016, 2000, 2999, 5000, 65535}) {
        EXPECT_FALSE(is_valid_close_code(code)) << code;
    }
}

TEST(frame, encode_close_writes_code_big_endian_then_reason) {
    EXPECT_EQ(encode_close(close_code::going_away, "bye"),
              bytes({0x88, 0x05, 0x03, 0xE9, 'b', 'y', 'e'}));
}

TEST(frame, encode_close_with_no_status_sends_an_empty_close) {
    EXPECT_EQ(encode_close(close_code::no_status, "ignored"), bytes({0x88, 0x00}));
}

TEST(frame, encode_close_keeps_a_reason_of_exactly_123_bytes) {
    const std::string reason(123, 'r');
    const std::string frame = encode_close(close_code::normal, reason);
    ASSERT_EQ(frame.size(), 2U + 125U);
    EXPECT_EQ(frame.substr(4), reason);
}

TEST(frame, encode_close_truncates_reason_without_splitting_utf8_sequences) {
    // Each reason overflows the 123 reason bytes inside a multi-byte sequence; the whole
    // sequence must go.
    struct example {
        std::string reason;
        std::size_t kept;
    };
    const std::string two = "\xC3\xA9";           // U+00E9
    const std::string three = "\xE2\x82\xAC";     // U+20AC
    const std::string four = "\xF0\x9F\x98\x80";  // U+1F600
    std::vector<example> examples{
        {std::string(122, 'a') + two, 122},   {std::string(121, 'a') + three, 121},
        {std::string(122, 'a') + three, 122}, {std::string(120, 'a') + four, 120},
        {std::string(121, 'a') + four, 121},  {std::string(122, 'a') + four, 122},
        {std::string(123, 'a') + four, 123},  {std::string(121, 'a') + two + "tail", 123},
    };
    std::string thirty_one_faces;
    for (int i = 0; i < 31; ++i) thirty_one_faces += four;
    examples.push_back({thirty_one_faces, 120});

    for (const example& e : examples) {
        const std::string frame = encode_close(close_code::normal, e.reason);
        ASSERT_GE(frame.size(), 4U);
        EXPECT_EQ(static_cast<std::size_t>(static_cast<std::uint8_t>(frame[1])), 2 + e.kept);
        EXPECT_EQ(frame.substr(4), e.reason.substr(0, e.kept)) << e.reason.size();
    }
}

TEST(frame, client_close_is_masked_and_reads_back_as_the_same_close) {
    std::string frame = encode_close(close_code::policy_violation, "denied", role::client);
    ASSERT_EQ(frame.size(), 2U + 4U + 8U);
    EXPECT_EQ(static_cast<std::uint8_t>(frame[0]), 0x88);
    EXPECT_EQ(static_cast<std::uint8_t>(frame[1]), 0x80 | 8);

    message_reader reader(role::server, 1024);
    std::size_t consumed = 0;
    const read_event event =
        reader.next({reinterpret_cast<std::uint8_t*>(frame.data()), frame.size()}, consumed);
    EXPECT_EQ(event.type, read_event::kind::close);
    EXPECT_EQ(event.close_code, close_code::policy_violation);
    EXPECT_EQ(event.payload, "denied");
    EXPECT_EQ(consumed, frame.size());
}

TEST(frame, masked_frame_round_trips_through_a_server_reader) {
    const std::string payload(70000, 'z');
    std::string frame = encode_masked_frame(opcode::binary, payload, {1, 2, 3, 4});
    message_reader reader(role::server, payload.size());
    std::size_t consumed = 0;
    const read_event event =
        reader.next({reinterpret_cast<std::uint8_t*>(frame.data()), frame.size()}, consumed);
    ASSERT_EQ(event.type, read_event::kind::message);
    EXPECT_EQ(event.op, opcode::binary);
    EXPECT_EQ(event.payload, payload);
    EXPECT_EQ(consumed, frame.size());
}

}  // namespace
}  // namespace sb::protocol::websocket
