#include "core/channel_state.hpp"

#include <gtest/gtest.h>

namespace sb::core {

TEST(channel_state, tracks_occupancy_and_shards) {
    channel_state ch(4, false, 0);
    EXPECT_TRUE(ch.join(2).became_occupied);
    EXPECT_FALSE(ch.join(2).became_occupied);
    EXPECT_FALSE(ch.join(0).became_occupied);
    EXPECT_EQ(ch.shard_mask(), 0b0101u);
    EXPECT_EQ(ch.subscriptions(), 3u);
    EXPECT_FALSE(ch.leave(2).became_vacant);
    EXPECT_EQ(ch.shard_mask(), 0b0101u);
    EXPECT_FALSE(ch.leave(2).became_vacant);
    EXPECT_EQ(ch.shard_mask(), 0b0001u);
    EXPECT_TRUE(ch.leave(0).became_vacant);
    EXPECT_EQ(ch.shard_mask(), 0u);
}

TEST(channel_state, leave_on_a_shard_without_subscribers_changes_nothing) {
    channel_state ch(2, false, 0);
    ch.join(0);
    const auto out = ch.leave(1);
    EXPECT_FALSE(out.became_vacant);
    EXPECT_EQ(ch.subscriptions(), 1u);
}

TEST(channel_state, presence_member_events_follow_users_not_sockets) {
    channel_state ch(2, true, 100);
    EXPECT_EQ(ch.join(0, false, "u1", "{}").presence, presence_set::join_result::first_connection);
    EXPECT_EQ(ch.join(1, false, "u1", "{}").presence, presence_set::join_result::additional_connection);
    EXPECT_EQ(ch.join(1, false, "u2", "{}").presence, presence_set::join_result::first_connection);
    EXPECT_FALSE(ch.leave(0, false, "u1").member_removed);
    EXPECT_TRUE(ch.leave(1, false, "u1").member_removed);
    const auto last = ch.leave(1, false, "u2");
    EXPECT_TRUE(last.member_removed);
    EXPECT_TRUE(last.became_vacant);
}

TEST(channel_state, full_presence_channel_refuses_without_counting) {
    channel_state ch(1, true, 1);
    ch.join(0, false, "a", "{}");
    const auto out = ch.join(0, false, "b", "{}");
    EXPECT_EQ(out.presence, presence_set::join_result::full);
    EXPECT_EQ(ch.subscriptions(), 1u);
}

TEST(channel_state, cache_expires_and_vacant_channels_become_disposable) {
    channel_state ch(1, false, 0);
    ch.set_cache({"ev", "data", "", 1000});
    EXPECT_NE(ch.cache(999), nullptr);
    EXPECT_FALSE(ch.disposable(999));
    EXPECT_EQ(ch.cache(1000), nullptr);
    EXPECT_TRUE(ch.disposable(1000));
    ch.join(0);
    EXPECT_FALSE(ch.disposable(2000));
}

TEST(channel_state, offsets_increase_by_one) {
    channel_state ch(1, false, 0);
    EXPECT_EQ(ch.next_offset(), 1u);
    EXPECT_EQ(ch.next_offset(), 2u);
    EXPECT_EQ(ch.last_offset(), 2u);
}

}  // namespace sb::core

namespace sb::core {

TEST(channel_state, counts_native_subscribers_apart) {
    channel_state ch(1, false, 0);
    ch.join(0, true);
    ch.join(0, false);
    EXPECT_EQ(ch.native_subscriptions(), 1u);
    EXPECT_EQ(ch.plain_subscriptions(), 1u);
    ch.leave(0, true);
    EXPECT_EQ(ch.native_subscriptions(), 0u);
    EXPECT_EQ(ch.plain_subscriptions(), 1u);
}

TEST(channel_state, membership_can_be_left_and_entered_while_subscribed) {
    channel_state ch(1, true, 10);
    ch.join(0, true, "u1", "{}");
    EXPECT_TRUE(ch.exit("u1"));
    EXPECT_EQ(ch.presence()->size(), 0u);
    EXPECT_EQ(ch.subscriptions(), 1u);
    EXPECT_EQ(ch.enter("u1", R"({"s":1})"), presence_set::join_result::first_connection);
    // Unsubscribing a connection that is no longer a member must not remove another's membership.
    ch.join(0, true, "u2", "{}");
    const auto out = ch.leave(0, true, "");
    EXPECT_FALSE(out.member_removed);
    EXPECT_EQ(ch.presence()->size(), 2u);
}

}  // namespace sb::core

namespace sb::core {

TEST(channel_state, history_channels_stay_until_stored_and_idle) {
    channel_state ch(1, false, 0);
    ch.keep_history(3);
    EXPECT_FALSE(ch.position_loaded());
    ch.load_position(41, "ep");
    EXPECT_EQ(ch.next_offset(), 42u);
    EXPECT_EQ(ch.epoch(), "ep");
    ch.touch(1000);
    ch.append_started();
    EXPECT_FALSE(ch.disposable(100'000, 60'000));
    ch.append_finished();
    EXPECT_FALSE(ch.disposable(60'999, 60'000));
    EXPECT_TRUE(ch.disposable(61'000, 60'000));
}

TEST(channel_state, recent_messages_keep_only_the_tail) {
    channel_state ch(1, false, 0);
    ch.keep_history(2);
    for (std::uint64_t i = 1; i <= 5; ++i) ch.remember({i, "m", "e", "d", "", 0});
    ASSERT_EQ(ch.recent().size(), 2u);
    EXPECT_EQ(ch.recent().front().offset, 4u);
    EXPECT_EQ(ch.recent().back().offset, 5u);
}

TEST(channel_state, a_gap_in_offsets_starts_the_recent_tail_again) {
    channel_state ch(1, false, 0);
    ch.keep_history(10);
    ch.remember({1, "m", "e", "d", "", 0});
    ch.remember({2, "m", "e", "d", "", 0});
    ch.remember({5, "m", "e", "d", "", 0});  // 3 and 4 were never seen here
    ASSERT_EQ(ch.recent().size(), 1u);
    EXPECT_EQ(ch.recent().front().offset, 5u);
}

}  // namespace sb::core
