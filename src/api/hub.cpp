#include "api/hub.hpp"

#include "api/client.hpp"
#include "core/channel_name.hpp"
#include "core/channel_state.hpp"
#include "core/clock.hpp"
#include "core/subscription_index.hpp"
#include "net/frame.hpp"
#include "net/shard.hpp"
#include "protocol/pusher/server_events.hpp"

#include <unordered_map>

namespace sb::api {

namespace events = protocol::pusher;

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

struct hub::shard_state {
    // Subscribers on this shard, by channel.
    core::subscription_index<client> local;
    // Channels whose home is this shard.
    std::unordered_map<core::channel_key, core::channel_state, core::channel_key_hash, core::channel_key_equal> home;
    // Signed-in users with connections on this shard.
    std::unordered_map<user_key, std::vector<client*>, user_key_hash> users;
};

hub::hub(net::shard_set& shards, const core::app_registry& apps, const realtime_options& options)
    : shards_(shards), apps_(apps), options_(options) {
    for (std::uint32_t i = 0; i < shards.size(); ++i) states_.push_back(std::make_unique<shard_state>());
}

hub::~hub() = default;

bool hub::admit_connection() noexcept {
    const auto n = connections_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (options_.max_connections > 0 && n > options_.max_connections) {
        connections_.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    return true;
}

void hub::release_connection() noexcept { connections_.fetch_sub(1, std::memory_order_relaxed); }

hub::shard_state& hub::state_here() { return *states_[net::shard::current()->index()]; }

std::uint32_t hub::home_of(const core::channel_key& key) const noexcept {
    return static_cast<std::uint32_t>(core::channel_key_hash{}(key) % shards_.size());
}

void hub::subscribe(subscribe_request request, net::unique_callback<subscribe_result> done) {
    net::shard* origin = net::shard::current();
    const std::uint32_t home = home_of(request.key);
    const std::uint32_t from = origin->index();
    shards_.invoke_on(home, [this, origin, from, req = std::move(request), done = std::move(done)]() mutable {
        auto& st = state_here();
        subscribe_result result;
        auto it = st.home.find(req.key);
        const core::tenant& tenant = apps_.at(req.key.tenant);
        if (it == st.home.end())
            it = st.home.emplace(req.key, core::channel_state(shards_.size(), req.presence, options_.max_presence_members)).first;
        core::channel_state& ch = it->second;
        if (!ch.occupied() && tenant.limits.max_channels &&
            tenant.runtime->occupied_channels.load(std::memory_order_relaxed) >=
                static_cast<std::int64_t>(*tenant.limits.max_channels)) {
            result.outcome = subscribe_result::status::channel_limit;
        } else {
            const auto joined = ch.join(from, req.user_id, req.user_info);
            if (req.presence && joined.presence == core::presence_set::join_result::full) {
                result.outcome = subscribe_result::status::presence_full;
            } else {
                if (joined.became_occupied) tenant.runtime->occupied_channels.fetch_add(1, std::memory_order_relaxed);
                if (req.presence) {
                    if (joined.presence == core::presence_set::join_result::first_connection)
                        fan_out(ch.shard_mask(), req.key, events::member_added(req.key.name, req.user_id, req.user_info), req.socket);
                    result.presence_snapshot = events::presence_subscription_succeeded(req.key.name, *ch.presence());
                }
                if (req.cache) {
                    if (const auto* cached = ch.cache(core::steady_clock_ms()))
                        result.cached_frame = events::channel_event(cached->event, req.key.name, cached->data, cached->user_id);
                }
            }
        }
        if (ch.disposable(core::steady_clock_ms())) st.home.erase(it);
        origin->post([done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
    });
}

hub::attachment hub::attach(client& c, const core::channel_key& key) {
    auto [channel, slot] = state_here().local.add({key.tenant, key.name}, &c);
    return {channel, slot};
}

void hub::detach(client& c, attachment where, std::string user_id) {
    auto& st = state_here();
    using index_t = core::subscription_index<client>;
    auto* channel = static_cast<index_t::channel*>(const_cast<void*>(where.channel));
    core::channel_key key = *channel->key;
    (void)c;
    st.local.remove(channel, where.slot, [channel](client* moved, std::uint32_t slot) { moved->move_slot(channel, slot); });
    leave(key, std::move(user_id));
}

void hub::leave(const core::channel_key& key, std::string user_id) {
    const std::uint32_t from = net::shard::current()->index();
    shards_.invoke_on(home_of(key), [this, from, key, user_id = std::move(user_id)]() mutable {
        auto& st = state_here();
        auto it = st.home.find(key);
        if (it == st.home.end()) return;
        core::channel_state& ch = it->second;
        const auto left = ch.leave(from, user_id);
        if (left.member_removed) fan_out(ch.shard_mask(), key, events::member_removed(key.name, user_id), {});
        if (left.became_vacant) apps_.at(key.tenant).runtime->occupied_channels.fetch_sub(1, std::memory_order_relaxed);
        if (ch.disposable(core::steady_clock_ms())) st.home.erase(it);
    });
}

void hub::publish(publication pub, net::unique_callback<publish_result> done) {
    net::shard* origin = net::shard::current();
    core::channel_key key{pub.tenant->index, pub.channel};
    const std::uint32_t home = home_of(key);
    shards_.invoke_on(home, [this, origin, key = std::move(key), pub = std::move(pub), done = std::move(done)]() mutable {
        auto& st = state_here();
        publish_result result;
        auto it = st.home.find(key);
        const auto traits = core::classify_channel(key.name).traits;
        if (it == st.home.end() && traits.cache && pub.cacheable)
            it = st.home.emplace(key, core::channel_state(shards_.size(), traits.kind == core::channel_kind::presence_channel,
                                                          options_.max_presence_members)).first;
        if (it != st.home.end()) {
            core::channel_state& ch = it->second;
            result.offset = ch.next_offset();
            result.subscription_count = ch.subscriptions();
            result.user_count = ch.presence() ? static_cast<std::uint32_t>(ch.presence()->size()) : 0;
            if (traits.cache && pub.cacheable)
                ch.set_cache({pub.event, pub.data, pub.user_id, core::steady_clock_ms() + options_.cache_ttl_ms});
            if (ch.shard_mask() != 0)
                fan_out(ch.shard_mask(), key, events::channel_event(pub.event, key.name, pub.data, pub.user_id), pub.exclude);
        }
        if (done)
            origin->post([done = std::move(done), result]() mutable { done(result); });
    });
}

void hub::fan_out(std::uint64_t shard_mask, const core::channel_key& key, std::string frame_text,
                  core::socket_id exclude) {
    net::shared_frame f = net::frame::text(frame_text);
    for (std::uint32_t i = 0; i < shards_.size(); ++i) {
        if (!(shard_mask & (std::uint64_t{1} << i))) continue;
        shards_.invoke_on(i, [this, f, key, exclude] {
            auto* channel = state_here().local.find({key.tenant, key.name});
            if (!channel) return;
            const net::frame_ref local(f);
            if (exclude.empty()) {
                for (client* c : channel->subscribers) c->deliver(local);
            } else {
                for (client* c : channel->subscribers)
                    if (!(c->id() == exclude)) c->deliver(local);
            }
        });
    }
}

void hub::query_channel(const core::tenant& t, std::string name, net::unique_callback<channel_info> done) {
    net::shard* origin = net::shard::current();
    core::channel_key key{t.index, std::move(name)};
    shards_.invoke_on(home_of(key), [this, origin, key, done = std::move(done)]() mutable {
        channel_info info;
        auto& st = state_here();
        if (auto it = st.home.find(key); it != st.home.end()) {
            info.occupied = it->second.occupied();
            info.subscription_count = it->second.subscriptions();
            info.user_count = it->second.presence() ? static_cast<std::uint32_t>(it->second.presence()->size()) : 0;
            info.has_cache = it->second.cache(core::steady_clock_ms()) != nullptr;
        }
        origin->post([done = std::move(done), info]() mutable { done(info); });
    });
}

void hub::query_channels(const core::tenant& t, std::string prefix,
                         net::unique_callback<std::vector<channel_summary>> done) {
    struct gather {
        std::vector<channel_summary> rows;
        std::uint32_t remaining;
        net::unique_callback<std::vector<channel_summary>> done;
    };
    net::shard* origin = net::shard::current();
    auto g = std::make_shared<gather>(gather{{}, shards_.size(), std::move(done)});
    const std::uint32_t tenant = t.index;
    shards_.invoke_on_all([this, origin, g, tenant, prefix](net::shard&) {
        return net::unique_task([this, origin, g, tenant, prefix] {
            std::vector<channel_summary> rows;
            for (auto& [key, ch] : state_here().home) {
                if (key.tenant != tenant || !ch.occupied() || key.name.rfind(prefix, 0) != 0) continue;
                rows.push_back({key.name, ch.subscriptions(),
                                ch.presence() ? static_cast<std::uint32_t>(ch.presence()->size()) : 0u,
                                ch.presence() != nullptr});
            }
            origin->post([g, rows = std::move(rows)]() mutable {
                for (auto& r : rows) g->rows.push_back(std::move(r));
                if (--g->remaining == 0) g->done(std::move(g->rows));
            });
        });
    });
}

void hub::query_users(const core::tenant& t, std::string name, net::unique_callback<std::vector<std::string>> done) {
    net::shard* origin = net::shard::current();
    core::channel_key key{t.index, std::move(name)};
    shards_.invoke_on(home_of(key), [this, origin, key, done = std::move(done)]() mutable {
        std::vector<std::string> ids;
        auto& st = state_here();
        if (auto it = st.home.find(key); it != st.home.end() && it->second.presence())
            it->second.presence()->for_each([&](std::string_view id, const auto&) { ids.emplace_back(id); });
        origin->post([done = std::move(done), ids = std::move(ids)]() mutable { done(std::move(ids)); });
    });
}

void hub::presence_snapshot(const core::channel_key& key, net::unique_callback<std::string> done) {
    net::shard* origin = net::shard::current();
    shards_.invoke_on(home_of(key), [this, origin, key, done = std::move(done)]() mutable {
        std::string text;
        auto& st = state_here();
        if (auto it = st.home.find(key); it != st.home.end() && it->second.presence())
            text = events::presence_subscription_succeeded(key.name, *it->second.presence());
        origin->post([done = std::move(done), text = std::move(text)]() mutable { done(std::move(text)); });
    });
}

void hub::add_user(client& c, std::uint32_t tenant, const std::string& user_id) {
    state_here().users[user_key{tenant, user_id}].push_back(&c);
}

void hub::remove_user(client& c, std::uint32_t tenant, const std::string& user_id) {
    auto& users = state_here().users;
    auto it = users.find(user_key{tenant, user_id});
    if (it == users.end()) return;
    auto& list = it->second;
    std::erase(list, &c);
    if (list.empty()) users.erase(it);
}

void hub::terminate_user(const core::tenant& t, std::string user_id) {
    const std::uint32_t tenant = t.index;
    shards_.invoke_on_all([this, tenant, user_id](net::shard&) {
        return net::unique_task([this, tenant, user_id] {
            auto& users = state_here().users;
            auto it = users.find(user_key{tenant, user_id});
            if (it == users.end()) return;
            const auto victims = it->second;  // refuse() detaches, which edits the list
            for (client* c : victims)
                c->refuse(protocol::pusher::errors::unauthorized, "Connection terminated by the app");
        });
    });
}

}  // namespace sb::api
