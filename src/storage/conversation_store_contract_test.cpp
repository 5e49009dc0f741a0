// The conversation store contract (storage/conversation_store.hpp), one suite
// for both backends: conversation_store_sqlite_test and
// conversation_store_postgres_test (label `postgres`) build this file over
// their own scratch database (conversation_store_scratch.cpp).

#include "storage/conversation_store_contract_test.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/ids.hpp"
#include "storage/conversation_store.hpp"

// One suite name per backend, so that ctest names stay unique across the two
// executables.
#ifdef SB_CONVERSATION_TEST_POSTGRES
#define conversation_store_contract conversation_store_contract_postgres
#else
#define conversation_store_contract conversation_store_contract_sqlite
#endif

namespace sb::storage {
namespace {

constexpr std::string_view tenant = "app1/production";
constexpr std::uint64_t t0 = 1'700'000'000'000;

class conversation_store_contract : public ::testing::Test {
protected:
    void SetUp() override {
        if (const auto why = testing::scratch_unavailable(); !why.empty()) GTEST_SKIP() << why;
        db_ = testing::make_scratch_database();
        store_ = db_->open();
        conn_ = store_->connect();
    }
    void TearDown() override {
        conn_.reset();
        store_.reset();
        db_.reset();
    }

    conversation_store& conv() { return conn_->conversations(); }

    // Appends one message to `channel` from `user` at `at_ms` and returns its id.
    std::string say(std::string_view channel, std::string_view user, std::uint64_t at_ms,
                    std::string text = "hello") {
        message_record m;
        m.tenant = tenant;
        m.channel = channel;
        m.id = ids_.next("msg_", at_ms);
        m.offset = ++offsets_[std::string(channel)];
        m.user_id = user;
        m.event = "message";
        m.data = nlohmann::json{{"text", text}}.dump();
        m.created_at_ms = at_ms;
        conn_->append(std::span(&m, 1));
        return m.id;
    }

    void make(std::string_view uid, std::vector<conversation_member> members,
              std::vector<std::string> notify_roles = {}, std::string custom = "{}") {
        conversation_record c;
        c.tenant = tenant;
        c.uid = uid;
        c.custom_json = std::move(custom);
        c.notify_roles = std::move(notify_roles);
        c.members = std::move(members);
        c.created_at_ms = t0;
        c.updated_at_ms = t0;
        ASSERT_TRUE(conv().create(c));
    }

    std::map<std::string, unread_row> unread_of(std::string_view user,
                                                std::vector<custom_filter> filters = {},
                                                bool digest = false) {
        unread_query q;
        q.tenant = tenant;
        q.user_uid = user;
        q.filters = std::move(filters);
        q.with_digest_columns = digest;
        std::map<std::string, unread_row> out;
        for (auto& r : conv().unread(q)) out[r.conversation_uid] = std::move(r);
        return out;
    }

