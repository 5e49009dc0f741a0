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

TEST(server_events, native_event_carries_metadata) {
    message_meta meta{"msg_1", 42, "ep", "u1", 1705314600000ull};
    const auto doc = json::parse(native_channel_event("message", "chat:a", R"({"t":1})", meta));
    EXPECT_EQ(doc["data"], R"({"t":1})");
    EXPECT_EQ(doc["id"], "msg_1");
    EXPECT_EQ(doc["offset"], 42);
    EXPECT_EQ(doc["epoch"], "ep");
    EXPECT_EQ(doc["user_id"], "u1");
    EXPECT_EQ(doc["created_at"], "2024-01-15T10:30:00Z");
    const auto bare = json::parse(native_channel_event("e", "c", "x", message_meta{"msg_2", 0, "", "", 0}));
    EXPECT_FALSE(bare.contains("offset"));
    EXPECT_FALSE(bare.contains("user_id"));
}

TEST(server_events, acks_presence_typing_and_recovery) {
    auto ack = json::parse(ack_event("c", "a1", "msg_1", 7, "e"));
    EXPECT_EQ(ack["data"]["ack"], "a1");
    EXPECT_EQ(ack["data"]["offset"], 7);
    auto nack = json::parse(nack_event("c", "a1", "rate_limit_exceeded", 429, "slow down"));
    EXPECT_EQ(nack["data"]["status"], 429);
    core::presence_set set(10);
    set.join("1", R"({"name":"A"})");
    auto sync = json::parse(json::parse(presence_sync("presence:r", set))["data"].get<std::string>());
    EXPECT_EQ(sync["members"][0]["data"]["name"], "A");
    auto join = json::parse(json::parse(presence_member_event("presence:join", "presence:r", "1", R"({"n":1})"))["data"].get<std::string>());
    EXPECT_EQ(join["data"]["n"], 1);
    auto typing = json::parse(typing_payload("u", "Al"));
    EXPECT_EQ(typing["user_name"], "Al");
    auto rec = json::parse(json::parse(recovered_event("c", false, 9, "e"))["data"].get<std::string>());
    EXPECT_FALSE(rec["recovered"]);
    EXPECT_EQ(rec["offset"], 9);
    auto err = json::parse(error_event(4009, "expired", "invalid_token"));
    EXPECT_EQ(err["data"]["error"], "invalid_token");
    auto est = json::parse(json::parse(connection_established_native("1.2", 120, "u"))["data"].get<std::string>());
    EXPECT_EQ(est["extensions"][0], "native");
    EXPECT_EQ(est["user_id"], "u");
}

}  // namespace sb::protocol::pusher
