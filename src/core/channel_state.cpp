#include "core/channel_state.hpp"

namespace sb::core {

channel_state::channel_state(std::uint32_t shard_count, bool presence, std::size_t max_members)
    : per_shard_(shard_count, 0) {
    if (presence) presence_ = std::make_unique<presence_set>(max_members);
}

channel_state::join_outcome channel_state::join(std::uint32_t shard, bool native, std::string_view user_id,
                                                std::string_view user_info_json) {
    join_outcome out;
    if (presence_ && !user_id.empty()) {
        out.presence = presence_->join(user_id, user_info_json);
        if (out.presence == presence_set::join_result::full) return out;
    }
    out.became_occupied = subscriptions_ == 0;
    ++subscriptions_;
    if (native) ++native_;
    if (per_shard_.at(shard)++ == 0) shard_mask_ |= (std::uint64_t{1} << shard);
    return out;
}

channel_state::leave_outcome channel_state::leave(std::uint32_t shard, bool native, std::string_view user_id) {
    leave_outcome out;
    if (subscriptions_ == 0 || per_shard_.at(shard) == 0) return out;
    if (presence_ && !user_id.empty()) out.member_removed = presence_->leave(user_id);
    --subscriptions_;
    if (native && native_ > 0) --native_;
    if (--per_shard_[shard] == 0) shard_mask_ &= ~(std::uint64_t{1} << shard);
    out.became_vacant = subscriptions_ == 0;
    return out;
}

presence_set::join_result channel_state::enter(std::string_view user_id, std::string_view user_info_json) {
    if (!presence_) return presence_set::join_result::full;
    return presence_->join(user_id, user_info_json);
}

bool channel_state::exit(std::string_view user_id) { return presence_ && presence_->leave(user_id); }

const cached_event* channel_state::cache(std::uint64_t now_ms) {
    if (cache_ && cache_->expires_at_ms <= now_ms) cache_.reset();
    return cache_.get();
}

void channel_state::remember(recent_message m) {
    if (history_tail_capacity_ == 0) return;
    // The tail holds consecutive offsets only, so that recovering from it never skips one: in
    // cluster mode a node sees a channel's messages only while it is subscribed, so a gap
    // (messages it never saw) starts the tail again.
    if (!recent_.empty() && recent_.back().offset + 1 != m.offset) recent_.clear();
    recent_.push_back(std::move(m));
    while (recent_.size() > history_tail_capacity_) recent_.pop_front();
}

bool channel_state::disposable(std::uint64_t now_ms, std::uint64_t idle_ms) {
    if (subscriptions_ != 0 || cache(now_ms) != nullptr) return false;
    if (!keeps_history_) return true;
    return inflight_ == 0 && now_ms >= last_activity_ms_ + idle_ms;
}

}  // namespace sb::core
