#include "protocol/jsonapi/token_request.hpp"

#include <gtest/gtest.h>

namespace sb::protocol::jsonapi {

TEST(token_request, parses_the_documented_body) {
    const auto r = parse_token_request(
        R"({"data":{"type":"tokens","attributes":{"user_id":"user_123","user_info":{"name":"Alice"},"channels":["chat:*","notifications:user_123"],"expires_in":600}}})",
        1024);
    ASSERT_TRUE(r.errors.empty());
    EXPECT_EQ(r.user_id, "user_123");
    EXPECT_EQ(r.user_info_json, R"({"name":"Alice"})");
    EXPECT_EQ(r.channels.size(), 2u);
    EXPECT_EQ(r.expires_in_s, 600u);
    const auto defaults = parse_token_request(R"({"data":{"attributes":{"user_id":"u"}}})", 1024);
    ASSERT_TRUE(defaults.errors.empty());
    EXPECT_EQ(defaults.expires_in_s, 3600u);
    EXPECT_TRUE(defaults.channels.empty());
}

TEST(token_request, refuses_bad_fields_with_pointers) {
    EXPECT_EQ(parse_token_request("nope", 10).errors.at(0).code, "invalid_request");
    EXPECT_EQ(parse_token_request(R"({"data":{"attributes":{}}})", 10).errors.at(0).source_pointer,
              "/data/attributes/user_id");
    EXPECT_EQ(parse_token_request(R"({"data":{"attributes":{"user_id":"u","expires_in":90000}}})", 10).errors.at(0).source_pointer,
              "/data/attributes/expires_in");
    EXPECT_EQ(parse_token_request(R"({"data":{"attributes":{"user_id":"u","channels":[1]}}})", 10).errors.at(0).code,
              "invalid_channel");
    EXPECT_FALSE(parse_token_request(R"({"data":{"attributes":{"user_id":"u","user_info":")" + std::string(50, 'x') + R"("}}})", 10)
                     .errors.empty());
}

}  // namespace sb::protocol::jsonapi
