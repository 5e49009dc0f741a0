#include "protocol/websocket/message_reader.hpp"

#include "protocol/websocket/test_support/allocation_counter.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace sb::protocol::websocket {

// Readable failure messages for the enums compared below.
void PrintTo(read_error error, std::ostream* os) { *os << describe(error); }
void PrintTo(read_event::kind kind, std::ostream* os) {
    static constexpr const char* names[] = {"need_more", "message", "ping",
                                            "pong",      "close",   "error"};
    *os << names[static_cast<int>(kind)];
}

namespace {

using byte_buffer = std::vector<std::uint8_t>;

constexpr std::array<std::uint8_t, 4> test_mask{0x37, 0xfa, 0x21, 0x3d};

std::string bytes(std::initializer_list<unsigned> values) {
    std::string out;
    for (unsigned v : values) out += static_cast<char>(v);
    return out;
}

byte_buffer to_buffer(std::string_view s) { return {s.begin(), s.end()}; }

std::string masked(opcode op, std::string_view payload, bool fin = true) {
    return encode_masked_frame(op, payload, test_mask, fin);
}

std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
    return bytes({static_cast<unsigned>(code) >> 8U, static_cast<unsigned>(code) & 0xFFU}) +
           std::string(reason);
}

// An event with its payload copied, so it outlives the next call to next().
struct recorded_event {
    read_event::kind type = read_event::kind::need_more;
    opcode op = opcode::text;
    std::string payload;
    std::uint16_t close_code = close_code::no_status;
    read_error error = read_error::none;

    bool operator==(const recorded_event&) const = default;
};

void PrintTo(const recorded_event& e, std::ostream* os) {
    PrintTo(e.type, os);
    *os << " op=" << static_cast<int>(e.op) << " payload=\"" << e.payload
        << "\" close_code=" << e.close_code << " error=";
    PrintTo(e.error, os);
}

recorded_event record(const read_event& event) {
    return {event.type, event.op, std::string(event.payload), event.close_code, event.error};
}

recorded_event message(opcode op, std::string_view payload) {
    return {read_event::kind::message, op, std::string(payload), close_code::no_status,
            read_error::none};
}

recorded_event ping_event(std::string_view payload) {
    return {read_event::kind::ping, opcode::text, std::string(payload)};
}

recorded_event pong_event(std::string_view payload) {
    return {read_event::kind::pong, opcode::text, std::string(payload)};
}

recorded_event close_event(std::uint16_t code, std::string_view reason) {
    return {read_event::kind::close, opcode::text, std::string(reason), code};
}

recorded_event error(read_error e) {
    return {read_event::kind::error, opcode::text, {}, close_code::no_status, e};
}

// Calls next() over one buffer until it needs more bytes or fails, as a caller does after each
// socket read. Returns the events before need_more.
std::vector<recorded_event> read_buffer(message_reader& reader, std::span<std::uint8_t> buffer,
                                        std::size_t& consumed) {
    std::vector<recorded_event> events;
    for (;;) {
        const std::size_t before = consumed;
        const read_event event = reader.next(buffer.subspan(consumed), consumed);
        EXPECT_LE(consumed, buffer.size());
        if (event.type == read_event::kind::need_more) return events;
        events.push_back(record(event));
        if (event.type == read_event::kind::error) return events;
        EXPECT_GT(consumed, before) << "an event consumes its frame";
    }
}

std::vector<recorded_event> read_all(message_reader& reader, std::string_view stream) {
    byte_buffer buffer = to_buffer(stream);
    std::size_t consumed = 0;
    return read_buffer(reader, buffer, consumed);
}

// Presents `stream` `chunk` bytes at a time, keeping the unconsumed tail in front of the next
// chunk the way a socket reader does.
std::vector<recorded_event> read_in_chunks(message_reader& reader, std::string_view stream,
                                           std::size_t chunk) {
    std::vector<recorded_event> events;
    byte_buffer buffer;
    for (std::size_t offset = 0; offset < stream.size(); offset += chunk) {
        const std::string_view piece = stream.substr(offset, chunk);
        buffer.insert(buffer.end(), piece.begin(), piece.end());
        std::size_t consumed = 0;
        for (recorded_event& e : read_buffer(reader, buffer, consumed)) {
            events.push_back(std::move(e));
            if (events.back().type == read_event::kind::error) return events;
        }
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(consumed));
    }
    return events;
}

