#include "protocol/pusher/http_api.hpp"

#include <gtest/gtest.h>

namespace sb::protocol::pusher {

TEST(http_api, trigger_to_one_or_many_channels) {
    auto r = parse_trigger(R"({"name":"e","data":"{\"a\":1}","channel":"c","socket_id":"1.2","info":"user_count,subscription_count"})", 10240);
    ASSERT_TRUE(r.ok()) << r.error.message;
    ASSERT_EQ(r.triggers.size(), 1u);
    EXPECT_EQ(r.triggers[0].channels, std::vector<std::string>{"c"});
    EXPECT_EQ(r.triggers[0].data, R"({"a":1})");
    EXPECT_EQ(r.triggers[0].socket_id, "1.2");
    EXPECT_TRUE(r.triggers[0].info_user_count);
    EXPECT_TRUE(r.triggers[0].info_subscription_count);
    r = parse_trigger(R"({"name":"e","data":"x","channels":["a","b"]})", 10240);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.triggers[0].channels.size(), 2u);
}

TEST(http_api, trigger_errors_have_statuses) {
    EXPECT_EQ(parse_trigger("nope", 100).error.status, 400);
    EXPECT_EQ(parse_trigger(R"({"data":"x","channel":"c"})", 100).error.status, 400);
    EXPECT_EQ(parse_trigger(R"({"name":"e","channel":"c"})", 100).error.status, 400);
    EXPECT_EQ(parse_trigger(R"({"name":"e","data":"x"})", 100).error.status, 400);
    EXPECT_EQ(parse_trigger(R"({"name":"e","data":")" + std::string(101, 'x') + R"(","channel":"c"})", 100).error.status, 413);
    std::string many = R"({"name":"e","data":"x","channels":[)";
    for (int i = 0; i < 101; ++i) many += (i ? ",\"c" : "\"c") + std::to_string(i) + "\"";
    many += "]}";
    EXPECT_EQ(parse_trigger(many, 100).error.status, 400);
}

TEST(http_api, batch_takes_up_to_ten_events_each_with_a_channel) {
    std::string body = R"({"batch":[)";
    for (int i = 0; i < 10; ++i) body += std::string(i ? "," : "") + R"({"channel":"c","name":"e","data":"d"})";
    auto r = parse_batch(body + "]}", 100);
    ASSERT_TRUE(r.ok()) << r.error.message;
    EXPECT_EQ(r.triggers.size(), 10u);
    r = parse_batch(body + R"(,{"channel":"c","name":"e","data":"d"}]})", 100);
    EXPECT_EQ(r.error.status, 400);
    r = parse_batch(R"({"batch":[{"name":"e","data":"d"}]})", 100);
    EXPECT_EQ(r.error.status, 400);
    r = parse_batch(R"({"batch":{}})", 100);
    EXPECT_EQ(r.error.status, 400);
}

TEST(http_api, info_attributes) {
    const auto a = parse_info("subscription_count,cache,bogus");
    EXPECT_TRUE(a.subscription_count);
    EXPECT_TRUE(a.cache);
    EXPECT_FALSE(a.user_count);
}

}  // namespace sb::protocol::pusher
