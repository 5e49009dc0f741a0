#include "broker/redis/pubsub.hpp"

#include <gtest/gtest.h>

namespace sb::broker::redis {
namespace {

reply parse(std::string_view wire) {
    resp_parser parser;
    std::size_t consumed = 0;
    EXPECT_EQ(parser.next(wire, consumed), resp_parser::status::reply);
    return parser.take();
}

TEST(pubsub, reads_messages_of_every_kind) {
    reply m = parse("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
    pubsub_reading got = read_pubsub_reply(m);
    ASSERT_TRUE(got.message);
    EXPECT_EQ(got.message->kind, pubsub_kind::message);
    EXPECT_EQ(got.message->channel, "ch");
    EXPECT_EQ(got.message->payload, "hi");

    reply p = parse("*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nc1\r\n$1\r\nx\r\n");
    got = read_pubsub_reply(p);
    ASSERT_TRUE(got.message);
    EXPECT_EQ(got.message->kind, pubsub_kind::pmessage);
    EXPECT_EQ(got.message->pattern, "c*");
    EXPECT_EQ(got.message->channel, "c1");

    // RESP3 push frames read the same.
    reply s = parse(">3\r\n$8\r\nsmessage\r\n$1\r\nc\r\n$0\r\n\r\n");
    got = read_pubsub_reply(s);
    ASSERT_TRUE(got.message);
    EXPECT_EQ(got.message->kind, pubsub_kind::smessage);
    EXPECT_EQ(got.message->payload, "");
}

TEST(pubsub, reads_confirmations_and_leaves_other_replies_alone) {
    reply c = parse("*3\r\n$12\r\nsunsubscribe\r\n$1\r\nc\r\n:0\r\n");
    EXPECT_EQ(read_pubsub_reply(c).confirmation, "sunsubscribe");
    reply pong = parse("*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    const pubsub_reading other = read_pubsub_reply(pong);
    EXPECT_FALSE(other.message);
    EXPECT_TRUE(other.confirmation.empty());
    reply ok = reply::simple("OK");
    EXPECT_FALSE(read_pubsub_reply(ok).message);
    // A malformed message (wrong arity) is not a message.
    reply short_message = parse("*2\r\n$7\r\nmessage\r\n$2\r\nch\r\n");
    EXPECT_FALSE(read_pubsub_reply(short_message).message);
}

TEST(pubsub, verbs_name_the_command_and_its_confirmation) {
    EXPECT_EQ(verbs(pubsub_kind::smessage, true).command, "SSUBSCRIBE");
    EXPECT_EQ(verbs(pubsub_kind::pmessage, false).confirmation, "punsubscribe");
}

}  // namespace
}  // namespace sb::broker::redis