// Reading the RFC 6455 section 5.7 examples.

TEST(message_reader, client_reads_rfc_unmasked_hello) {
    message_reader reader(role::client, 1024);
    EXPECT_EQ(read_all(reader, bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f})),
              std::vector{message(opcode::text, "Hello")});
}

TEST(message_reader, server_unmasks_rfc_masked_hello_in_place) {
    byte_buffer buffer =
        to_buffer(bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
    message_reader reader(role::server, 1024);
    std::size_t consumed = 0;
    const read_event event = reader.next(buffer, consumed);
    ASSERT_EQ(event.type, read_event::kind::message);
    EXPECT_EQ(event.op, opcode::text);
    EXPECT_EQ(event.payload, "Hello");
    EXPECT_EQ(consumed, buffer.size());
    EXPECT_EQ(std::string(buffer.begin() + 6, buffer.end()), "Hello");
}

TEST(message_reader, client_assembles_rfc_fragmented_hello) {
    message_reader reader(role::client, 1024);
    EXPECT_EQ(read_all(reader, bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f})),
              std::vector{message(opcode::text, "Hello")});
    EXPECT_FALSE(reader.in_message());
}

TEST(message_reader, reports_fragment_progress_while_message_is_open) {
    message_reader reader(role::client, 1024);
    byte_buffer first = to_buffer(bytes({0x01, 0x03, 0x48, 0x65, 0x6c}));
    std::size_t consumed = 0;
    EXPECT_EQ(reader.next(first, consumed).type, read_event::kind::need_more);
    EXPECT_EQ(consumed, first.size());
    EXPECT_TRUE(reader.in_message());
    EXPECT_EQ(reader.buffered_bytes(), 3U);

    byte_buffer last = to_buffer(bytes({0x80, 0x02, 0x6c, 0x6f}));
    consumed = 0;
    const read_event event = reader.next(last, consumed);
    EXPECT_EQ(event.type, read_event::kind::message);
    EXPECT_EQ(event.payload, "Hello");
    EXPECT_FALSE(reader.in_message());
    EXPECT_EQ(reader.buffered_bytes(), 0U);
}

TEST(message_reader, reads_rfc_ping_and_masked_pong) {
    message_reader client(role::client, 1024);
    EXPECT_EQ(read_all(client, bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f})),
              std::vector{ping_event("Hello")});
    message_reader server(role::server, 1024);
    EXPECT_EQ(
        read_all(server, bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58})),
        std::vector{pong_event("Hello")});
}

TEST(message_reader, reads_16_and_64_bit_payload_lengths) {
    const std::string medium(256, 'm');
    const std::string large(65536, 'L');
    message_reader reader(role::client, large.size());
    EXPECT_EQ(read_all(reader, bytes({0x82, 0x7E, 0x01, 0x00}) + medium),
              std::vector{message(opcode::binary, medium)});
    EXPECT_EQ(read_all(reader, bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}) + large),
              std::vector{message(opcode::binary, large)});
}

TEST(message_reader, accepts_lengths_not_written_in_their_shortest_form) {
    message_reader reader(role::client, 1024);
    EXPECT_EQ(read_all(reader, bytes({0x82, 0x7E, 0x00, 0x02}) + "ab" +
                                   bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0x01}) + "c"),
              (std::vector{message(opcode::binary, "ab"), message(opcode::binary, "c")}));
}

TEST(message_reader, reads_empty_text_message) {
    message_reader reader(role::server, 0);
    EXPECT_EQ(read_all(reader, masked(opcode::text, "")), std::vector{message(opcode::text, "")});
}

// Zero copy, no allocation, no memory while idle.

TEST(message_reader, unfragmented_message_is_a_view_into_callers_buffer_without_allocating) {
    const std::string payload(65536, 'v');
    byte_buffer buffer = to_buffer(masked(opcode::binary, payload));
    message_reader reader(role::server, payload.size());
    std::size_t consumed = 0;
    const long before = sb::test_support::allocation_count();
    const read_event event = reader.next(buffer, consumed);
    const long after = sb::test_support::allocation_count();
    EXPECT_EQ(after, before);
    ASSERT_EQ(event.type, read_event::kind::message);
    EXPECT_EQ(static_cast<const void*>(event.payload.data()),
              static_cast<const void*>(buffer.data() + 14));
    EXPECT_EQ(event.payload, payload);
}

