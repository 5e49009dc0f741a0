// The store contract: read receipts and unread counts.
#include "storage/store_contract_test.hpp"

#include "storage/store_contract_messages.hpp"

namespace sb::storage::testing {

namespace {

// --- read receipts -------------------------------------------------------------------------

TEST_P(store_contract, a_watermark_only_moves_forward) {
    message_factory f;
    const auto m = f.make_many("chat", 8);
    conn_->append(m);

    EXPECT_FALSE(conn_->watermark(tenant, "chat", "bob").has_value());
    EXPECT_TRUE(conn_->mark_read(tenant, "chat", "bob", m[4].id, t0 + 10));
    EXPECT_FALSE(conn_->mark_read(tenant, "chat", "bob", m[2].id, t0 + 20)) << "backwards";
    EXPECT_FALSE(conn_->mark_read(tenant, "chat", "bob", m[4].id, t0 + 30)) << "same message";

    auto w = conn_->watermark(tenant, "chat", "bob");
    ASSERT_TRUE(w.has_value());
    EXPECT_EQ(w->user_id, "bob");
    EXPECT_EQ(w->message_id, m[4].id);
    EXPECT_EQ(w->read_at_ms, t0 + 10) << "read_at changes only when the watermark moves";

    EXPECT_TRUE(conn_->mark_read(tenant, "chat", "bob", m[7].id, t0 + 40));
    w = conn_->watermark(tenant, "chat", "bob");
    EXPECT_EQ(w->message_id, m[7].id);
    EXPECT_EQ(w->read_at_ms, t0 + 40);
    EXPECT_FALSE(conn_->watermark(tenant, "other-channel", "bob").has_value());
}

TEST_P(store_contract, status_of_lists_users_who_read_the_message_or_later_sorted) {
    message_factory f;
    const auto m = f.make_many("chat", 6);
    conn_->append(m);
    conn_->mark_read(tenant, "chat", "user_456", m[2].id, t0);
    conn_->mark_read(tenant, "chat", "user_123", m[5].id, t0);
    conn_->mark_read(tenant, "chat", "user_789", m[0].id, t0);
    conn_->mark_read(tenant, "elsewhere", "user_000", m[5].id, t0);

    auto s = conn_->status_of(tenant, "chat", m[2].id);
    EXPECT_EQ(s.read_by, (std::vector<std::string>{"user_123", "user_456"}));
    EXPECT_EQ(s.read_count, 2U);
    s = conn_->status_of(tenant, "chat", m[0].id);
    EXPECT_EQ(s.read_by, (std::vector<std::string>{"user_123", "user_456", "user_789"}));
    EXPECT_EQ(s.read_count, 3U);
    s = conn_->status_of(tenant, "chat", m[5].id);
    EXPECT_EQ(s.read_by, std::vector<std::string>{"user_123"});
    s = conn_->status_of(tenant, "quiet", m[0].id);
    EXPECT_TRUE(s.read_by.empty());
    EXPECT_EQ(s.read_count, 0U);
}

TEST_P(store_contract, delivered_count_joins_delivery_and_read_watermarks) {
    message_factory f;
    const auto m = f.make_many("chat", 5);
    conn_->append(m);
    EXPECT_TRUE(conn_->mark_delivered(tenant, "chat", "phone", m[3].id, t0));
    EXPECT_FALSE(
        conn_->mark_delivered(tenant, "chat", "phone", m[1].id, t0 + 1));  // never backward
    conn_->mark_read(tenant, "chat", "laptop", m[2].id, t0);
    conn_->mark_delivered(tenant, "chat", "laptop", m[4].id, t0);  // read and delivered: one user
    conn_->mark_delivered(tenant, "other", "tablet", m[4].id, t0);
    EXPECT_EQ(conn_->status_of(tenant, "chat", m[2].id).delivered_count, 2U);
    EXPECT_EQ(conn_->status_of(tenant, "chat", m[4].id).delivered_count, 1U);
    EXPECT_EQ(conn_->status_of(tenant, "chat", m[0].id).delivered_count, 2U);
    EXPECT_EQ(conn_->status_of(tenant, "quiet", m[0].id).delivered_count, 0U);
}

TEST_P(store_contract, unread_count_skips_own_messages_and_what_was_read) {
    message_factory f;
    std::vector<message_record> m;
    for (int i = 0; i < 10; ++i) m.push_back(f.make("chat", "{}", i % 3 == 0 ? "alice" : "bob"));
    // alice wrote m0, m3, m6, m9; bob wrote the other six.
    conn_->append(m);

    EXPECT_EQ(conn_->unread_count(tenant, "chat", "carol"), 10U) << "no watermark: everything";
    EXPECT_EQ(conn_->unread_count(tenant, "chat", "alice"), 6U) << "own messages never count";
    EXPECT_EQ(conn_->unread_count(tenant, "chat", "bob"), 4U);

    conn_->mark_read(tenant, "chat", "alice", m[4].id, t0);
    EXPECT_EQ(conn_->unread_count(tenant, "chat", "alice"), 3U);  // m5, m7, m8
    conn_->mark_read(tenant, "chat", "carol", m[9].id, t0);
    EXPECT_EQ(conn_->unread_count(tenant, "chat", "carol"), 0U);
    EXPECT_EQ(conn_->unread_count(tenant, "empty", "carol"), 0U);

    conn_->append(std::vector{f.make("chat", "{}", "bob")});
    EXPECT_EQ(conn_->unread_count(tenant, "chat", "carol"), 1U);
}

}  // namespace
}  // namespace sb::storage::testing
