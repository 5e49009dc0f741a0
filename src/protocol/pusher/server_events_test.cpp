#include "protocol/pusher/server_events.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sb::protocol::pusher {

using json = nlohmann::json;

TEST(server_events, connection_established_data_is_a_json_string) {
    const auto doc = json::parse(connection_established("123.456", 120));
    EXPECT_EQ(doc["event"], "pusher:connection_established");
    ASSERT_TRUE(doc["data"].is_string());
    const auto data = json::parse(doc["data"].get<std::string>());
    EXPECT_EQ(data["socket_id"], "123.456");
    EXPECT_EQ(data["activity_timeout"], 120);
}

TEST(server_events, presence_success_lists_members_once) {
    core::presence_set set(10);
    set.join("1", R"({"name":"A"})");
    set.join("1", R"({"name":"A"})");
    set.join("2", "null");
    const auto doc = json::parse(presence_subscription_succeeded("presence-r", set));
    EXPECT_EQ(doc["channel"], "presence-r");
    const auto data = json::parse(doc["data"].get<std::string>());
    EXPECT_EQ(data["presence"]["count"], 2);
    EXPECT_EQ(data["presence"]["ids"].size(), 2u);
    EXPECT_EQ(data["presence"]["hash"]["1"]["name"], "A");
    EXPECT_TRUE(data["presence"]["hash"]["2"].is_null());
}

TEST(server_events, empty_presence_set_encodes_empty_lists) {
    core::presence_set set(10);
    const auto data = json::parse(json::parse(presence_subscription_succeeded("presence-r", set))["data"].get<std::string>());
    EXPECT_TRUE(data["presence"]["ids"].empty());
    EXPECT_TRUE(data["presence"]["hash"].is_object());
    EXPECT_EQ(data["presence"]["count"], 0);
}

TEST(server_events, member_events_and_errors) {
    auto added = json::parse(member_added("presence-r", "7", R"({"a":1})"));
    EXPECT_EQ(json::parse(added["data"].get<std::string>())["user_info"]["a"], 1);
    auto removed = json::parse(member_removed("presence-r", "7"));
    EXPECT_EQ(json::parse(removed["data"].get<std::string>())["user_id"], "7");
    auto err = json::parse(error_event(4001, "Application does not exist"));
    EXPECT_EQ(err["data"]["code"], 4001);
    EXPECT_TRUE(json::parse(error_event(0, "x"))["data"]["code"].is_null());
    auto sub_err = json::parse(subscription_error("private-a", "AuthError", "bad \"sig\"", 401));
    EXPECT_EQ(json::parse(sub_err["data"].get<std::string>())["status"], 401);
    EXPECT_EQ(json::parse(cache_miss("cache-a"))["channel"], "cache-a");
    EXPECT_FALSE(json::parse(cache_miss("cache-a")).contains("data"));
}

TEST(server_events, channel_event_escapes_data_and_adds_user_id_when_set) {
    const auto doc = json::parse(channel_event("ev", "presence-c", R"({"t":"a\"b"})", "u1"));
    EXPECT_EQ(doc["data"], R"({"t":"a\"b"})");
    EXPECT_EQ(doc["user_id"], "u1");
    EXPECT_FALSE(json::parse(channel_event("ev", "c", "x"))
                     .contains("user_id"));
}

}  // namespace sb::protocol::pusher
