#include "protocol/pusher/client_message.hpp"

#include <gtest/gtest.h>

namespace sb::protocol::pusher {

namespace {
template <class T>
T as(const client_command& cmd) {
    EXPECT_TRUE(std::holds_alternative<T>(cmd)) << "index " << cmd.index();
    return std::holds_alternative<T>(cmd) ? std::get<T>(cmd) : T{};
}
std::string reason(const client_command& cmd) { return as<invalid_message>(cmd).reason; }
}  // namespace

TEST(client_message, parses_pusher_commands) {
    as<ping_command>(parse_client_message(R"({"event":"pusher:ping","data":{}})", 100));
    as<pong_command>(parse_client_message(R"({"event":"pusher:pong"})", 100));
    const auto sub = as<subscribe_command>(parse_client_message(
        R"({"event":"pusher:subscribe","data":{"channel":"presence-a","auth":"k:s","channel_data":"{\"user_id\":\"1\"}"}})",
        100));
    EXPECT_EQ(sub.channel, "presence-a");
    EXPECT_EQ(sub.auth, "k:s");
    EXPECT_EQ(sub.channel_data.value(), R"({"user_id":"1"})");
    EXPECT_EQ(as<unsubscribe_command>(parse_client_message(
                  R"({"event":"pusher:unsubscribe","data":{"channel":"x"}})", 100)).channel, "x");
    const auto signin = as<signin_command>(parse_client_message(
        R"({"event":"pusher:signin","data":{"auth":"k:s","user_data":"{\"id\":\"1\"}"}})", 100));
    EXPECT_EQ(signin.user_data, R"({"id":"1"})");
}

TEST(client_message, subscribe_data_may_be_a_json_string) {
    const auto sub = as<subscribe_command>(parse_client_message(
        R"({"event":"pusher:subscribe","data":"{\"channel\":\"news\"}"})", 100));
    EXPECT_EQ(sub.channel, "news");
    EXPECT_FALSE(sub.channel_data.has_value());
}

TEST(client_message, channel_events_keep_string_data_and_serialize_other_values) {
    const auto a = as<channel_event_command>(parse_client_message(
        R"({"event":"client-a","channel":"private-x","data":"hello"})", 100));
    EXPECT_EQ(a.data, "hello");
    const auto b = as<channel_event_command>(parse_client_message(
        R"({"event":"client-b","channel":"private-x","data":{"x":1,"y":[true]}})", 100));
    EXPECT_EQ(b.data, R"({"x":1,"y":[true]})");
    EXPECT_EQ(b.event, "client-b");
    EXPECT_EQ(b.channel, "private-x");
}

TEST(client_message, malformed_input_becomes_invalid_message) {
    EXPECT_NE(reason(parse_client_message("{not json", 100)).find("JSON"), std::string::npos);
    EXPECT_FALSE(reason(parse_client_message("[1,2]", 100)).empty());
    EXPECT_FALSE(reason(parse_client_message(R"({"data":{}})", 100)).empty());
    EXPECT_FALSE(reason(parse_client_message(R"({"event":42})", 100)).empty());
    EXPECT_FALSE(reason(parse_client_message(R"({"event":"pusher:subscribe"})", 100)).empty());
    EXPECT_FALSE(reason(parse_client_message(R"({"event":"pusher:subscribe","data":{"channel":5}})", 100)).empty());
    EXPECT_FALSE(reason(parse_client_message(R"({"event":"pusher:subscribe","data":{"channel":"a","auth":1}})", 100)).empty());
    EXPECT_NE(reason(parse_client_message(R"({"event":"pusher:bogus","data":{}})", 100)).find("unknown"),
              std::string::npos);
    EXPECT_FALSE(reason(parse_client_message(R"({"event":"pusher_internal:member_added","channel":"a"})", 100)).empty());
    EXPECT_FALSE(reason(parse_client_message(R"({"event":"client-a","data":"x"})", 100)).empty());
    EXPECT_FALSE(reason(parse_client_message(R"({"event":"pusher:signin","data":{"auth":"a"}})", 100)).empty());
    EXPECT_FALSE(reason(parse_client_message("", 100)).empty());
}

TEST(client_message, data_over_the_limit_is_dropped_and_flagged) {
    const std::string big(101, 'x');
    const auto over = as<channel_event_command>(parse_client_message(
        R"({"event":"client-a","channel":"private-x","data":")" + big + R"(","ack":"a1"})", 100));
    EXPECT_EQ(over.oversized, 101u);
    EXPECT_TRUE(over.data.empty());
    EXPECT_EQ(over.ack, "a1");
    const auto fits = as<channel_event_command>(parse_client_message(
        R"({"event":"client-a","channel":"private-x","data":")" + std::string(100, 'x') + "\"}", 100));
    EXPECT_EQ(fits.oversized, 0u);
}