    std::unique_ptr<testing::scratch_database> db_;
    std::unique_ptr<store> store_;
    std::unique_ptr<connection> conn_;
    core::ulid_generator ids_{7};
    std::map<std::string, std::uint64_t> offsets_;
};

TEST_F(conversation_store_contract, creates_reads_and_refuses_a_duplicate_uid) {
    make("support:1", {{"zoe", "customer"}, {"amir", "agent"}}, {"agent"},
         R"({"project":"alpha","priority":2})");
    const auto c = conv().get(tenant, "support:1");
    ASSERT_TRUE(c);
    EXPECT_EQ(nlohmann::json::parse(c->custom_json),
              nlohmann::json::parse(R"({"project":"alpha","priority":2})"));
    EXPECT_EQ(c->notify_roles, std::vector<std::string>{"agent"});
    ASSERT_EQ(c->members.size(), 2U);
    EXPECT_EQ(c->members[0].user_uid, "amir");  // sorted by user_uid
    EXPECT_EQ(c->members[0].role, "agent");
    EXPECT_EQ(c->members[1].user_uid, "zoe");
    EXPECT_EQ(c->created_at_ms, t0);

    conversation_record again;
    again.tenant = tenant;
    again.uid = "support:1";
    again.created_at_ms = t0 + 1;
    EXPECT_FALSE(conv().create(again));
    EXPECT_EQ(conv().get(tenant, "support:1")->members.size(), 2U);
    EXPECT_FALSE(conv().get("app1/staging", "support:1"));
}

TEST_F(conversation_store_contract, updates_members_and_settings) {
    make("team:x", {{"ann", "owner"}});
    const std::vector<conversation_member> more{{"bob", "member"}, {"ann", "admin"}};
    EXPECT_TRUE(conv().upsert_members(tenant, "team:x", more, t0 + 5));
    EXPECT_EQ(conv().member_role(tenant, "team:x", "ann"), "admin");
    EXPECT_EQ(conv().member_role(tenant, "team:x", "bob"), "member");
    EXPECT_FALSE(conv().member_role(tenant, "team:x", "eve"));
    EXPECT_TRUE(conv().remove_member(tenant, "team:x", "bob"));
    EXPECT_FALSE(conv().remove_member(tenant, "team:x", "bob"));
    EXPECT_FALSE(conv().upsert_members(tenant, "team:none", more, t0));

    EXPECT_TRUE(conv().update(tenant, "team:x", std::string(R"({"tag":"q3"})"),
                              std::vector<std::string>{"owner", "admin"}, t0 + 9));
    const auto c = conv().get(tenant, "team:x");
    EXPECT_EQ(nlohmann::json::parse(c->custom_json)["tag"], "q3");
    EXPECT_EQ(c->notify_roles, (std::vector<std::string>{"owner", "admin"}));
    EXPECT_EQ(c->updated_at_ms, t0 + 9);
    EXPECT_FALSE(conv().update(tenant, "team:none", std::nullopt, std::nullopt, t0));

    EXPECT_TRUE(conv().remove(tenant, "team:x"));
    EXPECT_FALSE(conv().get(tenant, "team:x"));
    EXPECT_FALSE(conv().member_role(tenant, "team:x", "ann"));
    EXPECT_FALSE(conv().remove(tenant, "team:x"));
}

TEST_F(conversation_store_contract, lists_a_users_conversations_in_pages) {
    for (int i = 0; i < 5; ++i) make("c:" + std::to_string(i), {{"u", "member"}, {"v", "member"}});
    make("c:other", {{"v", "member"}});
    const auto first = conv().list_for_user(tenant, "u", "", 3);
    ASSERT_EQ(first.size(), 3U);
    EXPECT_EQ(first[0].uid, "c:0");
    const auto rest = conv().list_for_user(tenant, "u", first.back().uid, 10);
    ASSERT_EQ(rest.size(), 2U);
    EXPECT_EQ(rest[1].uid, "c:4");
    EXPECT_EQ(conv().list_for_user(tenant, "v", "", 100).size(), 6U);
}

TEST_F(conversation_store_contract, counts_unread_after_the_watermark_without_own_messages) {
    make("chat:a", {{"ann", "member"}, {"bob", "member"}});
    make("chat:quiet", {{"ann", "member"}});
    say("chat:a", "bob", t0 + 1);
    const std::string second = say("chat:a", "bob", t0 + 2);
    say("chat:a", "ann", t0 + 3);  // her own: never unread for her
    say("chat:a", "bob", t0 + 4);
    const std::string last = say("chat:a", "bob", t0 + 5);

    auto rows = unread_of("ann");
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows["chat:a"].unread_count, 4U);
    EXPECT_EQ(rows["chat:a"].last_message_id, last);
    EXPECT_EQ(rows["chat:a"].last_message_at_ms, t0 + 5);
    EXPECT_EQ(rows["chat:quiet"].unread_count, 0U);
    EXPECT_EQ(rows["chat:quiet"].last_message_id, "");
    EXPECT_EQ(rows["chat:quiet"].last_message_at_ms, 0U);

