// The store contract: pages, cursors and has_more.
#include "storage/store_contract_test.hpp"

#include "storage/store_contract_messages.hpp"

namespace sb::storage::testing {

namespace {

// --- pagination ----------------------------------------------------------------------------

// 3000 messages in pages of 100: both walks end on a full page, where has_more must still be
// false.
TEST_P(store_contract, walking_backwards_with_before_visits_every_message_once) {
    message_factory f;
    const auto all = f.make_many("chat", 3000);
    append_in_batches(*conn_, all, 500);

    std::vector<std::string> seen;
    auto q = page_of("chat", 100, sort_order::desc);
    for (int pages = 1;; ++pages) {
        const auto p = conn_->page(q);
        ASSERT_EQ(p.messages.size(), 100U);
        for (const auto& m : p.messages) seen.push_back(m.id);
        if (!p.has_more) {
            EXPECT_EQ(pages, 30);
            break;
        }
        ASSERT_LT(pages, 30) << "has_more must be false on the last page";
        q.before_id = p.messages.back().id;
    }
    auto want = ids_of(all);
    std::reverse(want.begin(), want.end());
    EXPECT_EQ(seen, want);
}

TEST_P(store_contract, walking_forwards_with_after_visits_every_message_once) {
    message_factory f;
    const auto all = f.make_many("chat", 3000);
    append_in_batches(*conn_, all, 1000);

    std::vector<std::string> seen;
    auto q = page_of("chat", 100, sort_order::asc);
    for (int pages = 1;; ++pages) {
        const auto p = conn_->page(q);
        ASSERT_EQ(p.messages.size(), 100U);
        for (const auto& m : p.messages) seen.push_back(m.id);
        if (!p.has_more) {
            EXPECT_EQ(pages, 30);
            break;
        }
        ASSERT_LT(pages, 30);
        q.after_id = p.messages.back().id;
    }
    EXPECT_EQ(seen, ids_of(all));
}

// Between two cursors, in both orders: the window stays fixed on one side and moves on the
// other; 1999 messages end on a partial page.
TEST_P(store_contract, walking_between_before_and_after_works_in_both_orders) {
    message_factory f;
    const auto all = f.make_many("chat", 2600);
    append_in_batches(*conn_, all, 650);
    const auto ids = ids_of(all);
    const std::vector<std::string> inside(ids.begin() + 501, ids.begin() + 2500);
    ASSERT_EQ(inside.size(), 1999U);

    for (const sort_order order : {sort_order::asc, sort_order::desc}) {
        auto q = page_of("chat", 100, order);
        q.after_id = all[500].id;
        q.before_id = all[2500].id;
        std::vector<std::string> seen;
        for (;;) {
            const auto p = conn_->page(q);
            for (const auto& m : p.messages) seen.push_back(m.id);
            if (!p.has_more) {
                EXPECT_EQ(p.messages.size(), 99U);
                break;
            }
            ASSERT_EQ(p.messages.size(), 100U);
            (order == sort_order::asc ? q.after_id : q.before_id) = p.messages.back().id;
        }
        auto want = inside;
        if (order == sort_order::desc) std::reverse(want.begin(), want.end());
        EXPECT_EQ(seen, want) << (order == sort_order::asc ? "asc" : "desc");
    }
}

TEST_P(store_contract, has_more_is_exact_at_both_ends_of_the_channel) {
    message_factory f;
    const auto all = f.make_many("chat", 250);
    conn_->append(all);

    auto q = page_of("chat", 100, sort_order::desc);
    q.before_id = all[100].id;  // exactly 100 older messages
    auto p = conn_->page(q);
    EXPECT_EQ(p.messages.size(), 100U);
    EXPECT_FALSE(p.has_more);
    q.before_id = all[101].id;  // 101 older messages
    p = conn_->page(q);
    EXPECT_EQ(p.messages.front().id, all[100].id);
    EXPECT_TRUE(p.has_more);

    q = page_of("chat", 100, sort_order::asc);
    q.after_id = all[149].id;  // exactly 100 newer messages
    p = conn_->page(q);
    EXPECT_EQ(p.messages.size(), 100U);
    EXPECT_FALSE(p.has_more);
    q.after_id = all[148].id;
    p = conn_->page(q);
    EXPECT_TRUE(p.has_more);

    // Before the oldest or after the newest there is nothing.
    q = page_of("chat", 100, sort_order::desc);
    q.before_id = all.front().id;
    p = conn_->page(q);
    EXPECT_TRUE(p.messages.empty());
    EXPECT_FALSE(p.has_more);
    q = page_of("chat", 100, sort_order::asc);
    q.after_id = all.back().id;
    EXPECT_TRUE(conn_->page(q).messages.empty());
}

TEST_P(store_contract, a_page_holds_at_most_limit_messages) {
    message_factory f;
    const auto all = f.make_many("chat", 150);
    conn_->append(all);

    auto p = conn_->page(page_of("chat", 1, sort_order::desc));
    ASSERT_EQ(p.messages.size(), 1U);
    EXPECT_EQ(p.messages[0].id, all.back().id);
    EXPECT_TRUE(p.has_more);

    p = conn_->page(page_of("chat", 100, sort_order::asc));
    ASSERT_EQ(p.messages.size(), 100U);
    EXPECT_EQ(p.messages.front().id, all.front().id);
    EXPECT_TRUE(p.has_more);

    p = conn_->page(page_of("chat", 100, sort_order::desc));
    EXPECT_EQ(p.messages.size(), 100U);

    const auto empty = conn_->page(page_of("no-such-channel", 50, sort_order::desc));
    EXPECT_TRUE(empty.messages.empty());
    EXPECT_FALSE(empty.has_more);
}

TEST_P(store_contract, a_channel_of_exactly_limit_messages_has_no_more) {
    message_factory f;
    conn_->append(f.make_many("chat", 50));
    EXPECT_FALSE(conn_->page(page_of("chat", 50, sort_order::desc)).has_more);
    conn_->append(f.make_many("chat", 1));
    EXPECT_TRUE(conn_->page(page_of("chat", 50, sort_order::desc)).has_more);
}

}  // namespace
}  // namespace sb::storage::testing
