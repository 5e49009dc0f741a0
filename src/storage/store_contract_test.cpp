#include "storage/store_contract_test.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include "core/ids.hpp"

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

constexpr std::string_view tenant = "app1/production";
constexpr std::string_view other_tenant = "app1/staging";
constexpr std::uint64_t t0 =
    1'700'000'000'000;  // a fixed "now": tests pass times, never read clocks

// Builds messages as the history writer does: time-ordered ids, offsets counting per channel.
class message_factory {
public:
    message_record make(std::string_view channel, std::string data = "{\"text\":\"hello\"}",
                        std::string_view user = "alice", std::string_view in_tenant = tenant) {
        message_record m;
        m.tenant = in_tenant;
        m.channel = channel;
        now_ms_ += 1;
        m.id = ids_.next("msg_", now_ms_);
        m.offset = ++offsets_[std::string(in_tenant) + '\n' + std::string(channel)];
        m.user_id = user;
        m.event = "message";
        m.data = std::move(data);
        m.created_at_ms = now_ms_;
        return m;
    }

    std::vector<message_record> make_many(std::string_view channel, std::size_t n,
                                          std::string_view user = "alice",
                                          std::string_view in_tenant = tenant) {
        std::vector<message_record> out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            out.push_back(
                make(channel, "{\"text\":\"message " + std::to_string(i) + "\"}", user, in_tenant));
        }
        return out;
    }

    [[nodiscard]] std::uint64_t now_ms() const noexcept { return now_ms_; }
    void advance_to(std::uint64_t ms) noexcept { now_ms_ = ms; }

private:
    core::ulid_generator ids_{42};
    std::uint64_t now_ms_ = t0;
    std::map<std::string, std::uint64_t> offsets_;
};

void append_in_batches(connection& c, const std::vector<message_record>& messages,
                       std::size_t batch) {
    for (std::size_t i = 0; i < messages.size(); i += batch) {
        const std::size_t n = std::min(batch, messages.size() - i);
        c.append(std::span(messages).subspan(i, n));
    }
}

std::vector<std::string> ids_of(const std::vector<message_record>& messages) {
    std::vector<std::string> out;
    out.reserve(messages.size());
    for (const auto& m : messages) out.push_back(m.id);
    return out;
}

page_query page_of(std::string_view channel, std::size_t limit, sort_order order) {
    page_query q;
    q.tenant = tenant;
    q.channel = channel;
    q.limit = limit;
    q.order = order;
    return q;
}

search_query search_for(std::string text, std::optional<std::string> channel = std::nullopt) {
    search_query q;
    q.tenant = tenant;
    q.channel = std::move(channel);
    q.text = std::move(text);
    return q;
}

void expect_same_message(const message_record& got, const message_record& want) {
    EXPECT_EQ(got.tenant, want.tenant);
    EXPECT_EQ(got.channel, want.channel);
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.offset, want.offset);
    EXPECT_EQ(got.user_id, want.user_id);
    EXPECT_EQ(got.event, want.event);
    EXPECT_EQ(got.data, want.data);
    EXPECT_EQ(got.created_at_ms, want.created_at_ms);
    EXPECT_EQ(got.idempotency_key, want.idempotency_key);
}

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

// --- search --------------------------------------------------------------------------------

TEST_P(store_contract, search_finds_messages_containing_every_word) {
    message_factory f;
    const auto both = f.make("chat", R"({"text":"the quick brown fox"})");
    conn_->append(std::vector{both, f.make("chat", R"({"text":"a quick lunch"})"),
                              f.make("chat", R"({"text":"brown bear"})")});

    const auto r = conn_->search(search_for("Quick BROWN"));
    ASSERT_EQ(r.messages.size(), 1U);
    expect_same_message(r.messages[0], both);
    EXPECT_FALSE(r.has_more);
    EXPECT_EQ(conn_->search(search_for("quick")).messages.size(), 2U);
    EXPECT_TRUE(conn_->search(search_for("quick zebra")).messages.empty());
}