TEST(client_message, native_fields_and_switchboard_commands) {
    const auto send = as<channel_event_command>(parse_client_message(
        R"({"event":"message","channel":"chat:a","data":{"t":1},"ack":"c1","idempotency_key":"k1","echo":false})", 100));
    EXPECT_EQ(send.ack, "c1");
    EXPECT_EQ(send.idempotency_key, "k1");
    EXPECT_FALSE(send.echo);
    const auto presence = as<presence_command>(parse_client_message(
        R"({"event":"switchboard:presence","channel":"presence:r","data":{"action":"update","data":{"status":"busy"}}})", 100));
    EXPECT_EQ(presence.what, presence_command::action::update);
    EXPECT_EQ(presence.data_json, R"({"status":"busy"})");
    const auto typing = as<typing_command>(parse_client_message(
        R"({"event":"switchboard:typing","channel":"chat:a","data":{"typing":true,"user_name":"Al"}})", 100));
    EXPECT_TRUE(typing.typing);
    EXPECT_EQ(typing.user_name, "Al");
    const auto read = as<read_command>(parse_client_message(
        R"({"event":"switchboard:read","channel":"chat:a","data":{"message_id":"msg_1"}})", 100));
    EXPECT_EQ(read.message_id, "msg_1");
    EXPECT_FALSE(read.delivered);
    const auto delivered = as<read_command>(parse_client_message(
        R"({"event":"switchboard:delivered","channel":"chat:a","data":{"message_id":"msg_2"}})", 100));
    EXPECT_TRUE(delivered.delivered);
    EXPECT_FALSE(reason(parse_client_message(R"({"event":"switchboard:presence","channel":"p","data":{"action":"dance"}})", 100)).empty());
    EXPECT_FALSE(reason(parse_client_message(R"({"event":"switchboard:typing","channel":"p","data":{}})", 100)).empty());
    EXPECT_FALSE(reason(parse_client_message(R"({"event":"switchboard:nope","channel":"p","data":{}})", 100)).empty());
    const auto sub = as<subscribe_command>(parse_client_message(
        R"({"event":"pusher:subscribe","data":{"channel":"chat:a","recover":{"offset":41,"epoch":"e1"}}})", 100));
    ASSERT_TRUE(sub.recover.has_value());
    EXPECT_EQ(sub.recover->offset, 41u);
    EXPECT_FALSE(reason(parse_client_message(R"({"event":"pusher:subscribe","data":{"channel":"a","recover":{"offset":-1}}})", 100)).empty());
}

TEST(presence_data, parses_user_id_and_info) {
    auto r = parse_presence_data(R"({"user_id":"u1","user_info":{"name":"A"}})", 1024);
    ASSERT_TRUE(r.member.has_value()) << r.error;
    EXPECT_EQ(r.member->user_id, "u1");
    EXPECT_EQ(r.member->user_info_json, R"({"name":"A"})");
    r = parse_presence_data(R"({"user_id":10})", 1024);
    ASSERT_TRUE(r.member.has_value());
    EXPECT_EQ(r.member->user_id, "10");
    EXPECT_EQ(r.member->user_info_json, "null");
}

TEST(presence_data, refuses_bad_channel_data) {
    EXPECT_FALSE(parse_presence_data("nope", 1024).member.has_value());
    EXPECT_FALSE(parse_presence_data(R"({"user_info":{}})", 1024).member.has_value());
    EXPECT_FALSE(parse_presence_data(R"({"user_id":""})", 1024).member.has_value());
    EXPECT_FALSE(parse_presence_data(R"({"user_id":{"a":1}})", 1024).member.has_value());
    EXPECT_FALSE(parse_presence_data(R"({"user_id":")" + std::string(129, 'a') + "\"}", 1024).member.has_value());
    const auto big = parse_presence_data(R"({"user_id":"a","user_info":")" + std::string(2000, 'x') + "\"}", 1024);
    EXPECT_FALSE(big.member.has_value());
    EXPECT_NE(big.error.find("1024"), std::string::npos);
}

TEST(signin_user_data, needs_a_string_id) {
    auto ok = parse_signin_user_data(R"({"id":"42","user_info":{"n":1}})");
    ASSERT_TRUE(ok.user.has_value());
    EXPECT_EQ(ok.user->id, "42");
    EXPECT_FALSE(parse_signin_user_data(R"({"id":42})").user.has_value());
    EXPECT_FALSE(parse_signin_user_data(R"({"id":""})").user.has_value());
    EXPECT_FALSE(parse_signin_user_data("[]").user.has_value());
}

}  // namespace sb::protocol::pusher

namespace sb::protocol::pusher {

TEST(client_message, webrtc_commands_carry_the_room_and_their_data_object) {
    const auto join = std::get<webrtc_command>(parse_client_message(
        R"({"event":"switchboard:webrtc:join","channel":"room_1","data":{"token":"t"}})", 100));
    EXPECT_EQ(join.action, "join");
    EXPECT_EQ(join.room_id, "room_1");
    EXPECT_EQ(join.data_json, R"({"token":"t"})");
    EXPECT_TRUE(std::holds_alternative<invalid_message>(
        parse_client_message(R"({"event":"switchboard:webrtc:dance","channel":"room_1","data":{}})", 100)));
    EXPECT_TRUE(std::holds_alternative<invalid_message>(
        parse_client_message(R"({"event":"switchboard:webrtc:join","data":{}})", 100)));
}

}  // namespace sb::protocol::pusher