TEST(message_reader, control_frames_and_need_more_do_not_allocate) {
    byte_buffer buffer = to_buffer(masked(opcode::ping, std::string(125, 'p')) +
                                   masked(opcode::close, close_payload(1000, "bye")) +
                                   masked(opcode::text, "partial").substr(0, 5));
    message_reader reader(role::server, 1024);
    std::size_t consumed = 0;
    const long before = sb::test_support::allocation_count();
    EXPECT_EQ(reader.next(std::span(buffer).subspan(consumed), consumed).type,
              read_event::kind::ping);
    EXPECT_EQ(reader.next(std::span(buffer).subspan(consumed), consumed).type,
              read_event::kind::close);
    EXPECT_EQ(reader.next(std::span(buffer).subspan(consumed), consumed).type,
              read_event::kind::need_more);
    const long after = sb::test_support::allocation_count();
    EXPECT_EQ(after, before);
}

TEST(message_reader, releases_fragment_buffer_on_the_call_after_the_message) {
    message_reader reader(role::server, 1 << 20);
    const std::string half(1000, 'h');
    byte_buffer buffer =
        to_buffer(masked(opcode::binary, half, false) + masked(opcode::continuation, half));
    std::size_t consumed = 0;
    const long idle = sb::test_support::live_allocation_count();
    const read_event event = reader.next(buffer, consumed);
    ASSERT_EQ(event.type, read_event::kind::message);
    EXPECT_EQ(event.payload, half + half);
    EXPECT_GT(sb::test_support::live_allocation_count(), idle);
    EXPECT_EQ(reader.next(std::span(buffer).subspan(consumed), consumed).type,
              read_event::kind::need_more);
    EXPECT_EQ(sb::test_support::live_allocation_count(), idle);
}

TEST(message_reader, releases_fragment_buffer_on_error) {
    message_reader reader(role::server, 1 << 20);
    byte_buffer buffer = to_buffer(masked(opcode::text, std::string(1000, 'x'), false));
    byte_buffer bad = to_buffer(masked(opcode::text, "new"));
    const long idle = sb::test_support::live_allocation_count();
    std::size_t consumed = 0;
    EXPECT_EQ(reader.next(buffer, consumed).type, read_event::kind::need_more);
    EXPECT_GT(sb::test_support::live_allocation_count(), idle);
    consumed = 0;
    EXPECT_EQ(reader.next(bad, consumed).error, read_error::expected_continuation);
    EXPECT_EQ(sb::test_support::live_allocation_count(), idle);
    EXPECT_EQ(reader.buffered_bytes(), 0U);
}

// Partial frames and arbitrary splits.

TEST(message_reader, never_consumes_or_unmasks_a_partial_frame) {
    for (const std::string& frame :
         {masked(opcode::text, "Hello, world"), masked(opcode::binary, std::string(300, 'b')),
          masked(opcode::close, close_payload(1001, "away"))}) {
        for (std::size_t size = 0; size < frame.size(); ++size) {
            message_reader reader(role::server, 1024);
            byte_buffer buffer = to_buffer(frame.substr(0, size));
            const byte_buffer original = buffer;
            std::size_t consumed = 0;
            EXPECT_EQ(reader.next(buffer, consumed).type, read_event::kind::need_more) << size;
            EXPECT_EQ(consumed, 0U);
            EXPECT_EQ(buffer, original) << "bytes changed with " << size << " bytes present";
        }
    }
}

TEST(message_reader, consumes_every_frame_of_a_buffer_in_order) {
    const std::string stream =
        masked(opcode::text, "one") + masked(opcode::binary, "two") + masked(opcode::ping, "three");
    byte_buffer buffer = to_buffer(stream + masked(opcode::text, "four").substr(0, 3));
    message_reader reader(role::server, 1024);
    std::size_t consumed = 0;
    EXPECT_EQ(read_buffer(reader, buffer, consumed),
              (std::vector<recorded_event>{message(opcode::text, "one"),
                                           message(opcode::binary, "two"), ping_event("three")}));
    EXPECT_EQ(consumed, stream.size());
}

