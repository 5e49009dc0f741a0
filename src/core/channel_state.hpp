#pragma once
// The cluster-node-wide state of one channel, kept on the channel's home shard: how many
// subscriptions it has on each shard (so a publish is posted only to shards that have
// subscribers), its presence members, the last event of a cache channel, and the next offset.
//
// Owned by the home shard; not thread-safe. Every method is O(1) except presence snapshots.

#include "core/presence_set.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::core {

inline constexpr std::uint32_t max_shards = 64;

// A recent publication of a channel that keeps history, kept in memory so that a client that
// reconnects after a short gap recovers from here without waiting for the store.
struct recent_message {
    std::uint64_t offset = 0;
    std::string id;
    std::string event;
    std::string data;
    std::string user_id;
    std::uint64_t created_at_ms = 0;
};

// The last event published on a cache channel, replayed to each new subscriber until it expires.
struct cached_event {
    std::string event;
    std::string data;     // the data string exactly as delivered
    std::string user_id;  // set for client events on presence channels
    std::uint64_t expires_at_ms = 0;
};

class channel_state {
public:
    channel_state(std::uint32_t shard_count, bool presence, std::size_t max_members);

    struct join_outcome {
        bool became_occupied = false;  // the first subscription of the channel
        presence_set::join_result presence = presence_set::join_result::additional_connection;
    };
    struct leave_outcome {
        bool became_vacant = false;   // the last subscription left
        bool member_removed = false;  // the user's last connection to this presence channel left
    };

    // `native`: the subscriber speaks the native extensions (counted to know which encodings a
    // publication needs). Presence channels need `user_id` to make the subscriber a member; an
    // empty user_id subscribes without membership. A refused join (channel full) changes nothing.
    join_outcome join(std::uint32_t shard, bool native = false, std::string_view user_id = {},
                      std::string_view user_info_json = "null");
    // `user_id` empty: the subscriber was not (or no longer) a member.
    leave_outcome leave(std::uint32_t shard, bool native = false, std::string_view user_id = {});
    // Membership without subscribing or unsubscribing (native presence enter/leave).
    presence_set::join_result enter(std::string_view user_id, std::string_view user_info_json);
    bool exit(std::string_view user_id);

    [[nodiscard]] std::uint32_t subscriptions() const noexcept { return subscriptions_; }
    [[nodiscard]] std::uint32_t native_subscriptions() const noexcept { return native_; }
    [[nodiscard]] std::uint32_t plain_subscriptions() const noexcept { return subscriptions_ - native_; }
    [[nodiscard]] bool occupied() const noexcept { return subscriptions_ > 0; }
    // Bit i set when shard i has at least one subscriber.
    [[nodiscard]] std::uint64_t shard_mask() const noexcept { return shard_mask_; }
    [[nodiscard]] presence_set* presence() noexcept { return presence_.get(); }
    [[nodiscard]] const presence_set* presence() const noexcept { return presence_.get(); }

    void set_cache(cached_event event) { cache_ = std::make_unique<cached_event>(std::move(event)); }
    // The cached event if one is set and not expired at `now_ms`; drops an expired one.
    [[nodiscard]] const cached_event* cache(std::uint64_t now_ms);
    [[nodiscard]] bool has_cache() const noexcept { return cache_ != nullptr; }

    // Identifies this numbering of the channel's offsets: a channel forgotten and created again
    // (without stored history) starts a new epoch, so a client's old offset is never trusted.
    [[nodiscard]] const std::string& epoch() const noexcept { return epoch_; }
    void set_epoch(std::string epoch) { epoch_ = std::move(epoch); }

    // Offsets number the publications of a channel 1, 2, 3… in the order the home shard saw them.
    std::uint64_t next_offset() noexcept { return ++last_offset_; }
    [[nodiscard]] std::uint64_t last_offset() const noexcept { return last_offset_; }
    void set_last_offset(std::uint64_t offset) noexcept { last_offset_ = offset; }

    // --- history ---------------------------------------------------------------------------
    // A channel that keeps history numbers its messages from the store's last offset: until that
    // position is loaded, nothing may be published on it.
    void keep_history(std::size_t tail_capacity) { history_tail_capacity_ = tail_capacity; keeps_history_ = true; }
    [[nodiscard]] bool keeps_history() const noexcept { return keeps_history_; }
    [[nodiscard]] bool position_loaded() const noexcept { return position_loaded_; }
    void load_position(std::uint64_t last_offset, std::string epoch) {
        last_offset_ = std::max(last_offset_, last_offset);
        epoch_ = std::move(epoch);
        position_loaded_ = true;
    }
    // Appends handed to the store and not yet stored: the channel must not be forgotten (its
    // position would be read back stale).
    void append_started() noexcept { ++inflight_; }
    void append_finished() noexcept {
        if (inflight_ > 0) --inflight_;
    }
    void remember(recent_message m);
    [[nodiscard]] const std::deque<recent_message>& recent() const noexcept { return recent_; }

    void touch(std::uint64_t now_ms) noexcept { last_activity_ms_ = now_ms; }

    // A vacant channel without a live cached event can be forgotten; one that keeps history only
    // once its appends are stored and it has been idle for `idle_ms`.
    [[nodiscard]] bool disposable(std::uint64_t now_ms, std::uint64_t idle_ms = 0);

private:
    std::vector<std::uint32_t> per_shard_;
    std::uint64_t shard_mask_ = 0;
    std::uint32_t subscriptions_ = 0;
    std::uint32_t native_ = 0;
    std::uint64_t last_offset_ = 0;
    std::unique_ptr<presence_set> presence_;
    std::unique_ptr<cached_event> cache_;
    std::string epoch_;
    std::deque<recent_message> recent_;
    std::size_t history_tail_capacity_ = 0;
    std::uint64_t last_activity_ms_ = 0;
    std::uint32_t inflight_ = 0;
    bool keeps_history_ = false;
    bool position_loaded_ = false;
};

}  // namespace sb::core
