// The built-in engine's word lists: urgency, resolution, decisions, agreement,
// proposals, sentiment and categories. Small on purpose: each entry is a phrase
// people actually write in support threads and team chats, and each list is
// exercised by builtin_engine_test.cpp.

#include <set>

#include "ai/detail/text.hpp"

namespace sb::ai::detail {

const std::vector<std::string_view>& urgent_cues() {
    static const std::vector<std::string_view> v{"urgent",
                                                 "urgently",
                                                 "asap",
                                                 "as soon as possible",
                                                 "immediately",
                                                 "critical",
                                                 "emergency",
                                                 "blocker",
                                                 "blocking",
                                                 "p0",
                                                 "p1",
                                                 "sev1",
                                                 "sev-1",
                                                 "sev 1",
                                                 "outage",
                                                 "is down",
                                                 "are down",
                                                 "went down",
                                                 "production down",
                                                 "prod is down",
                                                 "site is down",
                                                 "losing money",
                                                 "losing customers",
                                                 "escalate",
                                                 "escalated",
                                                 "escalation",
                                                 "right away",
                                                 "right now",
                                                 "can't access",
                                                 "cannot access",
                                                 "data loss",
                                                 "security breach",
                                                 "top priority",
                                                 "high priority",
                                                 "time-sensitive",
                                                 "time sensitive",
                                                 "overdue",
                                                 "past due"};
    return v;
}

const std::vector<std::string_view>& resolution_cues() {
    static const std::vector<std::string_view> v{
        "fixed",      "resolved",    "done",       "completed", "finished",    "deployed the fix",
        "works now",  "working now", "is back up", "back up",   "back online", "all good",
        "closed",     "shipped",     "merged",     "sent it",   "sent the",    "took care",
        "taken care", "sorted",      "solved",     "no longer", "handled",     "it's live",
        "is live",    "went out"};
    return v;
}

const std::vector<std::string_view>& decision_cues() {
    static const std::vector<std::string_view> v{"we decided",        "decided to",
                                                 "decided that",      "decision is",
                                                 "decision:",         "the decision",
                                                 "we agreed",         "agreed to",
                                                 "agreed on",         "agreed that",
                                                 "we'll go with",     "we will go with",
                                                 "let's go with",     "going with",
                                                 "we're going with",  "approved",
                                                 "is approved",       "signed off",
                                                 "sign-off",          "final call",
                                                 "settled on",        "we chose",
                                                 "we picked",         "we will use",
                                                 "we'll use",         "is confirmed",
                                                 "consensus",         "green light",
                                                 "greenlit",          "moving forward with",
                                                 "go ahead with",     "we're going to ship",
                                                 "will ship",         "prioritized",
                                                 "prioritised",       "we'll prioritize",
                                                 "we will prioritize"};
    return v;
}

const std::vector<std::string_view>& agreement_cues() {
    static const std::vector<std::string_view> v{
        "agreed",       "agree",       "sounds good",   "sounds great", "+1",
        "works for me", "let's do it", "let's do that", "makes sense",  "go for it",
        "ship it",      "lgtm",        "approved",      "deal",         "perfect",
        "yes let's",    "that works",  "fine by me",    "i'm in"};
    return v;
}

const std::vector<std::string_view>& proposal_cues() {
    static const std::vector<std::string_view> v{"how about",   "what if we",   "i propose",
                                                 "i suggest",   "proposal:",    "we could",
                                                 "should we",   "why don't we", "my suggestion",
                                                 "option a",    "option b",     "i'd suggest",
                                                 "i recommend", "let's"};
    return v;
}

namespace {

const std::set<std::string_view>& positive_words() {
    static const std::set<std::string_view> s{
        "good",        "great",       "excellent", "awesome",
        "amazing",     "fantastic",   "perfect",   "love",
        "loved",       "like",        "nice",      "happy",
        "glad",        "thanks",      "thank",     "appreciate",
        "appreciated", "helpful",     "works",     "working",
        "fixed",       "resolved",    "success",   "successful",
        "smooth",      "wonderful",   "brilliant", "pleased",
        "excited",     "exciting",    "congrats",  "congratulations",
        "well",        "best",        "cool",      "fun",
        "enjoy",       "enjoyed",     "yay",       "solid",
        "impressive",  "agree",       "agreed",    "approved",
        "win",         "progress",    "ahead",     "fast",
        "easy",        "clean",       "stable",    "delighted",
        "grateful",    "kudos",       "celebrate", "ready",
        "lgtm",        "sweet",       "lovely",    "beautiful",
        "improved",    "improvement", "faster"};
    return s;
}

const std::set<std::string_view>& negative_words() {
    static const std::set<std::string_view> s{
        "bad",           "terrible",      "awful",        "horrible",    "worst",    "hate",
        "angry",         "upset",         "frustrated",   "frustrating", "annoyed",  "annoying",
        "disappointed",  "disappointing", "broken",       "broke",       "bug",      "bugs",
        "crash",         "crashes",       "crashed",      "crashing",    "error",    "errors",
        "fail",          "fails",         "failed",       "failing",     "failure",  "problem",
        "problems",      "issue",         "issues",       "wrong",       "slow",     "stuck",
        "down",          "outage",        "unacceptable", "ridiculous",  "useless",  "worse",
        "lost",          "losing",        "refund",       "complaint",   "complain", "sorry",
        "unfortunately", "confused",      "confusing",    "delay",       "delayed",  "late",
        "blocked",       "blocker",       "concern",      "concerned",   "worried",  "worry",
        "risk",          "risky",         "missing",      "timeout",     "timeouts", "500",
        "cancel",        "cancelled",     "unhappy",      "sad",         "sucks",    "nightmare",
        "painful",       "regression",    "urgent",       "critical"};
    return s;
}

const std::set<std::string_view>& negators() {
    static const std::set<std::string_view> s{"not",    "no",    "never",   "don't",  "doesn't",
                                              "didn't", "isn't", "wasn't",  "aren't", "can't",
                                              "cannot", "won't", "without", "hardly", "nothing"};
    return s;
}

}  // namespace

sentiment_hits score_sentiment(std::string_view text) {
    sentiment_hits h;
    const auto w = words(text);
    for (std::size_t i = 0; i < w.size(); ++i) {
        const bool pos = positive_words().contains(w[i]);
        const bool neg = negative_words().contains(w[i]);
        if (!pos && !neg) continue;
        bool negated = false;
        for (std::size_t k = i > 3 ? i - 3 : 0; k < i; ++k)
            negated = negated || negators().contains(w[k]);
        // "no problem", "not bad", "don't worry": negated negatives are mildly
        // positive.
        if (pos != negated)
            ++h.positive;
        else
            ++h.negative;
    }
    for (std::string_view e :
         {":)", ":-)", ":D", "🙂", "😀", "😄", "😊", "👍", "🎉", "🙌", "❤", "🚀", "✅"})
        if (text.find(e) != std::string_view::npos) ++h.positive;
    for (std::string_view e : {":(", ":-(", "😡", "😠", "😞", "😢", "👎", "🤬", "😤"})
        if (text.find(e) != std::string_view::npos) ++h.negative;
    return h;
}

const std::vector<category_rule>& category_rules() {
    static const std::vector<category_rule> rules{
        {"bug-report",
         {"bug", "error", "crash", "crashes", "exception", "broken", "500", "stack trace",
          "stacktrace", "fails", "failing", "regression", "doesn't work", "not working",
          "reproduce", "repro"}},
        {"billing",
         {"invoice", "invoices", "refund", "charge", "charged", "payment", "billing",
          "subscription", "credit card", "card", "price", "pricing", "plan", "receipt",
          "overcharged", "double charged"}},
        {"account-access",
         {"login", "log in", "password", "reset", "locked out", "sso", "2fa", "two-factor",
          "account", "access", "permissions", "sign in"}},
        {"deployment",
         {"deploy", "deployed", "deployment", "release", "rollout", "roll out", "rollback",
          "staging", "production", "prod", "hotfix", "ship", "shipped", "launch", "ci",
          "pipeline"}},
        {"product-planning",
         {"roadmap", "sprint", "milestone", "milestones", "plan", "planning", "quarter", "q1", "q2",
          "q3", "q4", "priorities", "prioritize", "scope", "okr", "okrs", "backlog", "estimate",
          "estimates"}},
        {"timeline",
         {"deadline", "due", "timeline", "schedule", "eta", "by friday", "next week", "end of week",
          "date"}},
        {"design",
         {"design", "mockup", "mockups", "figma", "wireframe", "wireframes", "ui", "ux", "layout",
          "prototype", "style guide"}},
        {"performance",
         {"slow", "latency", "timeout", "timeouts", "performance", "memory", "cpu", "load", "lag",
          "p99", "throughput"}},
        {"security",
         {"security", "vulnerability", "cve", "breach", "leak", "leaked", "phishing", "encryption",
          "token", "exploit"}},
        {"meeting",
         {"meeting", "call", "sync", "calendar", "invite", "agenda", "standup", "schedule a",
          "zoom", "meet"}},
        {"feature-request",
         {"feature request", "feature", "would be nice", "could you add", "support for",
          "enhancement", "wishlist", "request"}},
        {"customer-support",
         {"customer", "ticket", "support", "help", "order", "shipping", "delivery", "return",
          "complaint"}},
        {"hiring",
         {"candidate", "candidates", "interview", "hiring", "recruit", "offer letter", "resume",
          "casting", "audition", "talent"}},
        {"documentation",
         {"docs", "documentation", "readme", "guide", "tutorial", "spec", "specification"}},
        {"testing", {"test", "tests", "testing", "qa", "coverage", "e2e", "unit test", "flaky"}},
        {"ai-features",
         {"ai", "llm", "model", "summary", "summaries", "digest", "gpt", "machine learning",
          "prompt"}},
        {"social",
         {"lunch", "dinner", "weekend", "movie", "party", "coffee", "birthday", "vacation",
          "holiday", "game", "drinks", "pizza", "beer", "hike"}},
    };
    return rules;
}

}  // namespace sb::ai::detail
