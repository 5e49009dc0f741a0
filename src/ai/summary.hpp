#pragma once
// What engines read and write: conversation messages in, a conversation summary
// or a digest out. Plain values with JSON conversion (the caches store them as
// JSON; the LLM engine exchanges them as JSON). No I/O.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sb::ai {

// One stored message as the engines see it: text extracted from the message's
// data.
struct chat_message {
    std::string id;
    std::string user_id;  // "" for server messages
    std::string text;
    std::uint64_t created_at_ms = 0;
};

// The text a message contributes: a JSON object's "text", "message", "body" or
// "content" string; else its string values joined; else the data as it is.
[[nodiscard]] std::string message_text(const std::string& data);

enum class sentiment : std::uint8_t { positive, neutral, negative, mixed };
[[nodiscard]] const char* to_string(sentiment s) noexcept;
[[nodiscard]] std::optional<sentiment> parse_sentiment(std::string_view s) noexcept;

// The engine's view of where a conversation stands. `stale` is never produced
// by an engine: it comes from age, at digest time (classify.hpp).
enum class status : std::uint8_t { urgent, pending, on_track, stale };
[[nodiscard]] const char* to_string(status s) noexcept;
[[nodiscard]] std::optional<status> parse_status(std::string_view s) noexcept;

// One conversation's summary: the seed's conversation_summary fields the engine
// produces, plus the signals the digest categorizes by. Stats (total_messages,
// participants, time_span) are not here: the service computes them from the
// store, exactly, never from an engine.
struct conversation_summary {
    std::string overall_summary;
    std::vector<std::string> categories;
    std::vector<std::string> action_items;  // open ones, most important first
    std::vector<std::string> key_decisions;
    ai::sentiment mood = ai::sentiment::neutral;
    ai::status state = ai::status::on_track;  // urgent | pending | on_track
    std::vector<std::string> open_questions;  // asked and not answered by anyone else yet
    std::uint64_t due_at_ms = 0;              // earliest open deadline mentioned (0: none)
    std::uint64_t waiting_since_ms = 0;       // oldest unanswered question (0: none)
    // State only the engine that wrote the summary reads back (the built-in
    // engine keeps its ranked sentences and counters here for incremental
    // updates). Null for others.
    nlohmann::json engine_state;
};

[[nodiscard]] nlohmann::json to_json(const conversation_summary& s);
// From the cache's JSON (trusted: written by to_json). Throws
// nlohmann::json::exception.
[[nodiscard]] conversation_summary summary_from_json(const nlohmann::json& j);

// One conversation as the digest sees it.
struct digest_input {
    std::string conversation_uid;
    std::optional<conversation_summary> summary;  // none while the conversation is warming
    bool summary_fresh = false;
    std::uint64_t unread_count = 0;
    std::uint64_t last_message_at_ms = 0;
    std::uint64_t oldest_unread_at_ms = 0;
    std::string role;                        // the user's role in it
    ai::status hint = ai::status::on_track;  // classify() over the summary, stats and now
};

struct digest {
    std::string summary;
    std::vector<std::string> urgent, pending, on_track,
        stale;                              // conversation uids
    std::vector<std::string> action_items;  // most important first
};

[[nodiscard]] nlohmann::json to_json(const digest& d);
[[nodiscard]] digest digest_from_json(const nlohmann::json& j);

// "2h 15m", "3d 4h", "12m", "40s", "0s": the span between two times, two units
// at most.
[[nodiscard]] std::string format_span(std::uint64_t from_ms, std::uint64_t to_ms);

}  // namespace sb::ai
