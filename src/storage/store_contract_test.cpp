// The store contract (store_contract_test.hpp): the fixture, and appending, finding and
// idempotency keys. The other feature areas are in store_contract_*_test.cpp.
#include "storage/store_contract_test.hpp"

#include "storage/store_contract_messages.hpp"

namespace sb::storage::testing {

void store_contract::SetUp() {
    if (const std::string reason = GetParam().unavailable(); !reason.empty())
        GTEST_SKIP() << reason;
    db_ = GetParam().create();
    store_ = db_->open();
    conn_ = store_->connect();
}

void store_contract::TearDown() {
    conn_.reset();
    store_.reset();
    db_.reset();
}

void store_contract::reopen() {
    conn_.reset();
    store_.reset();
    store_ = db_->open();
    conn_ = store_->connect();
}

namespace {

// --- append and find -----------------------------------------------------------------------

TEST_P(store_contract, appended_message_is_found_by_id_with_every_field) {
    message_factory f;
    auto m = f.make("chat:room-1", R"({"text":"Hello, everyone! ünïcödé ✓","attachments":[]})",
                    "user_123");
    m.idempotency_key = "key-1";
    auto server = f.make("chat:room-1", "plain text, not JSON", "");
    conn_->append(std::vector{m, server});

    const auto found = conn_->find(tenant, m.id);
    ASSERT_TRUE(found.has_value());
    expect_same_message(*found, m);
    const auto found_server = conn_->find(tenant, server.id);
    ASSERT_TRUE(found_server.has_value());
    expect_same_message(*found_server, server);
}

TEST_P(store_contract, find_returns_nothing_for_an_unknown_id) {
    message_factory f;
    const auto m = f.make("chat");
    conn_->append(std::span(&m, 1));
    EXPECT_FALSE(conn_->find(tenant, "msg_01HZZZZZZZZZZZZZZZZZZZZZZZ").has_value());
    EXPECT_FALSE(conn_->find(other_tenant, m.id).has_value());
}

TEST_P(store_contract, appending_an_empty_batch_changes_nothing) {
    conn_->append({});
    EXPECT_EQ(conn_->position(tenant, "chat").last_offset, 0U);
}

TEST_P(store_contract, a_duplicate_id_in_the_tenant_fails_the_whole_batch) {
    message_factory f;
    const auto first = f.make("chat");
    conn_->append(std::span(&first, 1));

    auto batch = f.make_many("chat", 3);
    batch[2].id = first.id;
    EXPECT_THROW(conn_->append(batch), storage_error);

    EXPECT_FALSE(conn_->find(tenant, batch[0].id).has_value())
        << "all or none of a batch is stored";
    EXPECT_EQ(conn_->position(tenant, "chat").last_offset, 1U);
    // The connection is still usable after the failed transaction.
    conn_->append(std::span(batch).first(2));
    EXPECT_EQ(conn_->position(tenant, "chat").last_offset, 3U);
}

TEST_P(store_contract, the_same_id_may_exist_in_two_tenants) {
    message_factory f;
    const auto a = f.make("chat", "{\"text\":\"production\"}");
    auto b = a;
    b.tenant = other_tenant;
    b.data = "{\"text\":\"staging\"}";
    conn_->append(std::span(&a, 1));
    conn_->append(std::span(&b, 1));
    EXPECT_EQ(conn_->find(tenant, a.id)->data, a.data);
    EXPECT_EQ(conn_->find(other_tenant, a.id)->data, b.data);
}

TEST_P(store_contract, tenants_with_the_same_channel_name_share_nothing) {
    message_factory f;
    const auto mine = f.make_many("chat", 3, "alice", tenant);
    const auto theirs = f.make_many("chat", 5, "bob", other_tenant);
    conn_->append(mine);
    conn_->append(theirs);

    EXPECT_EQ(ids_of(conn_->page(page_of("chat", 100, sort_order::asc)).messages), ids_of(mine));
    EXPECT_EQ(conn_->position(tenant, "chat").last_offset, 3U);
    EXPECT_EQ(conn_->position(other_tenant, "chat").last_offset, 5U);
    EXPECT_NE(conn_->position(tenant, "chat").epoch, conn_->position(other_tenant, "chat").epoch);
    EXPECT_EQ(conn_->since_offset(tenant, "chat", 0, 100).size(), 3U);
    EXPECT_EQ(conn_->search(search_for("message")).messages.size(), 3U);
    EXPECT_EQ(conn_->unread_count(tenant, "chat", "carol"), 3U);
    EXPECT_TRUE(conn_->mark_read(other_tenant, "chat", "carol", theirs.back().id, t0));
    EXPECT_FALSE(conn_->watermark(tenant, "chat", "carol").has_value());
    EXPECT_EQ(conn_->status_of(tenant, "chat", mine.front().id).read_count, 0U);
    EXPECT_EQ(conn_->unread_count(tenant, "chat", "carol"), 3U);
}

// --- idempotency ---------------------------------------------------------------------------

TEST_P(store_contract, a_message_with_a_stored_idempotency_key_is_skipped) {
    message_factory f;
    auto first = f.make("chat", "{\"text\":\"first\"}");
    first.idempotency_key = "publish-1";
    conn_->append(std::span(&first, 1));

    auto retry = f.make("chat", "{\"text\":\"retry\"}");
    retry.idempotency_key = "publish-1";
    auto fresh = f.make("chat", "{\"text\":\"fresh\"}");
    conn_->append(std::vector{retry, fresh});

    EXPECT_FALSE(conn_->find(tenant, retry.id).has_value());
    EXPECT_TRUE(conn_->find(tenant, fresh.id).has_value());
    EXPECT_EQ(conn_->page(page_of("chat", 10, sort_order::asc)).messages.size(), 2U);
    EXPECT_EQ(conn_->position(tenant, "chat").last_offset, 3U);
}

TEST_P(store_contract, the_second_of_two_messages_with_one_key_in_a_batch_is_skipped) {
    message_factory f;
    auto a = f.make("chat");
    auto b = f.make("chat");
    a.idempotency_key = b.idempotency_key = "dup";
    conn_->append(std::vector{a, b});
    EXPECT_TRUE(conn_->find(tenant, a.id).has_value());
    EXPECT_FALSE(conn_->find(tenant, b.id).has_value());
    // A skipped message does not move the channel's position.
    EXPECT_EQ(conn_->position(tenant, "chat").last_offset, 1U);
}

TEST_P(store_contract, messages_without_a_key_are_never_skipped) {
    message_factory f;
    conn_->append(f.make_many("chat", 3));
    conn_->append(f.make_many("chat", 3));
    EXPECT_EQ(conn_->since_offset(tenant, "chat", 0, 100).size(), 6U);
    EXPECT_FALSE(conn_->find_by_idempotency_key(tenant, "", 0).has_value());
}

TEST_P(store_contract, idempotency_keys_are_per_tenant) {
    message_factory f;
    auto a = f.make("chat", "{}", "alice", tenant);
    auto b = f.make("chat", "{}", "alice", other_tenant);
    a.idempotency_key = b.idempotency_key = "k";
    conn_->append(std::span(&a, 1));
    conn_->append(std::span(&b, 1));
    EXPECT_EQ(conn_->find_by_idempotency_key(tenant, "k", 0)->id, a.id);
    EXPECT_EQ(conn_->find_by_idempotency_key(other_tenant, "k", 0)->id, b.id);
}

TEST_P(store_contract, find_by_idempotency_key_looks_only_within_the_window) {
    message_factory f;
    auto m = f.make("chat");
    m.idempotency_key = "publish-7";
    conn_->append(std::span(&m, 1));

    const auto found = conn_->find_by_idempotency_key(tenant, "publish-7", m.created_at_ms);
    ASSERT_TRUE(found.has_value());
    expect_same_message(*found, m);
    EXPECT_TRUE(
        conn_->find_by_idempotency_key(tenant, "publish-7", m.created_at_ms - 60'000).has_value());
    EXPECT_FALSE(
        conn_->find_by_idempotency_key(tenant, "publish-7", m.created_at_ms + 1).has_value());
    EXPECT_FALSE(conn_->find_by_idempotency_key(tenant, "publish-8", 0).has_value());
}

}  // namespace
}  // namespace sb::storage::testing
