#include "ai/service.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <barrier>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "ai/builtin_engine.hpp"
#include "core/ids.hpp"
#include "history/storage_runner.hpp"

namespace sb::ai {
namespace {

constexpr std::uint64_t t0 = 1'779'094'800'000;  // 2026-05-18T09:00:00Z
constexpr std::string_view tenant = "app1/production";

// An engine that counts what it is given and can be told to fail.
class counting_engine final : public engine {
public:
    std::string_view name() const noexcept override { return "counting"; }
    std::string fingerprint() const override { return "counting/1"; }
    void summarize(summary_request r, core::unique_callback<summary_result> done) override {
        {
            std::lock_guard lock(mutex);
            calls.push_back({r.messages.size(), r.previous.has_value(), r.prompt,
                             r.messages.empty() ? std::string() : r.messages.front().text});
        }
        summary_result out;
        if (fail) {
            out.failure = engine_failure::timeout;
            out.detail = "fake timeout";
            return done(std::move(out));
        }
        const std::size_t before = r.previous ? std::stoul(r.previous->overall_summary) : 0;
        out.summary.overall_summary = std::to_string(before + r.messages.size());
        out.summary.categories = {"general"};
        out.tokens_used = 10;
        done(std::move(out));
    }
    void make_digest(digest_request r, core::unique_callback<digest_result> done) override {
        ++digests;
        digest_result out;
        out.result = builtin_engine::digest_now(r);
        out.tokens_used = 5;
        done(std::move(out));
    }
    struct call {
        std::size_t messages;
        bool incremental;
        std::string prompt;
        std::string first_text;
    };
    std::vector<call> snapshot() {
        std::lock_guard lock(mutex);
        return calls;
    }
    std::mutex mutex;
    std::vector<call> calls;
    std::atomic<bool> fail{false};
    std::atomic<int> digests{0};
};

class ai_service : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/sb-ai-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir_ = pattern;
        runner_ = std::make_unique<history::storage_runner>(
            storage::open_store("sqlite://" + (dir_ / "db").string(), dir_.string()),
            history::runner_options{2, 2000});
        conn_ = runner_->store().connect();
    }
    void TearDown() override {
        if (service_) service_->stop();
        service_.reset();
        conn_.reset();
        runner_->stop();
        runner_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    void start(service_options options = {}) {
        auto e = std::make_unique<counting_engine>();
        engine_ = e.get();
        options.defaults.engine = "builtin";
        service_ = std::make_unique<service>(*runner_, std::move(options), std::move(e), nullptr,
                                             [this] { return now_.load(); });
    }

    void conversation(std::string uid, std::vector<storage::conversation_member> members,
                      std::string custom = "{}") {
        storage::conversation_record c;
        c.tenant = tenant;
        c.uid = std::move(uid);
        c.members = std::move(members);
        c.custom_json = std::move(custom);
        c.created_at_ms = t0;
        ASSERT_TRUE(conn_->conversations().create(c));
    }

    void say(const std::string& channel, const std::string& user, const std::string& text) {
        storage::message_record m;
        m.tenant = tenant;
        m.channel = channel;
        clock_ms_ += 1000;
        m.id = ids_.next("msg_", clock_ms_);
        m.offset = ++offsets_[channel];
        m.user_id = user;
        m.event = "message";
        m.data = nlohmann::json{{"text", text}}.dump();
        m.created_at_ms = clock_ms_;
        conn_->append(std::span(&m, 1));
    }

    request_context as(std::string user, bool admin = false) {
        return {std::string(tenant), "app1", std::move(user), admin};
    }

    summary_outcome summarize(const request_context& ctx, const std::string& uid) {
        std::promise<summary_outcome> p;
        auto f = p.get_future();
        service_->summarize(ctx, uid, [&p](summary_outcome o) { p.set_value(std::move(o)); });
        return f.get();
    }

    digest_outcome digest(const std::string& user,
                          std::vector<storage::custom_filter> filters = {}) {
        std::promise<digest_outcome> p;
        auto f = p.get_future();
        service_->make_digest(as(user), user, std::move(filters),
                              [&p](digest_outcome o) { p.set_value(std::move(o)); });
        return f.get();
    }

    std::filesystem::path dir_;
    std::unique_ptr<history::storage_runner> runner_;
    std::unique_ptr<storage::connection> conn_;
    std::unique_ptr<service> service_;
    counting_engine* engine_ = nullptr;
    std::atomic<std::uint64_t> now_{t0 + 3'600'000};
    std::uint64_t clock_ms_ = t0;
    core::ulid_generator ids_{3};
    std::map<std::string, std::uint64_t> offsets_;
};

TEST_F(ai_service, regenerates_at_most_once_per_window_with_an_injected_clock) {
    start();
    conversation("chat:w", {{"ann", "member"}, {"bob", "member"}});
    say("chat:w", "bob", "first");
    say("chat:w", "ann", "second");
    auto a = summarize(as("ann"), "chat:w");
    ASSERT_EQ(a.error, failure::none) << a.detail;
    EXPECT_FALSE(a.view.cached);
    EXPECT_EQ(a.view.summary.overall_summary, "2");
    EXPECT_EQ(a.view.stats.total_messages, 2U);
    EXPECT_EQ(a.view.stats.participants, 2U);
    EXPECT_EQ(engine_->snapshot().size(), 1U);

    // Nothing new: the cache answers, fresh.
    auto b = summarize(as("ann"), "chat:w");
    EXPECT_TRUE(b.view.cached);
    EXPECT_EQ(b.view.cache, cache_status::fresh);
    EXPECT_EQ(engine_->snapshot().size(), 1U);

    // New message inside the window: the cached summary, marked, and no engine
    // call.
    say("chat:w", "bob", "third");
    now_ += 59'000;
    auto c = summarize(as("ann"), "chat:w");
    EXPECT_TRUE(c.view.cached);
    EXPECT_EQ(c.view.cache, cache_status::stale);
    EXPECT_EQ(c.view.summary.overall_summary, "2");
    EXPECT_EQ(c.view.stats.total_messages, 3U) << "stats are always exact";
    EXPECT_EQ(engine_->snapshot().size(), 1U);

    // Past the window: incremental, only the new message goes to the engine.
    now_ += 1'001;
    auto d = summarize(as("ann"), "chat:w");
    EXPECT_FALSE(d.view.cached);
    EXPECT_EQ(d.view.summary.overall_summary, "3");
    const auto calls = engine_->snapshot();
    ASSERT_EQ(calls.size(), 2U);
    EXPECT_TRUE(calls[1].incremental);
    EXPECT_EQ(calls[1].messages, 1U);
    EXPECT_EQ(calls[1].first_text, "third");
    EXPECT_EQ(d.view.tokens_used, 10U);
}

TEST_F(ai_service, refuses_non_members_and_unknown_conversations) {
    start();
    conversation("chat:x", {{"ann", "member"}});
    say("chat:x", "ann", "hello");
    EXPECT_EQ(summarize(as("eve"), "chat:x").error, failure::not_member);
    EXPECT_EQ(summarize(as("ann"), "chat:none").error, failure::not_found);
    EXPECT_EQ(summarize(as("", true), "chat:x").error, failure::none)
        << "the secret key is the admin";
}

TEST_F(ai_service, degrades_to_the_stale_cache_when_the_engine_fails) {
    start();
    conversation("chat:d", {{"ann", "member"}});
    say("chat:d", "bob", "one");
    ASSERT_EQ(summarize(as("ann"), "chat:d").error, failure::none);
    say("chat:d", "bob", "two");
    now_ += 61'000;
    engine_->fail = true;
    auto o = summarize(as("ann"), "chat:d");
    ASSERT_EQ(o.error, failure::none) << "never an error while a cache exists";
    EXPECT_TRUE(o.view.cached);
    EXPECT_EQ(o.view.cache, cache_status::stale);
    EXPECT_EQ(o.view.summary.overall_summary, "1");
    EXPECT_NE(o.view.degraded_reason.find("time"), std::string::npos);

    // No cache at all: a clean failure, then the window holds further attempts
    // back.
    conversation("chat:e", {{"ann", "member"}});
    say("chat:e", "bob", "one");
    EXPECT_EQ(summarize(as("ann"), "chat:e").error, failure::unavailable);
    auto again = summarize(as("ann"), "chat:e");
    EXPECT_EQ(again.error, failure::rate_limited);
    EXPECT_GT(again.retry_after_s, 0U);
}

TEST_F(ai_service, concurrent_first_requests_register_once_and_generate_once) {
    start();
    conversation("chat:c", {{"new", "member"}});
    say("chat:c", "other", "hi");
    constexpr int racers = 8;
    std::barrier go(racers);
    std::vector<std::thread> threads;
    std::vector<summary_outcome> results(racers);
    for (int i = 0; i < racers; ++i) {
        threads.emplace_back([&, i] {
            go.arrive_and_wait();
            results[static_cast<std::size_t>(i)] = summarize(as("new"), "chat:c");
        });
    }
    for (auto& t : threads) t.join();
    int fresh = 0;
    for (const auto& r : results) {
        ASSERT_EQ(r.error, failure::none) << r.detail;
        if (!r.view.cached) ++fresh;
    }
    EXPECT_EQ(fresh, 1);
    EXPECT_EQ(engine_->snapshot().size(), 1U);
    const auto profile = conn_->conversations().profile(tenant, "new");
    ASSERT_TRUE(profile);
    EXPECT_EQ(profile->registered_at_ms, t0 + 3'600'000);

    // Registration itself, raced directly: exactly one caller creates the
    // profile.
    std::atomic<int> created{0};
    std::vector<std::promise<void>> done(racers);
    for (int i = 0; i < racers; ++i)
        service_->ensure_registered(std::string(tenant), "fresh-user", [&, i](bool c) {
            if (c) ++created;
            done[static_cast<std::size_t>(i)].set_value();
        });
    for (auto& d : done) d.get_future().wait();
    EXPECT_EQ(created.load(), 1);
}

TEST_F(ai_service, digests_warm_progressively_and_filter_by_custom) {
    service_options options;
    options.defaults.max_fresh_per_request = 2;
    start(options);
    for (int i = 0; i < 5; ++i) {
        const std::string uid = "team:" + std::to_string(i);
        conversation(uid, {{"ann", "member"}, {"bob", "member"}},
                     i < 3 ? R"({"project":"alpha"})" : R"({"project":"beta"})");
        for (int k = 0; k <= i; ++k) say(uid, "bob", "update " + std::to_string(k));
    }
    auto first = digest("ann");
    ASSERT_EQ(first.error, failure::none) << first.detail;
    EXPECT_EQ(first.view.conversations_found, 5U);
    EXPECT_EQ(first.view.cache, cache_status::partial);
    EXPECT_EQ(first.view.warming.size(), 3U);
    EXPECT_EQ(first.view.total_unread_messages, 15U);
    EXPECT_EQ(first.view.conversations_with_unread, 5U);
    EXPECT_EQ(engine_->snapshot().size(), 2U);
    // Most unread first: team:4 and team:3 were warmed.
    EXPECT_EQ(first.view.warming, (std::vector<std::string>{"team:2", "team:1", "team:0"}));

    auto second = digest("ann");
    EXPECT_EQ(second.view.warming.size(), 1U);
    auto third = digest("ann");
    EXPECT_EQ(third.view.cache, cache_status::fresh);
    EXPECT_TRUE(third.view.warming.empty());
    EXPECT_EQ(engine_->snapshot().size(), 5U);
    const int digests_so_far = engine_->digests.load();
    // Unchanged inputs: the cached digest, no engine call.
    auto fourth = digest("ann");
    EXPECT_EQ(engine_->digests.load(), digests_so_far);
    EXPECT_EQ(fourth.view.result.summary, third.view.result.summary);
    EXPECT_EQ(fourth.view.tokens_used, 0U);

    auto alpha = digest("ann", {{"project", "alpha"}});
    EXPECT_EQ(alpha.view.conversations_found, 3U);
    EXPECT_EQ(alpha.view.total_unread_messages, 6U);

    // Read everything in two conversations: unread_only leaves them out.
    for (const char* uid : {"team:0", "team:1"}) {
        storage::page_query q;
        q.tenant = tenant;
        q.channel = uid;
        q.limit = 1;
        const auto newest = conn_->page(q).messages.at(0).id;
        conn_->mark_read(tenant, uid, "ann", newest, t0);
    }
    EXPECT_EQ(digest("ann").view.conversations_found, 3U);
    EXPECT_TRUE(conn_->conversations().profile(tenant, "ann"));

    // A new summary prompt makes every cached summary stale: warming starts again.
    std::promise<settings_outcome> changed;
    service_->update_settings(
        as("", true), parse_patch(nlohmann::json{{"prompts", {{"summary", "New style."}}}}, false),
        [&](settings_outcome o) { changed.set_value(std::move(o)); });
    ASSERT_EQ(changed.get_future().get().error, failure::none);
    now_ += 61'000;
    const auto restyled = digest("ann");
    EXPECT_EQ(restyled.view.cache, cache_status::partial);
    EXPECT_EQ(restyled.view.warming.size(), 1U) << "3 conversations, 2 warmed per request";
    EXPECT_EQ(engine_->snapshot().back().prompt, "New style.");
    EXPECT_FALSE(engine_->snapshot().back().incremental) << "another prompt: regenerated in full";
}

TEST_F(ai_service, settings_combine_defaults_app_and_stored_overrides) {
    service_options options;
    options.defaults.recency_days = 14;
    settings_patch app;
    app.max_fresh_per_request = 3;
    options.per_app["app1"] = app;
    start(options);
    std::promise<settings_outcome> p1;
    service_->settings(as("", true), [&](settings_outcome o) { p1.set_value(std::move(o)); });
    auto s1 = p1.get_future().get();
    EXPECT_EQ(s1.settings.recency_days, 14U);
    EXPECT_EQ(s1.settings.max_fresh_per_request, 3U);

    auto patch = parse_patch(
        nlohmann::json{{"unread_only", false},
                       {"prompts", {{"summary", "Be terse about {{conversation_uid}}."}}}},
        false);
    ASSERT_TRUE(patch.errors.empty());
    std::promise<settings_outcome> p2;
    service_->update_settings(as("", true), patch,
                              [&](settings_outcome o) { p2.set_value(std::move(o)); });
    auto s2 = p2.get_future().get();
    EXPECT_FALSE(s2.settings.unread_only);
    EXPECT_EQ(s2.settings.summary_prompt, "Be terse about {{conversation_uid}}.");
    EXPECT_EQ(s2.settings.max_fresh_per_request, 3U);

    // The prompt reaches the engine, expanded.
    conversation("chat:p", {{"ann", "member"}});
    say("chat:p", "bob", "hello");
    ASSERT_EQ(summarize(as("ann"), "chat:p").error, failure::none);
    EXPECT_EQ(engine_->snapshot().back().prompt, "Be terse about chat:p.");
    EXPECT_FALSE(parse_patch(nlohmann::json{{"engine", "openai"}}, false).errors.empty());
    EXPECT_FALSE(parse_patch(nlohmann::json{{"recency_days", 0}}, false).errors.empty());
}

}  // namespace
}  // namespace sb::ai
