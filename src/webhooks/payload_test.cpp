#include "webhooks/payload.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sb::webhooks {
namespace {

using json = nlohmann::json;

channel_event message(std::string data) {
    channel_event e;
    e.kind = event_kind::message_sent;
    e.channel = "chat:room-1";
    e.user_id = "user_123";
    e.message_id = "msg_01HV0000000000000000000000";
    e.event = "message";
    e.message_data = std::move(data);
    e.created_at_ms = 1705314600000;  // 2024-01-15T10:30:00Z
    return e;
}

TEST(payload, every_kind_has_a_name_in_at_least_one_format) {
    EXPECT_EQ(names_of(event_kind::message_sent).native, "message.sent");
    EXPECT_EQ(names_of(event_kind::member_added).native, "presence.join");
    EXPECT_EQ(names_of(event_kind::member_added).pusher, "member_added");
    EXPECT_EQ(names_of(event_kind::member_removed).native, "presence.leave");
    EXPECT_EQ(names_of(event_kind::member_updated).native, "presence.update");
    EXPECT_EQ(names_of(event_kind::channel_subscribed).native, "channel.subscribed");
    EXPECT_EQ(names_of(event_kind::channel_unsubscribed).native, "channel.unsubscribed");
    EXPECT_EQ(names_of(event_kind::channel_occupied).pusher, "channel_occupied");
    EXPECT_EQ(names_of(event_kind::channel_vacated).pusher, "channel_vacated");
    EXPECT_EQ(names_of(event_kind::client_event).pusher, "client_event");
    EXPECT_EQ(names_of(event_kind::cache_miss).pusher, "cache_miss");
    EXPECT_TRUE(names_of(event_kind::channel_occupied).native.empty());
}

TEST(payload, types_map_to_the_kinds_they_receive) {
    EXPECT_EQ(kinds_of("presence.join", false), bit_of(event_kind::member_added));
    EXPECT_EQ(kinds_of("member_added", true), bit_of(event_kind::member_added));
    EXPECT_EQ(kinds_of("member_added", false), 0U) << "names belong to their format";
    EXPECT_EQ(kinds_of("webhook.disabled", false), 0U) << "not a channel event";
    EXPECT_EQ(kinds_of("webrtc.participant.joined", false), bit_of(event_kind::webrtc_participant_joined));
}

TEST(payload, message_sent_carries_the_seeds_fields) {
    const auto data =
        json::parse(native_data(message(R"({"text":"Hello, world!","mood":"good"})")));
    EXPECT_EQ(data["channel_id"], "chat:room-1");
    EXPECT_EQ(data["user_id"], "user_123");
    EXPECT_EQ(data["message"]["id"], "msg_01HV0000000000000000000000");
    EXPECT_EQ(data["message"]["text"], "Hello, world!");
    EXPECT_EQ(data["message"]["created_at"], "2024-01-15T10:30:00Z");
    EXPECT_EQ(data["message"]["event"], "message");
    EXPECT_EQ(data["message"]["data"]["mood"], "good") << "JSON data stays JSON";
}

TEST(payload, data_that_is_not_json_is_sent_as_a_string) {
    const auto data = json::parse(native_data(message("plain \"words\"")));
    EXPECT_EQ(data["message"]["data"], "plain \"words\"");
    EXPECT_EQ(data["message"]["text"], "plain \"words\"");
    const auto no_text = json::parse(native_data(message("[1,2]")));
    EXPECT_FALSE(no_text["message"].contains("text"));
    EXPECT_EQ(no_text["message"]["data"], json::parse("[1,2]"));
}

TEST(payload, a_server_publish_without_a_sender_has_a_null_user) {
    auto e = message("{}");
    e.user_id.clear();
    EXPECT_TRUE(json::parse(native_data(e))["user_id"].is_null());
}

TEST(payload, presence_events_carry_the_member_info) {
    channel_event e;
    e.kind = event_kind::member_added;
    e.channel = "presence:lobby";
    e.user_id = "u1";
    e.data_json = R"({"name":"Alice"})";
    const auto data = json::parse(native_data(e));
    EXPECT_EQ(data["user_info"]["name"], "Alice");
    EXPECT_EQ(json::parse(pusher_event(e)),
              json::parse(R"({"name":"member_added","channel":"presence:lobby","user_id":"u1"})"));
}

TEST(payload, pusher_client_events_have_the_shape_pusher_sends) {
    channel_event e;
    e.kind = event_kind::client_event;
    e.channel = "private-chat";
    e.event = "client-typing";
    e.message_data = R"({"who":"me"})";
    e.socket_id = "123.456";
    const auto obj = json::parse(pusher_event(e));
    EXPECT_EQ(
        obj, json::parse(R"({"name":"client_event","channel":"private-chat","event":"client-typing",
                                   "data":"{\"who\":\"me\"}","socket_id":"123.456"})"));
    e.user_id = "u9";
    EXPECT_EQ(json::parse(pusher_event(e))["user_id"], "u9");
}

TEST(payload, bodies_wrap_the_stored_json) {
    const auto native =
        json::parse(native_body("evt_1", "message.sent", 1705314600000, R"({"a":1})"));
    EXPECT_EQ(
        native,
        json::parse(
            R"({"id":"evt_1","type":"message.sent","created_at":"2024-01-15T10:30:00Z","data":{"a":1}})"));
    const std::vector<std::string_view> events{R"({"name":"channel_occupied","channel":"a"})",
                                               R"({"name":"channel_vacated","channel":"b"})"};
    const auto pusher = json::parse(pusher_body(1700000000000, events));
    EXPECT_EQ(pusher["time_ms"], 1700000000000);
    ASSERT_EQ(pusher["events"].size(), 2U);
    EXPECT_EQ(pusher["events"][1]["name"], "channel_vacated");
}

TEST(payload, webhook_disabled_names_the_webhook_and_why) {
    storage::webhook_record w;
    w.id = "wh_1";
    w.url = "https://example.com/h";
    w.consecutive_failures = 120;
    w.failing_since_ms = 1705314600000;
    const auto data = json::parse(disabled_data(w, "120 failed attempts"));
    EXPECT_EQ(data["webhook_id"], "wh_1");
    EXPECT_EQ(data["reason"], "120 failed attempts");
    EXPECT_EQ(data["failing_since"], "2024-01-15T10:30:00Z");
}

}  // namespace
}  // namespace sb::webhooks
