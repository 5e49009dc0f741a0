#include "broker/envelope.hpp"

#include <gtest/gtest.h>

namespace sb::broker {
namespace {

envelope sample() {
    envelope e;
    e.kind = envelope_kind::message;
    e.origin_node = "node-a";
    e.tenant = "app/production";
    e.channel = "chat:room-1";
    e.event = "message";
    e.data = "{\"text\":\"line\\none\n12:34\"}";
    e.exclude = "123.456";
    e.user_id = "u1";
    e.id = "msg_01";
    e.created_at_ms = 1700000000123;
    e.user_id_in_pusher_frame = true;
    e.cacheable = true;
    e.storable = true;
    e.offset = 42;
    e.epoch = "ep1";
    return e;
}

TEST(envelope, round_trips_every_field) {
    const envelope e = sample();
    const auto back = decode_payload(encode_payload(e));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, e);
}

TEST(envelope, round_trips_empty_fields_and_every_kind) {
    for (auto kind : {envelope_kind::message, envelope_kind::member_added, envelope_kind::member_removed,
                      envelope_kind::member_updated, envelope_kind::terminate_user}) {
        envelope e;
        e.kind = kind;
        const auto back = decode_payload(encode_payload(e));
        ASSERT_TRUE(back.has_value());
        EXPECT_EQ(*back, e);
    }
}

TEST(envelope, offset_and_epoch_prefix_a_body_made_without_them) {
    envelope e = sample();
    const std::string payload = "7\nxyz\n" + encode_body(e);
    const auto back = decode_payload(payload);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->offset, 7u);
    EXPECT_EQ(back->epoch, "xyz");
    EXPECT_EQ(back->data, e.data);
}

TEST(envelope, refuses_malformed_payloads) {
    const std::string good = encode_payload(sample());
    EXPECT_FALSE(decode_payload(""));
    EXPECT_FALSE(decode_payload("x\nep\n" + encode_body(sample())));
    EXPECT_FALSE(decode_payload(good.substr(0, good.size() - 1)));  // last field cut short
    EXPECT_FALSE(decode_payload(good + "1:x"));                      // a field too many
    EXPECT_FALSE(decode_payload("1\nep\n5:90000"));                  // unknown kind
    EXPECT_FALSE(decode_payload("1\nep\n999999999999:abc"));        // length past the end
}

}  // namespace
}  // namespace sb::broker
