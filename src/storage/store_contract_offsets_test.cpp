// The store contract: offsets, stream positions and epochs, and what survives a reopened store
// or a crashed process.
#include "storage/store_contract_test.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "storage/store_contract_messages.hpp"

namespace sb::storage::testing {

namespace {

// --- offsets, positions, epochs ------------------------------------------------------------

// Ids from several nodes need not follow append order: page sorts by id, since_offset by offset.
TEST_P(store_contract, since_offset_follows_offsets_and_page_follows_ids) {
    message_factory f;
    auto batch = f.make_many("chat", 5);
    std::swap(batch[1].id, batch[3].id);  // offset 2 now has a later id than offset 4
    conn_->append(batch);

    const auto recovered = conn_->since_offset(tenant, "chat", 0, 100);
    ASSERT_EQ(recovered.size(), 5U);
    for (std::size_t i = 0; i < recovered.size(); ++i) EXPECT_EQ(recovered[i].offset, i + 1);
    EXPECT_EQ(recovered[1].id, batch[1].id);

    const auto p = conn_->page(page_of("chat", 10, sort_order::asc));
    std::vector<std::uint64_t> offsets;
    for (const auto& m : p.messages) offsets.push_back(m.offset);
    EXPECT_EQ(offsets, (std::vector<std::uint64_t>{1, 4, 3, 2, 5}));
}

TEST_P(store_contract, since_offset_returns_later_messages_up_to_limit) {
    message_factory f;
    const auto all = f.make_many("chat", 20);
    conn_->append(all);
    conn_->append(f.make_many("other", 5));

    const auto after_7 = conn_->since_offset(tenant, "chat", 7, 5);
    ASSERT_EQ(after_7.size(), 5U);
    EXPECT_EQ(after_7.front().offset, 8U);
    EXPECT_EQ(after_7.back().offset, 12U);
    expect_same_message(after_7.front(), all[7]);
    EXPECT_EQ(conn_->since_offset(tenant, "chat", 18, 100).size(), 2U);
    EXPECT_TRUE(conn_->since_offset(tenant, "chat", 20, 100).empty());
    EXPECT_TRUE(conn_->since_offset(tenant, "nothing-here", 0, 100).empty());
}

TEST_P(store_contract, a_new_channel_is_at_offset_zero_with_an_epoch_that_is_kept) {
    const auto first = conn_->position(tenant, "chat");
    EXPECT_EQ(first.last_offset, 0U);
    EXPECT_FALSE(first.epoch.empty());
    EXPECT_EQ(conn_->position(tenant, "chat").epoch, first.epoch);

    message_factory f;
    conn_->append(f.make_many("chat", 3));
    const auto after = conn_->position(tenant, "chat");
    EXPECT_EQ(after.last_offset, 3U);
    EXPECT_EQ(after.epoch, first.epoch);
    EXPECT_NE(conn_->position(tenant, "another").epoch, first.epoch);
}

TEST_P(store_contract, the_first_append_creates_the_epoch) {
    message_factory f;
    conn_->append(f.make_many("chat", 2));
    const auto p = conn_->position(tenant, "chat");
    EXPECT_EQ(p.last_offset, 2U);
    EXPECT_FALSE(p.epoch.empty());
    // Another connection sees the same epoch.
    EXPECT_EQ(store_->connect()->position(tenant, "chat").epoch, p.epoch);
}

TEST_P(store_contract, positions_and_epochs_survive_reopening_the_store) {
    message_factory f;
    const auto all = f.make_many("chat", 7);
    conn_->append(all);
    const auto before = conn_->position(tenant, "chat");
    const auto empty_before = conn_->position(tenant, "empty");

    reopen();

    const auto after = conn_->position(tenant, "chat");
    EXPECT_EQ(after.last_offset, 7U);
    EXPECT_EQ(after.epoch, before.epoch);
    EXPECT_EQ(conn_->position(tenant, "empty").epoch, empty_before.epoch);
    EXPECT_EQ(ids_of(conn_->since_offset(tenant, "chat", 0, 100)), ids_of(all));
}

// A child process appends and dies without closing anything (no destructors, no checkpoint);
// this process then opens the same database and finds everything that was committed.
TEST_P(store_contract, committed_appends_survive_a_crashed_process) {
    message_factory f;
    const auto all = f.make_many("chat", 10);
    conn_.reset();
    store_.reset();

    const pid_t child = fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
        int code = 0;
        try {
            auto s = db_->open();
            auto c = s->connect();
            c->append(all);
            code = c->position(tenant, "chat").last_offset == 10 ? 0 : 2;
        } catch (...) {
            code = 1;
        }
        std::_Exit(code);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);

    store_ = db_->open();
    conn_ = store_->connect();
    const auto p = conn_->position(tenant, "chat");
    EXPECT_EQ(p.last_offset, 10U);
    EXPECT_EQ(ids_of(conn_->since_offset(tenant, "chat", 0, 100)), ids_of(all));
    EXPECT_EQ(conn_->position(tenant, "chat").epoch, p.epoch);
}

}  // namespace
}  // namespace sb::storage::testing