TEST_P(store_contract, search_ranks_the_message_matching_the_query_words_more_often_first) {
    message_factory f;
    const auto weak = f.make("chat", R"({"text":"deploy the new api to staging later today"})");
    const auto strong =
        f.make("chat", R"({"text":"deploy api: deploy the api, then deploy api docs"})");
    const auto newest_weak =
        f.make("chat", R"({"text":"api deploy is done for this week everyone"})");
    conn_->append(std::vector{weak, strong, newest_weak});

    const auto r = conn_->search(search_for("deploy api"));
    ASSERT_EQ(r.messages.size(), 3U);
    EXPECT_EQ(r.messages[0].id, strong.id);
}

TEST_P(store_contract, search_breaks_ties_newest_first_and_pages_with_skip) {
    message_factory f;
    std::vector<message_record> all;
    for (int i = 0; i < 25; ++i) all.push_back(f.make("chat", R"({"text":"standup notes"})"));
    conn_->append(all);
    conn_->append(std::vector{f.make("chat", R"({"text":"unrelated"})")});

    std::vector<std::string> seen;
    auto q = search_for("standup notes");
    q.limit = 10;
    struct expected_page {
        std::size_t skip;
        std::size_t size;
        bool has_more;
    };
    for (const auto& page :
         {expected_page{0, 10, true}, expected_page{10, 10, true}, expected_page{20, 5, false}}) {
        q.skip = page.skip;
        const auto r = conn_->search(q);
        EXPECT_EQ(r.messages.size(), page.size) << "skip " << page.skip;
        EXPECT_EQ(r.has_more, page.has_more) << "skip " << page.skip;
        for (const auto& m : r.messages) seen.push_back(m.id);
    }
    auto want = ids_of(all);
    std::reverse(want.begin(), want.end());
    EXPECT_EQ(seen, want);
    q.skip = 25;
    EXPECT_TRUE(conn_->search(q).messages.empty());
}

TEST_P(store_contract, search_is_scoped_to_a_channel_when_given_one) {
    message_factory f;
    const auto in_a = f.make("chat:a", R"({"text":"release party"})");
    const auto in_b = f.make("chat:b", R"({"text":"release notes"})");
    conn_->append(std::vector{in_a, in_b});

    const auto scoped = conn_->search(search_for("release", "chat:a"));
    ASSERT_EQ(scoped.messages.size(), 1U);
    EXPECT_EQ(scoped.messages[0].id, in_a.id);

    const auto everywhere = conn_->search(search_for("release"));
    std::set<std::string> ids;
    for (const auto& m : everywhere.messages) ids.insert(m.id);
    EXPECT_EQ(ids, (std::set<std::string>{in_a.id, in_b.id}));
    EXPECT_TRUE(conn_->search(search_for("release", "chat:c")).messages.empty());
}

TEST_P(store_contract, search_indexes_json_string_values_and_not_keys_or_numbers) {
    message_factory f;
    const auto json = f.make(
        "chat",
        R"({"text":"hello world","count":4242,"meta":{"tags":["alpha","beta"]},"ok":true,"x":null})");
    const auto escaped = f.make("chat", R"({"text":"caf\u00e9 ol\u00e9 tab\there"})");
    const auto plain = f.make("chat", "just plain words");
    const auto broken = f.make("chat", R"({"text": "unterminated json)");
    conn_->append(std::vector{json, escaped, plain, broken});

    const auto only = [&](std::string text) {
        const auto r = conn_->search(search_for(text));
        return r.messages.size() == 1 ? r.messages[0].id
                                      : "(" + std::to_string(r.messages.size()) + " results)";
    };
    EXPECT_EQ(only("hello"), json.id);
    EXPECT_EQ(only("beta"), json.id) << "nested array values are indexed";
    EXPECT_EQ(only("text"), broken.id) << "keys are not indexed; broken JSON is indexed as text";
    EXPECT_EQ(only("tags"), "(0 results)");
    EXPECT_EQ(only("4242"), "(0 results)") << "numbers are not string values";
    EXPECT_EQ(only("true"), "(0 results)");
    EXPECT_EQ(only("olé"), escaped.id) << "escapes are decoded before indexing";
    EXPECT_EQ(only("tab"), escaped.id);
    EXPECT_EQ(only("plain"), plain.id);
    EXPECT_EQ(only("unterminated"), broken.id);
}

