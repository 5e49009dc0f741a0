// The store contract: full-text search.
#include "storage/store_contract_test.hpp"

#include "storage/store_contract_messages.hpp"

namespace sb::storage::testing {

namespace {

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

}  // namespace
}  // namespace sb::storage::testing
