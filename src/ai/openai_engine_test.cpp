#include "ai/openai_engine.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <thread>
#include <utility>

#include "ai/detail/fake_llm_server.hpp"
#include "ai/service.hpp"
#include "core/ids.hpp"
#include "history/storage_runner.hpp"

namespace sb::ai {
namespace {

using nlohmann::json;
using testing::completion;
using testing::fake_reply;

json good_summary(std::string text = "Checkout failed after a deploy; rolled back.") {
    return json{{"overall_summary", std::move(text)},
                {"categories", {"bug-report", "billing"}},
                {"action_items", {"Send the incident report by Friday (sam)"}},
                {"key_decisions", {"Roll back the payment service"}},
                {"sentiment", "negative"},
                {"status", "pending"},
                {"open_questions", json::array()},
                {"due_date", "2026-05-22T23:59:59Z"}};
}

class openai_engine_test : public ::testing::Test {
protected:
    void SetUp() override {
        options_.endpoint = server_.url();
        options_.model = "test-model";
        options_.api_key = "sk-test";
        options_.timeout_ms = 2500;
        options_.max_retries = 2;
        thread_ = std::thread([this] { context_.run(); });
    }
    void TearDown() override {
        engine_.reset();
        guard_.reset();
        context_.stop();
        thread_.join();
        server_.stop();
    }
    openai_engine& engine() {
        if (!engine_) {
            std::promise<void> made;
            boost::asio::post(context_, [&] {
                engine_ = std::make_unique<openai_engine>(context_, options_);
                made.set_value();
            });
            made.get_future().wait();
        }
        return *engine_;
    }
    summary_result summarize(summary_request r) {
        auto& e = engine();
        std::promise<summary_result> p;
        boost::asio::post(context_, [&] {
            e.summarize(std::move(r), [&](summary_result out) { p.set_value(std::move(out)); });
        });
        return p.get_future().get();
    }
    static summary_request request(std::size_t n = 3) {
        summary_request r;
        r.conversation_uid = "support:1";
        r.prompt = "You are the tenant's summarizer.";
        r.now_ms = 1'779'094'800'000;
        for (std::size_t i = 0; i < n; ++i)
            r.messages.push_back({"msg_" + std::to_string(i), i % 2 ? "sam" : "dana",
                                  "message " + std::to_string(i), r.now_ms - (n - i) * 60'000});
        return r;
    }

    testing::fake_llm_server server_;
    service_options options_;
    boost::asio::io_context context_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
        boost::asio::make_work_guard(context_)};
    std::thread thread_;
    std::unique_ptr<openai_engine> engine_;
};

TEST_F(openai_engine_test, sends_a_json_schema_request_and_reads_the_answer) {
    server_.script({completion(good_summary(), 321)});
    const auto r = summarize(request());
    ASSERT_EQ(r.failure, engine_failure::none) << r.detail;
    EXPECT_EQ(r.summary.overall_summary, "Checkout failed after a deploy; rolled back.");
    EXPECT_EQ(r.summary.state, status::pending);
    EXPECT_EQ(r.tokens_used, 321U);
    EXPECT_EQ(r.attempts, 1);
    const auto sent = server_.requests();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].target, "/v1/chat/completions");
    EXPECT_EQ(sent[0].authorization, "Bearer sk-test");
    const auto& body = sent[0].body;
    EXPECT_EQ(body["model"], "test-model");
    EXPECT_EQ(body["response_format"]["type"], "json_schema");
    EXPECT_EQ(body["response_format"]["json_schema"]["name"], "conversation_summary");
    EXPECT_EQ(body["response_format"]["json_schema"]["strict"], true);
    EXPECT_EQ(body["messages"][0]["role"], "system");
    EXPECT_EQ(body["messages"][0]["content"], "You are the tenant's summarizer.");
    const std::string user = body["messages"][1]["content"];
    EXPECT_NE(user.find("message 0"), std::string::npos);
    EXPECT_NE(user.find("message 2"), std::string::npos);
    EXPECT_EQ(user.find("previous_summary"), std::string::npos);
}

TEST_F(openai_engine_test, sends_only_new_messages_with_the_previous_summary) {
    server_.script({completion(good_summary("updated"))});
    auto r = request(2);
    conversation_summary previous;
    previous.overall_summary = "the story so far";
    r.previous = previous;
    ASSERT_EQ(summarize(std::move(r)).failure, engine_failure::none);
    const std::string user = server_.requests().at(0).body["messages"][1]["content"];
    EXPECT_NE(user.find("the story so far"), std::string::npos);
    EXPECT_NE(user.find("new_messages"), std::string::npos);
    EXPECT_EQ(user.find("message 2"), std::string::npos);
}

TEST_F(openai_engine_test, retries_malformed_json_with_a_corrective_prompt) {
    fake_reply bad;
    bad.content = "Sure! Here is the summary: {oops";
    server_.script({bad, completion(good_summary())});
    const auto r = summarize(request());
    ASSERT_EQ(r.failure, engine_failure::none) << r.detail;
    EXPECT_EQ(r.attempts, 2);
    const auto sent = server_.requests();
    ASSERT_EQ(sent.size(), 2U);
    const auto& retry = sent[1].body["messages"];
    ASSERT_EQ(retry.size(), 4U);
    EXPECT_EQ(retry[2]["role"], "assistant");
    EXPECT_EQ(retry[2]["content"], "Sure! Here is the summary: {oops");
    EXPECT_NE(retry[3]["content"].get<std::string>().find("not valid JSON"), std::string::npos);
}

TEST_F(openai_engine_test, rejects_cleanly_after_schema_violations) {
    json wrong = good_summary();
    wrong["sentiment"] = "ecstatic";
    wrong.erase("categories");
    server_.set_fallback(completion(wrong));
    const auto r = summarize(request());
    EXPECT_EQ(r.failure, engine_failure::invalid_output);
    EXPECT_EQ(r.attempts, 3);  // the first answer and max_retries corrections
    EXPECT_EQ(server_.requests().size(), 3U);
    const std::string fix = server_.requests()[1].body["messages"][3]["content"];
    EXPECT_NE(fix.find("/sentiment"), std::string::npos);
    EXPECT_NE(fix.find("categories"), std::string::npos);
}

TEST_F(openai_engine_test, times_out_on_a_slow_or_silent_server) {
    fake_reply slow = completion(good_summary());
    slow.delay = std::chrono::milliseconds(6000);
    server_.script({slow});
    auto r = summarize(request());
    EXPECT_EQ(r.failure, engine_failure::timeout) << r.detail;
    fake_reply silent;
    silent.what = fake_reply::kind::hang;
    server_.script({silent});
    r = summarize(request());
    EXPECT_EQ(r.failure, engine_failure::timeout) << r.detail;
}

TEST_F(openai_engine_test, reports_http_errors_and_refused_connections) {
    fake_reply error;
    error.what = fake_reply::kind::http_error;
    error.status = 503;
    server_.script({error});
    auto r = summarize(request());
    EXPECT_EQ(r.failure, engine_failure::unavailable);
    EXPECT_NE(r.detail.find("503"), std::string::npos);
    server_.stop();
    r = summarize(request());
    EXPECT_EQ(r.failure, engine_failure::unavailable) << r.detail;
}

TEST_F(openai_engine_test, caps_concurrent_requests) {
    options_.max_concurrency = 2;
    fake_reply slow = completion(good_summary());
    slow.delay = std::chrono::milliseconds(200);
    server_.set_fallback(slow);
    auto& e = engine();
    constexpr int n = 6;
    std::vector<std::promise<summary_result>> results(n);
    boost::asio::post(context_, [&] {
        for (int i = 0; i < n; ++i)
            e.summarize(request(), [&, i](summary_result out) {
                results[static_cast<std::size_t>(i)].set_value(std::move(out));
            });
    });
    for (auto& p : results) EXPECT_EQ(p.get_future().get().failure, engine_failure::none);
    EXPECT_LE(server_.max_concurrent(), 2);
    EXPECT_GE(server_.max_concurrent(), 1);
    EXPECT_EQ(server_.requests().size(), static_cast<std::size_t>(n));
}

TEST_F(openai_engine_test, digest_uids_are_checked_and_missing_ones_filed) {
    json answer{{"summary", "One urgent thread."},
                {"categories",
                 {{"urgent", {"a"}},
                  {"pending", json::array()},
                  {"on_track", json::array()},
                  {"stale", {"ghost"}}}},
                {"action_items", {"Reply to a"}}};
    json fixed = answer;
    fixed["categories"]["stale"] = json::array();
    server_.script({completion(answer), completion(fixed)});
    digest_request req;
    req.user_uid = "ann";
    req.prompt = "digest please";
    digest_input a, b;
    a.conversation_uid = "a";
    a.hint = status::urgent;
    b.conversation_uid = "b";
    b.hint = status::on_track;
    req.conversations = {a, b};
    auto& e = engine();
    std::promise<digest_result> p;
    boost::asio::post(context_, [&] {
        e.make_digest(req, [&](digest_result out) { p.set_value(std::move(out)); });
    });
    const auto r = p.get_future().get();
    ASSERT_EQ(r.failure, engine_failure::none) << r.detail;
    EXPECT_EQ(r.attempts, 2);
    EXPECT_EQ(r.result.urgent, std::vector<std::string>{"a"});
    EXPECT_EQ(r.result.on_track, std::vector<std::string>{"b"})
        << "left out by the model, filed by its hint";
    EXPECT_NE(server_.requests()[1].body["messages"][3]["content"].get<std::string>().find("ghost"),
              std::string::npos);
}

// The service over the fake LLM: prompt templates from the tenant's settings,
// incremental processing across requests, and the stale cache when the model
// stops answering.
TEST(openai_service, uses_tenant_prompts_sends_only_new_messages_and_degrades) {
    testing::fake_llm_server server;
    char pattern[] = "/tmp/sb-ai-llm-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    const std::filesystem::path dir = pattern;
    history::storage_runner runner(
        storage::open_store("sqlite://" + (dir / "db").string(), dir.string()), {1, 2000});
    auto conn = runner.store().connect();
    std::atomic<std::uint64_t> now{1'779'094'800'000};
    service_options options;
    options.endpoint = server.url();
    options.model = "m";
    options.timeout_ms = 3000;
    options.defaults.engine = "openai";
    options.regenerate_interval_s = 60;
    service svc(runner, options, [&] { return now.load(); });
    ASSERT_TRUE(svc.llm_available());
    const std::string tenant = "app1/production";
    storage::conversation_record c;
    c.tenant = tenant;
    c.uid = "support:9";
    c.members = {{"ann", "agent"}};
    c.created_at_ms = now;
    ASSERT_TRUE(conn->conversations().create(c));
    core::ulid_generator ids(5);
    std::uint64_t offset = 0;
    auto say = [&](std::string text) {
        storage::message_record m{tenant, "support:9", ids.next("msg_", now),       ++offset,
                                  "cust", "message",   json{{"text", text}}.dump(), now.load(),
                                  {}};
        conn->append(std::span(&m, 1));
        now += 1000;
    };
    auto summarize = [&] {
        std::promise<summary_outcome> p;
        svc.summarize({tenant, "app1", "ann", false}, "support:9",
                      [&](summary_outcome o) { p.set_value(std::move(o)); });
        return p.get_future().get();
    };
    std::promise<settings_outcome> ps;
    svc.update_settings(
        {tenant, "app1", "", true},
        parse_patch(
            json{{"prompts", {{"summary", "Company style. Conversation {{conversation_uid}}."}}}},
            true),
        [&](settings_outcome o) { ps.set_value(std::move(o)); });
    ASSERT_EQ(ps.get_future().get().error, failure::none);

    say("my card was charged twice");
    say("order 1234");
    server.script({completion(good_summary("first"), 50)});
    auto first = summarize();
    ASSERT_EQ(first.error, failure::none) << first.detail;
    EXPECT_EQ(first.view.summary.overall_summary, "first");
    EXPECT_EQ(first.view.tokens_used, 50U);
    EXPECT_EQ(server.requests().at(0).body["messages"][0]["content"],
              "Company style. Conversation support:9.");

    say("any news on the refund?");
    now += 61'000;
    server.script({completion(good_summary("second"), 70)});
    auto second = summarize();
    ASSERT_EQ(second.error, failure::none) << second.detail;
    EXPECT_EQ(second.view.summary.overall_summary, "second");
    const std::string user = server.requests().at(1).body["messages"][1]["content"];
    EXPECT_NE(user.find("any news on the refund?"), std::string::npos);
    EXPECT_EQ(user.find("charged twice"), std::string::npos)
        << "only messages newer than the cache";
    EXPECT_NE(user.find("\"overall_summary\":\"first\""), std::string::npos);

    say("hello?");
    now += 61'000;
    fake_reply silent;
    silent.what = fake_reply::kind::hang;
    server.script({silent});
    auto third = summarize();
    ASSERT_EQ(third.error, failure::none);
    EXPECT_EQ(third.view.cache, cache_status::stale);
    EXPECT_EQ(third.view.summary.overall_summary, "second");
    EXPECT_EQ(third.view.stats.total_messages, 4U);

    svc.stop();
    server.stop();
    conn.reset();
    runner.stop();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace sb::ai
