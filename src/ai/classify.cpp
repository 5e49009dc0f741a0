#include "ai/classify.hpp"

namespace sb::ai {

status classify(const std::optional<conversation_summary>& summary, std::uint64_t unread_count,
                std::uint64_t last_message_at_ms, std::uint64_t now_ms,
                const classify_options& options) {
    // A deadline counts while it is close, or past by less than the stale period.
    const bool due_soon = summary && summary->due_at_ms != 0 &&
                          summary->due_at_ms <= now_ms + options.due_soon_ms &&
                          summary->due_at_ms + options.stale_after_ms >= now_ms;
    if (summary) {
        if (summary->state == status::urgent) {
            // Urgency language goes stale too: an "urgent" thread silent for the
            // stale period with nothing due is no longer urgent, just stale.
            const bool silent = last_message_at_ms + options.stale_after_ms < now_ms;
            if (!silent || due_soon) return status::urgent;
        }
        if (due_soon && !summary->action_items.empty()) return status::urgent;
        if (summary->waiting_since_ms != 0 &&
            summary->waiting_since_ms + options.waiting_too_long_ms < now_ms &&
            last_message_at_ms + options.stale_after_ms >= now_ms)
            return status::urgent;
    }
    if (last_message_at_ms != 0 && last_message_at_ms + options.stale_after_ms < now_ms)
        return status::stale;
    if (summary) {
        if (!summary->open_questions.empty() || !summary->action_items.empty() ||
            summary->state == status::pending)
            return status::pending;
        return status::on_track;
    }
    return unread_count > 0 ? status::pending : status::on_track;
}

}  // namespace sb::ai
