#pragma once
// The hub's per-shard state and the frames of one publication, shared by hub.cpp (single node)
// and hub_cluster.cpp (cluster mode). Private to the hub: nothing else includes this.

#include "api/detail/member_sequence.hpp"
#include "api/hub.hpp"
#include "core/channel_state.hpp"
#include "core/ids.hpp"
#include "core/subscription_index.hpp"
#include "net/frame.hpp"
#include "net/task.hpp"
#include "webhooks/event_sink.hpp"

#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sb::api {

class client;

namespace detail {

struct user_key {
    std::uint32_t tenant;
    std::string user_id;
    friend bool operator==(const user_key&, const user_key&) = default;
};
struct user_key_hash {
    std::size_t operator()(const user_key& k) const noexcept {
        return std::hash<std::string>{}(k.user_id) * 31u + k.tenant;
    }
};

using channel_map =
    std::unordered_map<core::channel_key, core::channel_state, core::channel_key_hash, core::channel_key_equal>;

// Idempotency keys seen recently on this home shard, oldest first.
class idempotency_window {
public:
    const publish_result* find(const std::string& key, std::uint64_t now_ms) {
        expire(now_ms);
        auto it = entries_.find(key);
        return it == entries_.end() ? nullptr : &it->second;
    }
    void remember(std::string key, const publish_result& result, std::uint64_t expires_at_ms) {
        order_.emplace_back(expires_at_ms, key);
        entries_.insert_or_assign(std::move(key), result);
    }

private:
    void expire(std::uint64_t now_ms) {
        while (!order_.empty() && order_.front().first <= now_ms) {
            entries_.erase(order_.front().second);
            order_.pop_front();
        }
    }
    std::unordered_map<std::string, publish_result> entries_;
    std::deque<std::pair<std::uint64_t, std::string>> order_;
};

inline std::string idempotency_scope(const core::channel_key& key, const std::string& idempotency_key) {
    std::string s = std::to_string(key.tenant);
    s += '\x1f';
    s += key.name;
    s += '\x1f';
    s += idempotency_key;
    return s;
}

}  // namespace detail

// One publication encoded for each group of subscribers that needs it.
struct hub::frames {
    net::shared_frame group[2];  // [0] plain Pusher, [1] native; null: nobody in that group
};

struct hub::shard_state {
    explicit shard_state(std::uint64_t seed) : ids(seed) {}
    core::subscription_index<client> local;  // subscribers on this shard, by channel
    detail::channel_map home;                        // channels whose home is this shard
    std::unordered_map<detail::user_key, std::vector<client*>, detail::user_key_hash> users;  // signed-in users here
    core::ulid_generator ids;
    detail::idempotency_window recent;
    // History channels waiting for their position from the store, with what to run then.
    std::unordered_map<core::channel_key, std::vector<net::unique_task>, core::channel_key_hash, core::channel_key_equal>
        awaiting_position;
    // Cluster mode: channels whose broker subscription is active, and subscribes waiting for
    // one to become active.
    std::unordered_set<core::channel_key, core::channel_key_hash, core::channel_key_equal> broker_live;
    std::unordered_map<core::channel_key, std::vector<net::unique_task>, core::channel_key_hash, core::channel_key_equal>
        awaiting_broker;
    // Cluster mode: the presence channels among broker_live, their member events lined up with
    // the member lists on their way.
    std::unordered_map<core::channel_key, detail::member_sequence, core::channel_key_hash, core::channel_key_equal>
        member_sequences;
};

namespace detail {
inline webhooks::channel_event make_event(webhooks::event_kind kind, std::string channel, std::string user_id = {},
                                          std::string data_json = "null") {
    webhooks::channel_event e;
    e.kind = kind;
    e.channel = std::move(channel);
    e.user_id = std::move(user_id);
    e.data_json = std::move(data_json);
    return e;
}
}  // namespace detail

}  // namespace sb::api
