#pragma once
// The built-in engine's pass over messages (builtin_engine.hpp describes what it extracts).
// Owns the engine_state it continues from; add() each message, oldest first, then
// finish_summary() once. Linear in the messages given. Its parts:
//   summarizer.cpp               the pass: sentences, questions, deadlines, resolutions
//   summarizer_action_items.cpp  requests, commitments and team obligations, and their owners
//   summarizer_decisions.cpp     decisions, and proposals another participant agreed to
//   summarizer_overall.cpp       ranking sentences, categories, the overall text, sentiment

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ai/detail/engine_state.hpp"
#include "ai/engine.hpp"

namespace sb::ai::detail {

constexpr std::size_t max_candidates = 12;
constexpr std::size_t max_terms = 400;
constexpr std::size_t max_actions = 10;
constexpr std::size_t max_decisions = 8;
constexpr std::uint64_t hour_ms = 3'600'000;

// Single-threaded; one per call.
class summarizer {
public:
    explicit summarizer(engine_state s) : s_(std::move(s)) {}

    void add(const chat_message& m);
    conversation_summary finish_summary(std::uint64_t now_ms);

private:
    // --- summarizer.cpp
    void add_sentence(const std::string& sentence, const std::string& user, std::uint64_t at,
                      bool message_urgent);

    // --- summarizer_action_items.cpp
    bool detect_action(const std::string& sentence, std::string_view body, const std::string& low,
                       const std::vector<std::string>& w, const std::string& user, bool question,
                       std::string& text, std::string& owner);
    std::string other_party(const std::string& user) const;
    void add_action(action_item a);

    // --- summarizer_decisions.cpp
    void add_decision(std::string d);
    static std::string proposal_decision(const std::string& proposal);

    // --- summarizer_overall.cpp
    double score(const sentence_candidate& c) const;
    void prune_candidates();
    std::vector<std::string> top_categories() const;
    std::string overall(const std::vector<std::string>& categories) const;
    sentiment mood() const;

    engine_state s_;
};

}  // namespace sb::ai::detail