TEST(message_reader, any_split_of_the_stream_gives_the_same_events_as_one_buffer) {
    const std::string stream =
        masked(opcode::text, "Hello") + masked(opcode::ping, "p") +
        masked(opcode::binary, "ab", false) + masked(opcode::pong, "") +
        masked(opcode::continuation, std::string(200, 'c'), false) +
        masked(opcode::continuation, "ef") + masked(opcode::text, "\xE2\x82\xAC", false) +
        masked(opcode::continuation, "") + masked(opcode::close, close_payload(1000, "done"));
    const std::vector<recorded_event> expected{
        message(opcode::text, "Hello"),
        ping_event("p"),
        pong_event(""),
        message(opcode::binary, "ab" + std::string(200, 'c') + "ef"),
        message(opcode::text, "\xE2\x82\xAC"),
        close_event(1000, "done"),
    };
    message_reader whole(role::server, 1024);
    ASSERT_EQ(read_all(whole, stream), expected);
    for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
        message_reader reader(role::server, 1024);
        EXPECT_EQ(read_in_chunks(reader, stream, chunk), expected) << "chunk size " << chunk;
    }
}

TEST(message_reader, ping_between_fragments_is_delivered_before_the_message) {
    message_reader reader(role::server, 1024);
    EXPECT_EQ(read_all(reader, masked(opcode::text, "Hel", false) + masked(opcode::ping, "x") +
                                   masked(opcode::continuation, "lo")),
              (std::vector<recorded_event>{ping_event("x"), message(opcode::text, "Hello")}));
}

TEST(message_reader, fragmented_message_payload_survives_until_the_next_call) {
    message_reader reader(role::server, 1024);
    byte_buffer buffer = to_buffer(masked(opcode::text, "abc", false) +
                                   masked(opcode::continuation, "def") + masked(opcode::ping, ""));
    std::size_t consumed = 0;
    const read_event event = reader.next(buffer, consumed);
    std::fill(buffer.begin(), buffer.end(), std::uint8_t{0});
    EXPECT_EQ(event.payload, "abcdef");
}

// Message size limit.

TEST(message_reader, declared_length_over_limit_fails_before_the_payload_arrives) {
    message_reader reader(role::server, 1 << 20);
    // A 4 GiB frame: only the 10-byte header is present.
    EXPECT_EQ(read_all(reader, bytes({0x82, 0xFF, 0, 0, 0, 0x01, 0, 0, 0, 0})),
              std::vector{error(read_error::message_too_big)});

    message_reader small(role::client, 100);
    EXPECT_EQ(read_all(small, bytes({0x81, 0x7E, 0x00, 0x65})),
              std::vector{error(read_error::message_too_big)});
}

TEST(message_reader, message_exactly_at_the_limit_is_accepted) {
    message_reader reader(role::server, 5);
    EXPECT_EQ(read_all(reader, masked(opcode::text, "Hello")),
              std::vector{message(opcode::text, "Hello")});
    EXPECT_EQ(
        read_all(reader, masked(opcode::text, "Hel", false) + masked(opcode::continuation, "lo")),
        std::vector{message(opcode::text, "Hello")});
}

TEST(message_reader, fragmented_message_over_limit_fails_on_the_fragment_header) {
    message_reader reader(role::server, 10);
    const std::string second = masked(opcode::continuation, "123456");
    // Only the second fragment's header is present: the total is known to be 12 already.
    EXPECT_EQ(read_all(reader, masked(opcode::binary, "123456", false) + second.substr(0, 6)),
              std::vector{error(read_error::message_too_big)});
}

TEST(message_reader, control_frames_between_fragments_do_not_count_toward_the_limit) {
    message_reader reader(role::server, 6);
    EXPECT_EQ(read_all(reader, masked(opcode::binary, "abc", false) +
                                   masked(opcode::ping, std::string(100, 'p')) +
                                   masked(opcode::continuation, "def")),
              (std::vector<recorded_event>{ping_event(std::string(100, 'p')),
                                           message(opcode::binary, "abcdef")}));
}

// Masking according to role.

TEST(message_reader, server_rejects_unmasked_frames) {
    message_reader reader(role::server, 1024);
    EXPECT_EQ(read_all(reader, encode_frame(opcode::text, "Hello")),
              std::vector{error(read_error::mask_required)});
}

