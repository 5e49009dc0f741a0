#pragma once
// One shard's map from channel to the subscribers connected to that shard (STYLE.md section 2).
// Subscribers of a channel are kept in groups (plain Pusher connections and native-extension
// connections), because each group receives its own encoding of a publication.
//
// Owned by one shard and used only on its thread. Each subscriber remembers its slot in every
// channel it joined, so removal is O(1): the last subscriber moves into the freed slot and is told
// its new slot through the `on_move` callback. Iterating a channel is linear in its local
// subscribers and touches nothing else. A channel entry disappears with its last subscriber;
// pointers to other entries stay valid (node-based map).
//
// Do not add or remove subscribers of a channel while iterating it: fan-out marks a subscriber
// for closing and removes it afterwards.

#include "core/channel_key.hpp"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace sb::core {

template <class Subscriber>
class subscription_index {
public:
    static constexpr std::size_t group_count = 2;

    struct channel {
        const channel_key* key = nullptr;  // points into the map node, stable while it exists
        std::vector<Subscriber*> groups[group_count];
        [[nodiscard]] bool empty() const noexcept {
            for (const auto& g : groups)
                if (!g.empty()) return false;
            return true;
        }
    };

    // Adds `s` to a group of the channel (creating it) and returns the channel and the slot of
    // `s` in that group.
    std::pair<channel*, std::uint32_t> add(channel_key_view key, Subscriber* s, std::size_t group = 0) {
        auto it = channels_.find(key);
        if (it == channels_.end()) {
            it = channels_.emplace(channel_key{key.tenant, std::string(key.name)}, channel{}).first;
            it->second.key = &it->first;
        }
        auto& subs = it->second.groups[group];
        subs.push_back(s);
        return {&it->second, static_cast<std::uint32_t>(subs.size() - 1)};
    }

    // Removes the subscriber at `slot` of `group`. `on_move(subscriber, new_slot)` is called for
    // the subscriber that moved into the slot, if any. Returns true when the channel became
    // empty and was erased (the pointer is dangling afterwards).
    template <class OnMove>
    bool remove(channel* ch, std::size_t group, std::uint32_t slot, OnMove&& on_move) {
        auto& subs = ch->groups[group];
        const std::uint32_t last = static_cast<std::uint32_t>(subs.size() - 1);
        if (slot != last) {
            subs[slot] = subs[last];
            on_move(subs[slot], slot);
        }
        subs.pop_back();
        if (!ch->empty()) return false;
        channels_.erase(channels_.find(channel_key_view{ch->key->tenant, ch->key->name}));
        return true;
    }

    [[nodiscard]] channel* find(channel_key_view key) {
        auto it = channels_.find(key);
        return it == channels_.end() ? nullptr : &it->second;
    }

    [[nodiscard]] std::size_t channel_count() const noexcept { return channels_.size(); }

    template <class F>
    void for_each_channel(F&& f) {
        for (auto& [key, ch] : channels_) f(key, ch);
    }

private:
    std::unordered_map<channel_key, channel, channel_key_hash, channel_key_equal> channels_;
};

}  // namespace sb::core
