#pragma once
// The built-in engine: useful summaries with no network and no model (DESIGN.md
// "ai").
//
//  - overall_summary: extractive. Sentences are ranked by how central their
//  words are to the
//    conversation (term frequency over the whole thread, normalised by length)
//    plus bonuses for the opening problem statement, decisions, requests,
//    deadlines and urgency; the best three are given in the order they were
//    written, after a topic line from the categories.
//  - categories: keyword rules (detail/lexicon.cpp), the best four that match.
//  - action_items: requests ("can you…", "@bob please…"), commitments ("I'll…",
//  "let me…"),
//    team obligations ("we need to…", "todo:", "make sure…"); closed again when
//    a later message reports them done with overlapping words; owners from "I",
//    mentions, or the other party of a two-person thread; ordered by deadline,
//    urgency and recency.
//  - key_decisions: decision language ("we decided", "let's go with",
//  "approved"), and a
//    proposal ("how about…", "should we…") that another participant agrees to
//    ("sounds good").
//  - sentiment: a lexicon with negation ("not bad"), emoji, positive / negative
//  / mixed /
//    neutral over the messages.
//  - status: urgent when urgency language is not yet resolved, a deadline falls
//  within 48 hours
//    (or has passed), or a question has waited more than 24 hours; pending with
//    open questions or action items; on_track otherwise.
//
// Incremental: everything above is kept in engine_state (ranked candidate
// sentences, term counts, open items, counters), so a later call with only the
// new messages continues where the previous summary stopped, and gives the same
// result as one pass over all messages (up to the candidate cut-off).
//
// Threads: stateless between calls; summarize() and make_digest() answer before
// returning. Cost: linear in the messages given.

#include "ai/engine.hpp"

namespace sb::ai {

class builtin_engine final : public engine {
public:
    [[nodiscard]] std::string_view name() const noexcept override { return "builtin"; }
    [[nodiscard]] std::string fingerprint() const override { return "builtin/1"; }
    void summarize(summary_request request, core::unique_callback<summary_result> done) override;
    void make_digest(digest_request request, core::unique_callback<digest_result> done) override;

    // The same work, synchronously (tests and the service's fallback use these).
    [[nodiscard]] static conversation_summary summarize_now(const summary_request& request);
    [[nodiscard]] static digest digest_now(const digest_request& request);
};

}  // namespace sb::ai
