// The store contract: pruning old messages.
#include "storage/store_contract_test.hpp"

#include "storage/store_contract_messages.hpp"

namespace sb::storage::testing {

namespace {

// --- prune ---------------------------------------------------------------------------------

TEST_P(store_contract, prune_deletes_only_older_messages_of_the_tenant) {
    message_factory f;
    const auto a = f.make_many("chat:a", 10);
    const auto b = f.make_many("chat:b", 10);
    const auto other = f.make_many("chat:a", 10, "bob", other_tenant);
    conn_->append(a);
    conn_->append(b);
    conn_->append(other);
    const auto epoch = conn_->position(tenant, "chat:a").epoch;

    // Everything created before b[5]: all of chat:a and the first five of chat:b.
    EXPECT_EQ(conn_->prune(tenant, "", b[5].created_at_ms), 15U);

    EXPECT_TRUE(conn_->since_offset(tenant, "chat:a", 0, 100).empty());
    const auto b_ids = ids_of(b);
    EXPECT_EQ(ids_of(conn_->since_offset(tenant, "chat:b", 0, 100)),
              std::vector<std::string>(b_ids.begin() + 5, b_ids.end()));
    EXPECT_EQ(conn_->since_offset(other_tenant, "chat:a", 0, 100).size(), 10U);
    EXPECT_FALSE(conn_->find(tenant, a[0].id).has_value());
    EXPECT_EQ(conn_->search(search_for("message")).messages.size(), 5U)
        << "pruned messages leave the index";

    // Offsets are not reused and the epoch stays.
    const auto p = conn_->position(tenant, "chat:a");
    EXPECT_EQ(p.last_offset, 10U);
    EXPECT_EQ(p.epoch, epoch);
    EXPECT_EQ(conn_->prune(tenant, "", b[5].created_at_ms), 0U);
}

TEST_P(store_contract, prune_with_a_prefix_deletes_only_matching_channels) {
    message_factory f;
    conn_->append(f.make_many("private-chat-1", 4));
    conn_->append(f.make_many("private-chat-2", 4));
    conn_->append(f.make_many("presence-room", 4));
    // '_' and '%' are ordinary characters in a prefix, not LIKE wildcards.
    conn_->append(f.make_many("a_b", 2));
    conn_->append(f.make_many("aXb", 2));
    conn_->append(f.make_many("100%", 2));
    conn_->append(f.make_many("1000", 2));
    const std::uint64_t later = f.now_ms() + 1;

    EXPECT_EQ(conn_->prune(tenant, "private-chat-", later), 8U);
    EXPECT_EQ(conn_->since_offset(tenant, "presence-room", 0, 100).size(), 4U);
    EXPECT_EQ(conn_->prune(tenant, "a_", later), 2U);
    EXPECT_EQ(conn_->since_offset(tenant, "aXb", 0, 100).size(), 2U);
    EXPECT_EQ(conn_->prune(tenant, "100%", later), 2U);
    EXPECT_EQ(conn_->since_offset(tenant, "1000", 0, 100).size(), 2U);
}

TEST_P(store_contract, prune_removes_more_messages_than_fit_in_one_chunk) {
    message_factory f;
    const auto old_messages = f.make_many("chat", 4500);
    append_in_batches(*conn_, old_messages, 1500);
    const auto keep = f.make_many("chat", 3);
    conn_->append(keep);

    EXPECT_EQ(conn_->prune(tenant, "", keep[0].created_at_ms), 4500U);
    EXPECT_EQ(ids_of(conn_->page(page_of("chat", 100, sort_order::asc)).messages), ids_of(keep));
    EXPECT_EQ(conn_->search(search_for("message")).messages.size(), 3U);
}

}  // namespace
}  // namespace sb::storage::testing
