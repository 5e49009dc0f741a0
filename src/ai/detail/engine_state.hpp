#pragma once
// What the built-in engine (builtin_engine.hpp) knows after the messages it has seen, and its
// JSON form: the engine_state of a conversation_summary, from which a later call with only the
// new messages continues. Pure data; the summarizer (summarizer.hpp) fills it.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sb::ai::detail {

struct sentence_candidate {
    std::string text;
    std::string user;
    std::uint64_t at = 0;
    double bonus = 0;
};

struct action_item {
    std::string text;
    std::string owner;
    std::uint64_t at = 0;
    std::uint64_t due = 0;
    bool urgent = false;
    std::vector<std::string> keys;
    bool info = false;  // a request for information: any reply from its owner settles it
};

struct open_question {
    std::string text;
    std::string user;
    std::uint64_t at = 0;
};

struct deadline {
    std::string text;
    std::uint64_t due = 0;
    std::vector<std::string> keys;
};

// Everything the engine knows after the messages it has seen.
struct engine_state {
    std::map<std::string, std::uint64_t> terms;
    std::vector<sentence_candidate> candidates;
    std::optional<sentence_candidate> opening;
    int pos = 0, neg = 0, pos_msgs = 0, neg_msgs = 0, msgs = 0;
    std::vector<action_item> actions;
    std::vector<std::string> decisions;
    std::vector<open_question> questions;
    std::vector<deadline> deadlines;
    std::uint64_t urgent_at = 0, resolved_at = 0, last_at = 0;
    std::map<std::string, int> cats;
    std::set<std::string> participants;  // lower case
    std::string proposal, proposal_user;
    int proposal_age = 0;  // messages since the proposal
};

[[nodiscard]] nlohmann::json to_json(const engine_state& s);
// An empty state for another version; throws nlohmann::json::exception for a missing field.
[[nodiscard]] engine_state state_from_json(const nlohmann::json& j);

}  // namespace sb::ai::detail
