#include "load/pusher_signer.hpp"

#include "load/publisher.hpp"

#include <gtest/gtest.h>

namespace sb::bench {
namespace {

// The worked example of Pusher's HTTP API reference (PUSHER.md 1.12).
constexpr std::string_view body =
    R"({"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"})";

TEST(pusher_signer, signs_the_worked_example_of_the_http_api_reference) {
    const pusher_signer s("3", "278d425bdf160c739803", "7ad3773142a6692b25b8");
    EXPECT_EQ(s.string_to_sign("POST", "/apps/3/events", "ec365a775a4cd0599faeb73354201b6f",
                               1353088179),
              "POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179&"
              "auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f");
    EXPECT_EQ(s.signed_query("POST", "/apps/3/events", body, 1353088179),
              "auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&"
              "body_md5=ec365a775a4cd0599faeb73354201b6f&auth_signature="
              "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c");
}

TEST(pusher_signer, leaves_out_body_md5_for_an_empty_body) {
    const pusher_signer s("3", "key", "secret");
    const std::string q = s.signed_query("GET", "/apps/3/channels", "", 1);
    EXPECT_EQ(q.find("body_md5"), std::string::npos);
    EXPECT_TRUE(q.starts_with("auth_key=key&auth_timestamp=1&auth_version=1.0&auth_signature="));
}

TEST(pusher_signer, private_channel_auth_is_key_colon_hmac_of_socket_and_channel) {
    // The example of Pusher's channel authorization docs.
    const pusher_signer s("1", "278d425bdf160c739803", "7ad3773142a6692b25b8");
    EXPECT_EQ(s.channel_auth("1234.1234", "private-foobar"),
              "278d425bdf160c739803:"
              "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
}

TEST(pusher_signer, paths_name_the_app) {
    const pusher_signer s("42", "k", "s");
    EXPECT_EQ(s.events_path(), "/apps/42/events");
    EXPECT_EQ(s.batch_path(), "/apps/42/batch_events");
}

TEST(publisher_requests, carry_length_host_and_body) {
    const std::string b = event_body("bench-fanout", "#sb 1 2 3 xx");
    EXPECT_EQ(b, R"({"name":"bench","channel":"bench-fanout","data":"#sb 1 2 3 xx"})");
    const std::string r = http_request("127.0.0.1:6001", "/apps/1/events?x=1", b);
    EXPECT_TRUE(r.starts_with("POST /apps/1/events?x=1 HTTP/1.1\r\nHost: 127.0.0.1:6001\r\n"));
    EXPECT_NE(r.find("Content-Length: " + std::to_string(b.size()) + "\r\n\r\n" + b),
              std::string::npos);
}

}  // namespace
}  // namespace sb::bench