    ASSERT_TRUE(conn_->mark_read(tenant, "chat:a", "ann", second, t0 + 6));
    rows = unread_of("ann");
    EXPECT_EQ(rows["chat:a"].unread_count, 2U);
    // The same count as the history store's own.
    EXPECT_EQ(rows["chat:a"].unread_count, conn_->unread_count(tenant, "chat:a", "ann"));
    EXPECT_EQ(unread_of("bob")["chat:a"].unread_count, 1U);
    EXPECT_TRUE(unread_of("nobody").empty());
}

TEST_F(conversation_store_contract, counts_only_members_whose_role_is_notified) {
    make("support:7", {{"cust", "customer"}, {"agent", "agent"}, {"lead", "supervisor"}},
         {"agent"});
    say("support:7", "cust", t0 + 1);
    say("support:7", "cust", t0 + 2);
    EXPECT_EQ(unread_of("agent")["support:7"].unread_count, 2U);
    EXPECT_TRUE(unread_of("agent")["support:7"].notified);
    EXPECT_EQ(unread_of("lead")["support:7"].unread_count, 0U);
    EXPECT_FALSE(unread_of("lead")["support:7"].notified);

    // notify_roles changes flip the members it concerns.
    ASSERT_TRUE(conv().update(tenant, "support:7", std::nullopt,
                              std::vector<std::string>{"supervisor"}, t0 + 3));
    EXPECT_EQ(unread_of("agent")["support:7"].unread_count, 0U);
    EXPECT_EQ(unread_of("lead")["support:7"].unread_count, 2U);
    // A role change follows the conversation's notify_roles.
    const std::vector<conversation_member> promote{{"agent", "supervisor"}};
    ASSERT_TRUE(conv().upsert_members(tenant, "support:7", promote, t0 + 4));
    EXPECT_EQ(unread_of("agent")["support:7"].unread_count, 2U);
    // Empty notify_roles: everyone.
    ASSERT_TRUE(
        conv().update(tenant, "support:7", std::nullopt, std::vector<std::string>{}, t0 + 5));
    EXPECT_EQ(unread_of("cust")["support:7"].unread_count,
              0U);  // only her own messages
    EXPECT_EQ(unread_of("lead")["support:7"].unread_count, 2U);
}

TEST_F(conversation_store_contract, filters_by_custom_fields) {
    make("p:1", {{"u", "member"}}, {}, R"({"project":"alpha","tier":1,"vip":true})");
    make("p:2", {{"u", "member"}}, {}, R"({"project":"beta","tier":2,"vip":false})");
    make("p:3", {{"u", "member"}}, {}, R"({"project":"alpha","tier":2})");
    make("p:4", {{"u", "member"}});
    auto keys = [](const std::map<std::string, unread_row>& rows) {
        std::vector<std::string> out;
        for (const auto& [k, v] : rows) out.push_back(k);
        return out;
    };
    EXPECT_EQ(keys(unread_of("u", {{"project", "alpha"}})),
              (std::vector<std::string>{"p:1", "p:3"}));
    EXPECT_EQ(keys(unread_of("u", {{"tier", "2"}})), (std::vector<std::string>{"p:2", "p:3"}));
    EXPECT_EQ(keys(unread_of("u", {{"vip", "true"}})), (std::vector<std::string>{"p:1"}));
    EXPECT_EQ(keys(unread_of("u", {{"vip", "false"}})), (std::vector<std::string>{"p:2"}));
    EXPECT_EQ(keys(unread_of("u", {{"project", "alpha"}, {"tier", "2"}})),
              (std::vector<std::string>{"p:3"}));
    EXPECT_TRUE(unread_of("u", {{"project", "gamma"}}).empty());
    EXPECT_TRUE(unread_of("u", {{"missing", "x"}}).empty());
    EXPECT_EQ(unread_of("u").size(), 4U);
}

TEST_F(conversation_store_contract, digest_columns_carry_oldest_unread_and_summary) {
    make("d:1", {{"u", "member"}, {"w", "member"}});
    const std::string a = say("d:1", "w", t0 + 10);
    say("d:1", "w", t0 + 20);
    say("d:1", "w", t0 + 30);
    ASSERT_TRUE(conn_->mark_read(tenant, "d:1", "u", a, t0 + 11));
    auto rows = unread_of("u", {}, true);
    EXPECT_EQ(rows["d:1"].oldest_unread_at_ms, t0 + 20);
    EXPECT_FALSE(rows["d:1"].summary);

    summary_cache s;
    s.tenant = tenant;
    s.conversation_uid = "d:1";
    s.summary_json = R"({"overall_summary":"x"})";
    s.last_message_id = a;
    s.message_count = 1;
    s.fingerprint = "builtin";
    s.generated_at_ms = t0 + 12;
    s.tokens_used = 17;
    conv().store_summary(s);
    rows = unread_of("u", {}, true);
    ASSERT_TRUE(rows["d:1"].summary);
    EXPECT_EQ(rows["d:1"].summary->summary_json, s.summary_json);
    EXPECT_EQ(rows["d:1"].summary->last_message_id, a);
    EXPECT_EQ(rows["d:1"].summary->tokens_used, 17U);
    EXPECT_EQ(rows["d:1"].summary->generated_at_ms, t0 + 12);
}

TEST_F(conversation_store_contract, computes_exact_stats) {
    make("s:1", {{"a", "member"}});
    const std::string first = say("s:1", "a", t0);
    say("s:1", "b", t0 + 60'000);
    say("s:1", "", t0 + 120'000);  // a server message: not a participant
    const std::string last = say("s:1", "a", t0 + 8'100'000);
    const auto s = conv().stats(tenant, "s:1", first);
    EXPECT_EQ(s.total_messages, 4U);
    EXPECT_EQ(s.participants, 2U);
    EXPECT_EQ(s.first_message_at_ms, t0);
    EXPECT_EQ(s.last_message_at_ms, t0 + 8'100'000);
    EXPECT_EQ(s.last_message_id, last);
    EXPECT_EQ(s.messages_upto, 1U);
    const auto none = conv().stats(tenant, "s:none", "");
    EXPECT_EQ(none.total_messages, 0U);
    EXPECT_EQ(none.last_message_id, "");
}

TEST_F(conversation_store_contract, regeneration_claims_one_per_window) {
    EXPECT_FALSE(conv().summary(tenant, "w:1"));
    EXPECT_TRUE(conv().claim_regeneration(tenant, "w:1", t0, 60'000));
    EXPECT_FALSE(conv().claim_regeneration(tenant, "w:1", t0 + 1, 60'000));
    EXPECT_FALSE(conv().claim_regeneration(tenant, "w:1", t0 + 59'999, 60'000));
    const auto claimed = conv().summary(tenant, "w:1");
    ASSERT_TRUE(claimed);
    EXPECT_TRUE(claimed->summary_json.empty());
    EXPECT_EQ(claimed->claimed_at_ms, t0);

    summary_cache s;
    s.tenant = tenant;
    s.conversation_uid = "w:1";
    s.summary_json = "{}";
    s.generated_at_ms = t0 + 5;
    conv().store_summary(s);
    EXPECT_EQ(conv().summary(tenant, "w:1")->claimed_at_ms,
              t0);  // storing keeps the claim
    EXPECT_TRUE(conv().claim_regeneration(tenant, "w:1", t0 + 60'000, 60'000));
    EXPECT_EQ(conv().summary(tenant, "w:1")->summary_json, "{}");
    EXPECT_TRUE(conv().claim_regeneration(tenant, "w:2", t0 + 1,
                                          60'000));  // per conversation
}

TEST_F(conversation_store_contract, regeneration_claims_race_to_one_winner) {
    constexpr int racers = 6;
    std::vector<std::unique_ptr<connection>> conns;
    for (int i = 0; i < racers; ++i) conns.push_back(store_->connect());
    std::atomic<int> winners{0};
    std::barrier start(racers);
    std::vector<std::thread> threads;
    for (int i = 0; i < racers; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            if (conns[static_cast<std::size_t>(i)]->conversations().claim_regeneration(
                    tenant, "race:1", t0 + 100 + static_cast<std::uint64_t>(i), 60'000))
                ++winners;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1);
}

TEST_F(conversation_store_contract, keeps_digests_settings_and_profiles) {
    EXPECT_FALSE(conv().digest(tenant, "u", "k"));
    digest_cache d{std::string(tenant), "u", "k", "fp1", R"({"summary":"s"})", t0, 12};
    conv().store_digest(d);
    d.fingerprint = "fp2";
    conv().store_digest(d);
    const auto got = conv().digest(tenant, "u", "k");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->fingerprint, "fp2");
    EXPECT_EQ(got->tokens_used, 12U);
    EXPECT_FALSE(conv().digest(tenant, "u", "other"));

    EXPECT_EQ(conv().ai_settings(tenant), "");
    conv().store_ai_settings(tenant, R"({"recency_days":3})", t0);
    conv().store_ai_settings(tenant, R"({"recency_days":4})", t0 + 1);
    EXPECT_EQ(conv().ai_settings(tenant), R"({"recency_days":4})");
    EXPECT_EQ(conv().ai_settings("app1/staging"), "");

    EXPECT_FALSE(conv().profile(tenant, "u"));
    EXPECT_TRUE(conv().register_profile(tenant, "u", t0));
    EXPECT_FALSE(conv().register_profile(tenant, "u", t0 + 1));
    conv().record_usage(tenant, "u", 100, t0 + 2);
    conv().record_usage(tenant, "u", 50, t0 + 3);
    const auto p = conv().profile(tenant, "u");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->registered_at_ms, t0);
    EXPECT_EQ(p->requests, 2U);
    EXPECT_EQ(p->tokens_used, 150U);
    EXPECT_EQ(p->last_request_at_ms, t0 + 3);
}

TEST_F(conversation_store_contract, concurrent_first_registrations_create_one_profile) {
    constexpr int racers = 8;
    std::vector<std::unique_ptr<connection>> conns;
    for (int i = 0; i < racers; ++i) conns.push_back(store_->connect());
    std::atomic<int> created{0};
    std::barrier start(racers);
    std::vector<std::thread> threads;
    for (int i = 0; i < racers; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            if (conns[static_cast<std::size_t>(i)]->conversations().register_profile(tenant, "new",
                                                                                     t0 + 1))
                ++created;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(created.load(), 1);
    EXPECT_TRUE(conv().profile(tenant, "new"));
}

TEST_F(conversation_store_contract, unread_stays_exact_over_many_conversations) {
    // 300 conversations, each with its own mix of read and unread messages.
    for (int i = 0; i < 300; ++i) {
        const std::string uid = "many:" + std::to_string(i);
        make(uid, {{"me", "member"}, {"peer", "member"}});
        std::string mark;
        for (int k = 0; k < i % 7; ++k) {
            const std::string id = say(uid, "peer", t0 + static_cast<std::uint64_t>(i * 10 + k));
            if (k == 1) mark = id;
        }
        if (!mark.empty()) conn_->mark_read(tenant, uid, "me", mark, t0);
    }
    const auto rows = unread_of("me");
    ASSERT_EQ(rows.size(), 300U);
    for (int i = 0; i < 300; ++i) {
        const int n = i % 7;
        const std::uint64_t want =
            n >= 2 ? static_cast<std::uint64_t>(n - 2) : static_cast<std::uint64_t>(n);
        EXPECT_EQ(rows.at("many:" + std::to_string(i)).unread_count, want) << i;
    }
}

}  // namespace
}  // namespace sb::storage
