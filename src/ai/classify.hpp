#pragma once
// Where a conversation stands at a given moment, for digests: the engine's
// status from its summary, moved by time (a deadline coming close, a question
// waiting, silence). Pure.

#include <cstdint>
#include <optional>

#include "ai/summary.hpp"

namespace sb::ai {

struct classify_options {
    std::uint64_t stale_after_ms = 3 * 86'400'000ULL;       // silence after which a thread is stale
    std::uint64_t due_soon_ms = 48 * 3'600'000ULL;          // a deadline this close is urgent
    std::uint64_t waiting_too_long_ms = 24 * 3'600'000ULL;  // an unanswered question this old
};

// urgent: the summary says so, a deadline is due within due_soon (or past), or
// a question has waited longer than waiting_too_long. stale: no message for
// stale_after and nothing urgent. pending: open questions or action items, or
// unread messages without a summary yet. on_track: the rest.
[[nodiscard]] status classify(const std::optional<conversation_summary>& summary,
                              std::uint64_t unread_count, std::uint64_t last_message_at_ms,
                              std::uint64_t now_ms, const classify_options& options = {});

}  // namespace sb::ai