TEST(message_reader, client_rejects_masked_frames) {
    message_reader reader(role::client, 1024);
    EXPECT_EQ(read_all(reader, masked(opcode::text, "Hello")),
              std::vector{error(read_error::mask_forbidden)});
}

// Every error, with the close code to answer it.

struct error_case {
    const char* name;
    role self;
    std::size_t limit;
    std::string stream;
    read_error expected;
    std::uint16_t close_code;
};

void PrintTo(const error_case& c, std::ostream* os) { *os << c.name; }

class message_reader_error : public ::testing::TestWithParam<error_case> {};

TEST_P(message_reader_error, fails_with_its_error_and_stays_failed) {
    const error_case& c = GetParam();
    message_reader reader(c.self, c.limit);
    const std::vector<recorded_event> events = read_all(reader, c.stream);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back(), error(c.expected));
    EXPECT_EQ(close_code_for(c.expected), c.close_code);
    EXPECT_FALSE(describe(c.expected).empty());

    // Poisoned: even a valid frame now answers the same error and is left unconsumed.
    byte_buffer valid = to_buffer(c.self == role::server ? masked(opcode::text, "ok")
                                                         : encode_frame(opcode::text, "ok"));
    std::size_t consumed = 0;
    const read_event again = reader.next(valid, consumed);
    EXPECT_EQ(again.type, read_event::kind::error);
    EXPECT_EQ(again.error, c.expected);
    EXPECT_EQ(consumed, 0U);
    EXPECT_FALSE(reader.in_message());
}

INSTANTIATE_TEST_SUITE_P(
    every_read_error, message_reader_error,
    ::testing::Values(
        error_case{"rsv1", role::server, 1024, bytes({0xC1, 0x80, 1, 2, 3, 4}),
                   read_error::reserved_bits, 1002},
        error_case{"rsv2", role::server, 1024, bytes({0xA1, 0x80, 1, 2, 3, 4}),
                   read_error::reserved_bits, 1002},
        error_case{"rsv3", role::client, 1024, bytes({0x91, 0x00}), read_error::reserved_bits,
                   1002},
        error_case{"opcode_3", role::server, 1024, bytes({0x83, 0x80, 1, 2, 3, 4}),
                   read_error::unknown_opcode, 1002},
        error_case{"opcode_7", role::client, 1024, bytes({0x87, 0x00}), read_error::unknown_opcode,
                   1002},
        error_case{"opcode_11", role::server, 1024, bytes({0x8B, 0x80, 1, 2, 3, 4}),
                   read_error::unknown_opcode, 1002},
        error_case{"opcode_15", role::client, 1024, bytes({0x8F, 0x00}), read_error::unknown_opcode,
                   1002},
        error_case{"unmasked_to_server", role::server, 1024, encode_frame(opcode::text, "Hello"),
                   read_error::mask_required, 1002},
        error_case{"masked_to_client", role::client, 1024, masked(opcode::text, "Hello"),
                   read_error::mask_forbidden, 1002},
        error_case{"ping_126_bytes", role::server, 1024, bytes({0x89, 0xFE, 0x00, 0x7E}),
                   read_error::control_frame_too_long, 1002},
        error_case{"close_64_bit_length", role::client, 1024, bytes({0x88, 0x7F}),
                   read_error::control_frame_too_long, 1002},
        error_case{"ping_without_fin", role::server, 1024, masked(opcode::ping, "x", false),
                   read_error::fragmented_control_frame, 1002},
        error_case{"continuation_first", role::server, 1024, masked(opcode::continuation, "x"),
                   read_error::unexpected_continuation, 1002},
        error_case{"continuation_after_message", role::client, 1024,
                   encode_frame(opcode::text, "a") + encode_frame(opcode::continuation, "b"),
                   read_error::unexpected_continuation, 1002},
        error_case{"text_inside_fragmented_binary", role::server, 1024,
                   masked(opcode::binary, "a", false) + masked(opcode::text, "b"),
                   read_error::expected_continuation, 1002},
        error_case{"binary_inside_fragmented_text", role::client, 1024,
                   encode_frame(opcode::text, "a", false) + encode_frame(opcode::binary, "b"),
                   read_error::expected_continuation, 1002},
        error_case{"length_high_bit", role::client, 1024,
                   bytes({0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}), read_error::length_overflow,
                   1002},
        error_case{"too_big", role::server, 4, masked(opcode::text, "Hello"),
                   read_error::message_too_big, 1009},
        error_case{"invalid_utf8_text", role::server, 1024, masked(opcode::text, "ab\xFF"),
                   read_error::invalid_utf8, 1007},
        error_case{
            "invalid_utf8_across_fragments", role::client, 1024,
            encode_frame(opcode::text, "\xE2\x82", false) + encode_frame(opcode::continuation, "x"),
            read_error::invalid_utf8, 1007},
        error_case{"invalid_utf8_close_reason", role::server, 1024,
                   masked(opcode::close, close_payload(1000, "\xC0\x80")), read_error::invalid_utf8,
                   1007},
        error_case{"close_of_one_byte", role::server, 1024, masked(opcode::close, "\x03"),
                   read_error::invalid_close_payload, 1002},
        error_case{"close_code_1005", role::client, 1024,
                   encode_frame(opcode::close, close_payload(1005)),
                   read_error::invalid_close_payload, 1002}),
    [](const ::testing::TestParamInfo<error_case>& param_info) {
        return std::string(param_info.param.name);
    });

