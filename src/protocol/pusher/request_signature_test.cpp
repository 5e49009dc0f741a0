#include "protocol/pusher/request_signature.hpp"

#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

namespace sb::protocol::pusher {

namespace {
const std::string body = R"({"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"})";
query_params example_params() {
    return {{"auth_key", "278d425bdf160c739803"},
            {"auth_timestamp", "1353088179"},
            {"auth_version", "1.0"},
            {"body_md5", "ec365a775a4cd0599faeb73354201b6f"},
            {"auth_signature", "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"}};
}
}  // namespace

// The worked example of Pusher's HTTP API reference.
TEST(request_signature, pusher_worked_example_verifies) {
    EXPECT_EQ(crypto::md5_hex(body), "ec365a775a4cd0599faeb73354201b6f");
    EXPECT_EQ(request_string_to_sign("POST", "/apps/3/events", example_params()),
              "POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179&"
              "auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f");
    EXPECT_EQ(verify_request("POST", "/apps/3/events", example_params(), body, "7ad3773142a6692b25b8",
                             1353088179),
              signature_error::none);
}

TEST(request_signature, rejects_each_kind_of_forgery) {
    const auto p = example_params();
    EXPECT_EQ(verify_request("POST", "/apps/3/events", p, body, "wrong", 1353088179),
              signature_error::signature_mismatch);
    EXPECT_EQ(verify_request("POST", "/apps/4/events", p, body, "7ad3773142a6692b25b8", 1353088179),
              signature_error::signature_mismatch);
    EXPECT_EQ(verify_request("POST", "/apps/3/events", p, body + " ", "7ad3773142a6692b25b8", 1353088179),
              signature_error::body_md5_mismatch);
    EXPECT_EQ(verify_request("POST", "/apps/3/events", p, body, "7ad3773142a6692b25b8", 1353088179 + 601),
              signature_error::expired_timestamp);
    EXPECT_EQ(verify_request("POST", "/apps/3/events", p, body, "7ad3773142a6692b25b8", 1353088179 - 601),
              signature_error::expired_timestamp);
    EXPECT_EQ(verify_request("POST", "/apps/3/events", p, body, "7ad3773142a6692b25b8", 1353088179 + 600),
              signature_error::none);
    auto no_sig = p;
    no_sig.pop_back();
    EXPECT_EQ(verify_request("POST", "/apps/3/events", no_sig, body, "7ad3773142a6692b25b8", 1353088179),
              signature_error::missing_signature);
    auto bad_version = p;
    bad_version[2].second = "2.0";
    EXPECT_EQ(verify_request("POST", "/apps/3/events", bad_version, body, "7ad3773142a6692b25b8", 1353088179),
              signature_error::bad_version);
    auto bad_ts = p;
    bad_ts[1].second = "12x";
    EXPECT_EQ(verify_request("POST", "/apps/3/events", bad_ts, body, "7ad3773142a6692b25b8", 1353088179),
              signature_error::bad_timestamp);
}

TEST(request_signature, get_without_body_needs_no_md5) {
    query_params p{{"auth_key", "k"}, {"auth_timestamp", "100"}, {"auth_version", "1.0"},
                   {"info", "user_count"}, {"filter_by_prefix", "presence-"}};
    const auto sig = crypto::hmac_sha256_hex("s", request_string_to_sign("GET", "/apps/1/channels", p));
    EXPECT_EQ(request_string_to_sign("GET", "/apps/1/channels", p),
              "GET\n/apps/1/channels\nauth_key=k&auth_timestamp=100&auth_version=1.0&"
              "filter_by_prefix=presence-&info=user_count");
    p.emplace_back("auth_signature", sig);
    EXPECT_EQ(verify_request("GET", "/apps/1/channels", p, "", "s", 100), signature_error::none);
}

TEST(request_signature, query_parsing_decodes_percent_and_plus) {
    const auto p = parse_query("a=1&b=x%20y&c=p+q&&d&e=%zz&f=%2");
    ASSERT_EQ(p.size(), 6u);
    EXPECT_EQ(p[1].second, "x y");
    EXPECT_EQ(p[2].second, "p q");
    EXPECT_EQ(p[3].first, "d");
    EXPECT_EQ(p[4].second, "%zz");
    EXPECT_EQ(p[5].second, "%2");
    EXPECT_EQ(percent_decode("presence%3Aroom-1"), "presence:room-1");
    EXPECT_EQ(percent_decode("a+b"), "a+b");
}

}  // namespace sb::protocol::pusher