TEST_P(store_contract, search_treats_query_syntax_and_punctuation_as_plain_words) {
    message_factory f;
    const auto m = f.make("chat", R"({"text":"mail alice@example.com about foo-bar"})");
    conn_->append(std::span(&m, 1));

    EXPECT_EQ(conn_->search(search_for("example")).messages.size(), 1U);
    EXPECT_EQ(conn_->search(search_for("alice@example.com")).messages.size(), 1U);
    EXPECT_EQ(conn_->search(search_for("bar")).messages.size(), 1U);
    EXPECT_EQ(conn_->search(search_for("\"alice\" (foo) NEAR bar*")).messages.size(), 0U)
        << "NEAR is a word here and the message lacks it";
    EXPECT_EQ(conn_->search(search_for("alice AND foo")).messages.size(), 0U);
    EXPECT_TRUE(conn_->search(search_for("")).messages.empty());
    EXPECT_TRUE(conn_->search(search_for("  ?! -- ")).messages.empty());
}

TEST_P(store_contract, search_is_isolated_per_tenant) {
    message_factory f;
    const auto theirs = f.make("chat", R"({"text":"secret plans"})", "bob", other_tenant);
    conn_->append(std::span(&theirs, 1));
    EXPECT_TRUE(conn_->search(search_for("secret")).messages.empty());
    auto q = search_for("secret");
    q.tenant = other_tenant;
    EXPECT_EQ(conn_->search(q).messages.size(), 1U);
}

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
    EXPECT_FALSE(conn_->mark_delivered(tenant, "chat", "phone", m[1].id, t0 + 1));  // never backward
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

// --- schema and connections ----------------------------------------------------------------

TEST_P(store_contract, opening_again_applies_no_migration_twice) {
    const auto known = db_->known_migrations();
    ASSERT_FALSE(known.empty());
    EXPECT_EQ(db_->applied_migrations(), known);

    message_factory f;
    conn_->append(f.make_many("chat", 3));
    auto second = db_->open();  // while the first is still open
    reopen();
    EXPECT_EQ(db_->applied_migrations(), known);
    EXPECT_EQ(second->connect()->position(tenant, "chat").last_offset, 3U);
}

TEST_P(store_contract, stores_opening_at_once_apply_each_migration_once) {
    // A second, untouched database: every opener races to migrate it from nothing.
    auto fresh = GetParam().create();
    constexpr int openers = 4;
    std::barrier start(openers);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    std::vector<std::string> errors(openers);
    for (int i = 0; i < openers; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            try {
                auto s = fresh->open();
                s->connect()->position(tenant, "chat");
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(i)] = e.what();
                ++failures;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0) << errors[0] << "\n"
                                  << errors[1] << "\n"
                                  << errors[2] << "\n"
                                  << errors[3];
    EXPECT_EQ(fresh->applied_migrations(), fresh->known_migrations());
}

// Readers on their own connections and threads while one writer appends: every read sees whole
// batches only (append is atomic) and offsets without holes.
TEST_P(store_contract, readers_on_other_threads_see_whole_batches_only) {
    message_factory f;
    const auto all = f.make_many("chat", 1000);
    constexpr std::size_t batch = 50;
    std::atomic<bool> done{false};
    std::atomic<int> bad_reads{0};
    std::atomic<int> reads{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r) {
        readers.emplace_back([&] {
            auto c = store_->connect();
            while (!done.load()) {
                const auto got = c->since_offset(tenant, "chat", 0, 2000);
                bool ok = got.size() % batch == 0;
                for (std::size_t i = 0; i < got.size(); ++i) ok = ok && got[i].offset == i + 1;
                if (!ok) ++bad_reads;
                ++reads;
            }
        });
    }
    std::thread writer([&] {
        auto c = store_->connect();
        append_in_batches(*c, all, batch);
        done = true;
    });
    writer.join();
    for (auto& t : readers) t.join();
    EXPECT_EQ(bad_reads.load(), 0);
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(conn_->position(tenant, "chat").last_offset, 1000U);
}

}  // namespace
}  // namespace sb::storage::testing