TEST(message_reader, close_code_for_maps_each_error) {
    EXPECT_EQ(close_code_for(read_error::none), close_code::normal);
    EXPECT_EQ(close_code_for(read_error::message_too_big), close_code::too_big);
    EXPECT_EQ(close_code_for(read_error::invalid_utf8), close_code::invalid_payload);
    for (read_error e : {read_error::reserved_bits, read_error::unknown_opcode,
                         read_error::mask_required, read_error::mask_forbidden,
                         read_error::control_frame_too_long, read_error::fragmented_control_frame,
                         read_error::unexpected_continuation, read_error::expected_continuation,
                         read_error::length_overflow, read_error::invalid_close_payload}) {
        EXPECT_EQ(close_code_for(e), close_code::protocol_error) << describe(e);
    }
}

// Text and close payloads.

TEST(message_reader, binary_messages_are_not_checked_for_utf8) {
    message_reader reader(role::server, 1024);
    EXPECT_EQ(read_all(reader, masked(opcode::binary, "\xFF\xC0\x80")),
              std::vector{message(opcode::binary, "\xFF\xC0\x80")});
}

TEST(message_reader, utf8_sequence_split_across_fragments_is_valid) {
    message_reader reader(role::server, 1024);
    EXPECT_EQ(read_all(reader, masked(opcode::text, "\xF0\x9F", false) +
                                   masked(opcode::continuation, "\x98", false) +
                                   masked(opcode::continuation, "\x80")),
              std::vector{message(opcode::text, "\xF0\x9F\x98\x80")});
}

TEST(message_reader, empty_close_reports_no_status) {
    message_reader reader(role::server, 1024);
    EXPECT_EQ(read_all(reader, masked(opcode::close, "")), std::vector{close_event(1005, "")});
}

TEST(message_reader, close_reports_code_and_reason) {
    message_reader reader(role::client, 1024);
    const std::string reason(123, 'r');
    EXPECT_EQ(read_all(reader, encode_frame(opcode::close, close_payload(1000, "bye")) +
                                   encode_frame(opcode::close, close_payload(4001, reason))),
              (std::vector<recorded_event>{close_event(1000, "bye"), close_event(4001, reason)}));
}

TEST(message_reader, close_of_one_byte_is_invalid) {
    message_reader reader(role::server, 1024);
    EXPECT_EQ(read_all(reader, masked(opcode::close, "\x03")),
              std::vector{error(read_error::invalid_close_payload)});
}

TEST(message_reader, close_codes_that_may_not_be_sent_are_invalid) {
    for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535}) {
        message_reader reader(role::server, 1024);
        EXPECT_EQ(read_all(reader, masked(opcode::close, close_payload(code, "x"))),
                  std::vector{error(read_error::invalid_close_payload)})
            << code;
    }
}

TEST(message_reader, close_reason_must_be_utf8) {
    message_reader reader(role::server, 1024);
    EXPECT_EQ(read_all(reader, masked(opcode::close, close_payload(1000, "\xED\xA0\x80"))),
              std::vector{error(read_error::invalid_utf8)});
}

}  // namespace
}  // namespace sb::protocol::websocket
