#include "ai/builtin_engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "ai/classify.hpp"
#include "ai/detail/text.hpp"
#include "core/time_format.hpp"

namespace sb::ai {
namespace {

constexpr std::uint64_t minute = 60'000;
constexpr std::uint64_t hour = 60 * minute;

std::uint64_t at(const char* rfc3339) { return *core::parse_rfc3339(rfc3339); }

// Messages `minutes_apart` minutes apart from `start`.
std::vector<chat_message> thread(std::uint64_t start,
                                 std::vector<std::pair<std::string, std::string>> lines,
                                 std::uint64_t minutes_apart = 7) {
    std::vector<chat_message> out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out.push_back({"msg_" + std::to_string(i), lines[i].first, lines[i].second,
                       start + i * minutes_apart * minute});
    }
    return out;
}

// A customer support thread: a payment outage, escalated, rolled back,
// follow-ups. Monday 2026-05-18, from 09:00 UTC.
std::vector<chat_message> support_thread() {
    return thread(at("2026-05-18T09:00:00Z"),
                  {
                      {"dana",
                       "Hi, since this morning's update our checkout page returns "
                       "a 500 error whenever customers pay by card."},
                      {"dana", "This is urgent, we are losing sales every hour it stays broken."},
                      {"sam", "Sorry about that, Dana. I'm looking into it now."},
                      {"sam", "Can you send me the order IDs of two failed payments?"},
                      {"dana", "Sure: 48213 and 48219. Both failed around 9:40."},
                      {"sam", "Thanks. I've escalated this to our payments engineering team."},
                      {"lee",
                       "I can reproduce it. The card tokenization call times out "
                       "after the new deploy."},
                      {"lee", "I'll roll back the payment service to yesterday's version."},
                      {"sam", "Dana, the rollback should land within the hour."},
                      {"dana",
                       "Okay. Will we get a refund of the transaction fees for the "
                       "failed orders?"},
                      {"sam", "I will check with billing about refunding the transaction fees."},
                      {"lee", "Rollback is done, the error rate is back to normal."},
                      {"dana", "Confirmed, payments are going through again. Thank you!"},
                      {"sam", "Great. We need to send you a written incident report by Friday."},
                      {"dana",
                       "Please also make sure this doesn't happen again before the "
                       "holiday sale."},
                      {"sam",
                       "Understood. Lee, can you add a regression test for card "
                       "tokenization?"},
                      {"lee", "Yes, I'll add the regression test this week."},
                      {"dana", "Any update on the fee refund?"},
                  });
}

// A project planning thread with decisions, deadlines and a blocker.
std::vector<chat_message> planning_thread() {
    return thread(at("2026-05-18T14:00:00Z"),
                  {
                      {"ann",
                       "Kickoff for the Q3 roadmap: we need to pick the launch "
                       "scope for the AI summaries feature."},
                      {"raj",
                       "The summary API is mostly done, the digest endpoint still "
                       "needs caching work."},
                      {"mei", "Design for the digest UI is about 60% complete."},
                      {"ann", "Should we ship summaries first and the digest in a second phase?"},
                      {"raj", "Sounds good to me, incremental rollout keeps the risk low."},
                      {"mei", "Agreed."},
                      {"ann",
                       "Great, we decided to launch AI summaries in the Q3 release "
                       "on July 15."},
                      {"ann", "Raj, can you finalize the summary API spec by Friday?"},
                      {"raj", "Yes, I'll have the spec ready by Friday."},
                      {"mei", "I'll share the digest mockups in Figma tomorrow."},
                      {"tom",
                       "QA needs two weeks for the regression suite, so the code "
                       "freeze should be July 1."},
                      {"ann", "Let's go with July 1 as the code freeze then."},
                      {"raj", "We still need to decide on the rate limit for regenerations."},
                      {"tom", "How about 60 seconds per conversation?"},
                      {"raj", "Works for me."},
                      {"ann",
                       "Approved. Tom, please write the test plan for the digest by "
                       "next Wednesday."},
                      {"tom", "Will do."},
                      {"mei", "Do we have budget for user testing sessions?"},
                      {"ann", "Yes, budget for five sessions is approved."},
                      {"raj",
                       "The staging deploy is stuck on the expired TLS certificate, "
                       "this is a blocker for the demo."},
                      {"ann",
                       "Raj, please renew the certificate today, the demo with the "
                       "customer is on Thursday."},
                      {"raj", "On it."},
                  },
                  4);
}

// Friends chatting: no work, no urgency.
std::vector<chat_message> casual_chat() {
    return thread(at("2026-05-19T11:30:00Z"),
                  {
                      {"kim", "Anyone up for lunch today?"},
                      {"leo", "Sure, tacos or ramen?"},
                      {"ava", "Ramen! The new place on 5th street is great."},
                      {"kim", "Love it, let's meet at noon in the lobby."},
                      {"leo", "Sounds good, see you there."},
                      {"ava", "Did anyone watch the game last night?"},
                      {"kim", "Yes! What a finish, that last-minute goal was amazing."},
                      {"leo", "I missed it, no spoilers please :)"},
                      {"ava", "Haha sorry Leo. Also happy birthday for tomorrow!"},
                      {"leo", "Thanks! We're doing drinks on Friday if you want to join."},
                      {"kim", "Count me in 🎉"},
                      {"ava", "Me too, this week has been great."},
                  },
                  3);
}

conversation_summary run(const std::vector<chat_message>& messages, std::uint64_t now) {
    summary_request r;
    r.conversation_uid = "c";
    r.messages = messages;
    r.now_ms = now;
    return builtin_engine::summarize_now(r);
}

bool any_contains(const std::vector<std::string>& items, std::string_view needle) {
    return std::any_of(items.begin(), items.end(), [&](const std::string& s) {
        return detail::lower(s).find(detail::lower(needle)) != std::string::npos;
    });
}

std::string dump(const conversation_summary& s) { return to_json(s).dump(2); }

TEST(builtin_engine, support_thread_finds_open_actions_and_closes_done_ones) {
    const auto messages = support_thread();
    const auto s = run(messages, messages.back().created_at_ms + 30 * minute);
    SCOPED_TRACE(dump(s));
    EXPECT_TRUE(any_contains(s.action_items, "incident report by Friday"));
    EXPECT_TRUE(any_contains(s.action_items, "check with billing about refunding"));
    EXPECT_TRUE(any_contains(s.action_items, "regression test"));
    EXPECT_TRUE(any_contains(s.action_items, "(lee)"));  // the regression test's owner
    EXPECT_TRUE(any_contains(s.action_items, "(sam)"));  // billing check
    EXPECT_TRUE(any_contains(s.action_items, "make sure this doesn't happen again"));
    // Done: the rollback was reported done, the order ids were sent.
    EXPECT_FALSE(any_contains(s.action_items, "roll back"));
    EXPECT_FALSE(any_contains(s.action_items, "order IDs"));
    EXPECT_LE(s.action_items.size(), 10U);
    // The regression test is due this week and the incident report on Friday: the
    // earliest deadline comes first.
    EXPECT_TRUE(any_contains({s.action_items.front()}, "regression test") ||
                any_contains({s.action_items.front()}, "incident report"));
    EXPECT_TRUE(s.key_decisions.empty()) << "a support thread decides nothing here";
    EXPECT_NE(s.mood, sentiment::positive);
    EXPECT_TRUE(std::find(s.categories.begin(), s.categories.end(), "bug-report") !=
                s.categories.end());
    EXPECT_TRUE(std::find(s.categories.begin(), s.categories.end(), "billing") !=
                s.categories.end());
    EXPECT_TRUE(any_contains(s.open_questions, "fee refund"));
    // Urgency was resolved (rollback done); the open question and actions leave
    // it pending.
    EXPECT_EQ(s.state, status::pending);
    EXPECT_NE(s.overall_summary.find("500 error"), std::string::npos);
    EXPECT_EQ(s.due_at_ms, at("2026-05-22T23:59:59Z"));  // Friday, end of day
}

TEST(builtin_engine, support_thread_is_urgent_while_the_outage_is_open) {
    const auto messages = support_thread();
    const std::vector<chat_message> first(messages.begin(), messages.begin() + 8);
    const auto s = run(first, first.back().created_at_ms + 5 * minute);
    SCOPED_TRACE(dump(s));
    EXPECT_EQ(s.state, status::urgent);
    EXPECT_TRUE(any_contains(s.action_items, "roll back the payment service"));
    EXPECT_EQ(classify(s, 3, first.back().created_at_ms, first.back().created_at_ms + hour),
              status::urgent);
}

TEST(builtin_engine, a_question_left_waiting_makes_a_thread_urgent_with_age) {
    const auto messages = support_thread();
    const std::uint64_t last = messages.back().created_at_ms;
    const auto soon = run(messages, last + hour);
    EXPECT_EQ(soon.state, status::pending);
    EXPECT_EQ(soon.waiting_since_ms, last);
    // A day and a half later the customer's question is still unanswered.
    EXPECT_EQ(classify(soon, 1, last, last + 36 * hour), status::urgent);
    // Weeks of silence: stale.
    EXPECT_EQ(classify(soon, 1, last, last + 20 * 24 * hour), status::stale);
}

TEST(builtin_engine, planning_thread_finds_decisions_deadlines_and_owners) {
    const auto messages = planning_thread();
    const auto s = run(messages, messages.back().created_at_ms + 10 * minute);
    SCOPED_TRACE(dump(s));
    // Decisions: stated ones and proposals others agreed to.
    EXPECT_TRUE(any_contains(s.key_decisions,
                             "ship summaries first and the digest in a second phase (agreed)"));
    EXPECT_TRUE(any_contains(s.key_decisions, "launch AI summaries in the Q3 release on July 15"));
    EXPECT_TRUE(any_contains(s.key_decisions, "July 1 as the code freeze"));
    EXPECT_TRUE(any_contains(s.key_decisions, "60 seconds per conversation (agreed)"));
    EXPECT_TRUE(any_contains(s.key_decisions, "budget for five sessions is approved"));
    EXPECT_FALSE(any_contains(s.key_decisions, "should we")) << "a question is not a decision";
    // Action items with their owners.
    EXPECT_TRUE(any_contains(s.action_items, "finalize the summary API spec by Friday (raj)"));
    EXPECT_TRUE(any_contains(s.action_items, "share the digest mockups in Figma tomorrow (mei)"));
    EXPECT_TRUE(
        any_contains(s.action_items, "write the test plan for the digest by next Wednesday (tom)"));
    EXPECT_TRUE(any_contains(s.action_items, "renew the certificate today"));
    EXPECT_FALSE(any_contains(s.action_items, "have the spec ready"))
        << "\"I'll have\" is not a task";
    // The certificate is due today and blocks the demo: first, and the thread is
    // urgent.
    EXPECT_TRUE(any_contains({s.action_items.front()}, "renew the certificate"));
    EXPECT_EQ(s.state, status::urgent);
    EXPECT_EQ(s.due_at_ms, at("2026-05-18T23:59:59Z"));
    EXPECT_TRUE(std::find(s.categories.begin(), s.categories.end(), "product-planning") !=
                s.categories.end());
    EXPECT_TRUE(s.open_questions.empty()) << "the budget question was answered";
}

TEST(builtin_engine, casual_chat_is_calm_and_positive) {
    const auto messages = casual_chat();
    const auto s = run(messages, messages.back().created_at_ms + 10 * minute);
    SCOPED_TRACE(dump(s));
    EXPECT_EQ(s.mood, sentiment::positive);
    EXPECT_NE(s.state, status::urgent);
    EXPECT_EQ(s.due_at_ms, 0U);
    EXPECT_TRUE(s.action_items.empty());
    EXPECT_LE(s.key_decisions.size(), 1U);
    EXPECT_TRUE(any_contains(s.key_decisions, "meet at noon in the lobby (agreed)"));
    EXPECT_TRUE(std::find(s.categories.begin(), s.categories.end(), "social") !=
                s.categories.end());
}

TEST(builtin_engine, incremental_updates_match_one_pass) {
    const auto messages = planning_thread();
    const std::uint64_t now = messages.back().created_at_ms + 10 * minute;
    const auto whole = run(messages, now);
    summary_request first;
    first.messages.assign(messages.begin(), messages.begin() + 9);
    first.now_ms = now;
    const auto part = builtin_engine::summarize_now(first);
    summary_request rest;
    rest.messages.assign(messages.begin() + 9, messages.end());
    rest.previous = summary_from_json(to_json(part));  // through the cache's JSON
    rest.now_ms = now;
    const auto joined = builtin_engine::summarize_now(rest);
    EXPECT_EQ(joined.action_items, whole.action_items);
    EXPECT_EQ(joined.key_decisions, whole.key_decisions);
    EXPECT_EQ(joined.state, whole.state);
    EXPECT_EQ(joined.mood, whole.mood);
    EXPECT_EQ(joined.categories, whole.categories);
    EXPECT_EQ(joined.due_at_ms, whole.due_at_ms);
}

TEST(builtin_engine, digest_groups_by_status_and_orders_action_items) {
    const auto support = support_thread();
    const auto planning = planning_thread();
    const auto chat = casual_chat();
    const std::uint64_t now = at("2026-05-20T10:00:00Z");
    digest_request req;
    req.user_uid = "ann";
    req.now_ms = now;
    auto input = [&](std::string uid, const std::vector<chat_message>& m, std::uint64_t unread) {
        digest_input in;
        in.conversation_uid = std::move(uid);
        in.summary = run(m, now);
        in.unread_count = unread;
        in.last_message_at_ms = m.back().created_at_ms;
        in.hint = classify(in.summary, unread, in.last_message_at_ms, now);
        return in;
    };
    req.conversations = {input("support:48213", support, 4), input("project:q3", planning, 9),
                         input("social:lunch", chat, 2)};
    const auto d = builtin_engine::digest_now(req);
    SCOPED_TRACE(to_json(d).dump(2));
    EXPECT_NE(std::find(d.urgent.begin(), d.urgent.end(), "project:q3"), d.urgent.end());
    EXPECT_NE(std::find(d.urgent.begin(), d.urgent.end(), "support:48213"), d.urgent.end())
        << "the customer's question has waited more than a day";
    EXPECT_NE(std::find(d.on_track.begin(), d.on_track.end(), "social:lunch"), d.on_track.end());
    ASSERT_FALSE(d.action_items.empty());
    EXPECT_NE(d.action_items.front().find("["), std::string::npos);
    EXPECT_NE(d.summary.find("3 active conversations"), std::string::npos);
    EXPECT_NE(d.summary.find("15 in total"), std::string::npos);
}

TEST(builtin_engine_text, finds_deadlines_written_the_usual_ways) {
    const std::uint64_t monday = at("2026-05-18T09:00:00Z");
    EXPECT_EQ(detail::find_deadline("send it by friday", monday), at("2026-05-22T23:59:59Z"));
    EXPECT_EQ(detail::find_deadline("due tomorrow", monday), at("2026-05-19T23:59:59Z"));
    EXPECT_EQ(detail::find_deadline("please finish today", monday), at("2026-05-18T23:59:59Z"));
    EXPECT_EQ(detail::find_deadline("ready by next wednesday", monday), at("2026-05-27T23:59:59Z"));
    EXPECT_EQ(detail::find_deadline("deadline is 2026-06-02", monday), at("2026-06-02T23:59:59Z"));
    EXPECT_EQ(detail::find_deadline("launch on july 15", monday), at("2026-07-15T23:59:59Z"));
    EXPECT_EQ(detail::find_deadline("within 48 hours", monday), monday + 48 * hour);
    EXPECT_EQ(detail::find_deadline("by 5pm", monday), at("2026-05-18T17:00:00Z"));
    EXPECT_FALSE(detail::find_deadline("i met him friday", monday));
    EXPECT_FALSE(detail::find_deadline("nothing here", monday));
}

TEST(builtin_engine_text, scores_sentiment_with_negation) {
    EXPECT_GT(detail::score_sentiment("this is great, thanks!").positive, 0);
    EXPECT_GT(detail::score_sentiment("it is broken and I'm frustrated").negative, 1);
    const auto h = detail::score_sentiment("not bad at all");
    EXPECT_EQ(h.negative, 0);
    EXPECT_EQ(h.positive, 1);
}

TEST(builtin_engine, formats_time_spans) {
    EXPECT_EQ(format_span(0, 8'100'000), "2h 15m");
    EXPECT_EQ(format_span(0, 3 * 86'400'000ULL + 4 * hour), "3d 4h");
    EXPECT_EQ(format_span(0, 12 * minute), "12m");
    EXPECT_EQ(format_span(0, 40'000), "40s");
    EXPECT_EQ(format_span(5, 5), "0s");
}

}  // namespace
}  // namespace sb::ai
