#include "load/payload.hpp"

#include <gtest/gtest.h>

namespace sb::bench {
namespace {

TEST(payload, is_padded_to_the_requested_size_and_needs_no_json_escaping) {
    std::string p;
    format_payload(p, {3, 12345, 987654321012ULL}, 100);
    EXPECT_EQ(p.size(), 100U);
    EXPECT_TRUE(p.starts_with("#sb 3 12345 987654321012 x"));
    EXPECT_EQ(p.find_first_of("\"\\"), std::string::npos);
}

TEST(payload, is_never_truncated_below_its_stamp) {
    std::string p;
    format_payload(p, {1, 2, 3}, 4);
    EXPECT_EQ(p, "#sb 1 2 3 ");
}

TEST(payload, scanner_finds_the_stamp_inside_a_server_frame) {
    std::string p;
    format_payload(p, {7, 42, 1234567890123ULL}, 64);
    const std::string frame = R"({"event":"bench","channel":"bench-fanout","data":")" + p + "\"}";
    const auto stamp = scan_payload(frame);
    ASSERT_TRUE(stamp.has_value());
    EXPECT_EQ(stamp->phase, 7U);
    EXPECT_EQ(stamp->seq, 42U);
    EXPECT_EQ(stamp->send_ns, 1234567890123ULL);
}

TEST(payload, scanner_reads_a_stamp_with_members_in_another_order) {
    const std::string frame =
        R"({"channel":"c","data":"#sb 0 9 100 xx","event":"client-bench","user_id":"1"})";
    const auto stamp = scan_payload(frame);
    ASSERT_TRUE(stamp.has_value());
    EXPECT_EQ(stamp->seq, 9U);
    EXPECT_EQ(stamp->send_ns, 100U);
}

TEST(payload, scanner_rejects_frames_without_a_stamp_or_with_a_broken_one) {
    EXPECT_FALSE(scan_payload(R"({"event":"pusher:pong","data":{}})"));
    EXPECT_FALSE(scan_payload(R"({"data":"#sb x 1 2"})"));
    EXPECT_FALSE(scan_payload(R"({"data":"#sb 1 2"})"));
    EXPECT_FALSE(scan_payload("#sb "));
    EXPECT_FALSE(scan_payload("#sb 99999999999 1 2 "));  // phase beyond 32 bits
}

TEST(payload, event_scanner_reads_the_event_name) {
    EXPECT_EQ(scan_event(R"({"event":"pusher:connection_established","data":"{}"})"),
              "pusher:connection_established");
    EXPECT_EQ(scan_event(R"({"channel":"c", "event": "pusher_internal:subscription_succeeded"})"),
              "pusher_internal:subscription_succeeded");
    EXPECT_EQ(scan_event(R"({"data":"x"})"), "");
    EXPECT_EQ(scan_event(R"({"event":"unterminated)"), "");
}

TEST(payload, socket_id_is_read_out_of_escaped_connection_data) {
    const std::string frame =
        R"({"event":"pusher:connection_established","data":"{\"socket_id\":\"123.456\",\"activity_timeout\":120}"})";
    EXPECT_EQ(scan_number_after(frame, "socket_id"), "123.456");
    EXPECT_EQ(scan_number_after(frame, "activity_timeout"), "120");
    EXPECT_EQ(scan_number_after(frame, "missing"), "");
}

TEST(payload, stamp_in_a_presence_members_user_info_survives_member_added) {
    // The presence scenario's joiners put a stamp in user_info; the server re-encodes it inside
    // member_added's data string, where the scanner must still find all three numbers.
    std::string stamp;
    format_payload(stamp, {100, 42, 123456789}, 0);
    const std::string frame = R"({"event":"pusher_internal:member_added","channel":"presence-bench",)"
                              R"("data":"{\"user_id\":\"42\",\"user_info\":{\"t\":\")" +
                              stamp + R"(\"}}"})";
    const auto found = scan_payload(frame);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->phase, 100U);
    EXPECT_EQ(found->seq, 42U);
    EXPECT_EQ(found->send_ns, 123456789U);
    EXPECT_EQ(scan_event(frame), "pusher_internal:member_added");
}

TEST(payload, error_code_is_read_from_pusher_error) {
    EXPECT_EQ(scan_error_code(R"({"event":"pusher:error","data":{"code":4100,"message":"x"}})"),
              4100U);
    EXPECT_EQ(scan_error_code(R"({"event":"pusher:error","data":{}})"), 0U);
}

}  // namespace
}  // namespace sb::bench
