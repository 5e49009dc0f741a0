#include "api/hub.hpp"

#include "api/client.hpp"
#include "api/detail/hub_state.hpp"
#include "broker/broker.hpp"
#include "broker/envelope.hpp"
#include "core/channel_grant.hpp"
#include "core/channel_name.hpp"
#include "core/channel_state.hpp"
#include "core/clock.hpp"
#include "core/subscription_index.hpp"
#include "net/frame.hpp"
#include "history/storage_runner.hpp"
#include "net/shard.hpp"
#include "protocol/pusher/server_events.hpp"
#include "webhooks/event_sink.hpp"

#include <deque>
#include <limits>
#include <random>
#include <unordered_map>
#include <unordered_set>

namespace sb::api {

namespace events = protocol::pusher;
using namespace detail;

hub::hub(net::shard_set& shards, const core::app_registry& apps, const realtime_options& options,
         history::storage_runner* history, history_options history_opts)
    : shards_(shards), apps_(apps), options_(options), history_(history), history_opts_(history_opts) {
    std::random_device rd;
    for (std::uint32_t i = 0; i < shards.size(); ++i)
        states_.push_back(std::make_unique<shard_state>((std::uint64_t{rd()} << 32) ^ rd() ^ i));
    apps_.for_each([this](const core::tenant& t) { tenant_by_name_.emplace(storage_tenant(t), t.index); });
    remote_connections_ = std::vector<std::atomic<std::int64_t>>(apps_.size());
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

bool hub::wants(const core::tenant& t, webhooks::event_kind kind) const noexcept {
    return sink_ && sink_->wants(t, kind);
}

void hub::emit(const core::tenant& t, webhooks::channel_event event) const {
    if (wants(t, event.kind)) sink_->emit(t, std::move(event));
}

std::string hub::storage_tenant(const core::tenant& t) {
    return t.config.id + "/" + std::string(core::to_string(t.env));
}

bool hub::keeps_history(const core::tenant& t, std::string_view channel) const {
    if (!history_) return false;
    if (core::classify_channel(channel).traits.kind == core::channel_kind::server_to_user) return false;
    return core::matches_any_grant(t.config.history_channels, channel);
}

core::channel_state& hub::home_channel(const core::channel_key& key) {
    auto& st = state_here();
    auto it = st.home.find(key);
    if (it != st.home.end()) return it->second;
    const bool presence = core::classify_channel(key.name).traits.kind == core::channel_kind::presence_channel;
    auto& ch = st.home.emplace(key, core::channel_state(shards_.size(), presence, options_.max_presence_members))
                   .first->second;
    ch.set_epoch(st.ids.next("", core::wall_clock_ms()).substr(16));  // the random tail of a fresh id
    if (keeps_history(apps_.at(key.tenant), key.name)) ch.keep_history(history_opts_.recent_messages);
    ch.touch(core::steady_clock_ms());
    return ch;
}

namespace {

void forget_if_idle(channel_map& home, const core::channel_key& key, std::uint64_t idle_ms) {
    auto it = home.find(key);
    if (it != home.end() && it->second.disposable(core::steady_clock_ms(), idle_ms)) home.erase(it);
}

}  // namespace

void hub::sweep_idle_channels() {
    auto& home = state_here().home;
    const auto now = core::steady_clock_ms();
    if (broker_) expire_member_lists();
    for (auto it = home.begin(); it != home.end();) {
        if (it->second.disposable(now, history_opts_.idle_channel_ms))
            it = home.erase(it);
        else
            ++it;
    }
}

bool hub::needs_position(const core::channel_state& ch) noexcept {
    return ch.keeps_history() && !ch.position_loaded();
}

void hub::await_position(const core::channel_key& key, net::unique_task retry) {
    auto& waiting = state_here().awaiting_position[key];
    waiting.push_back(std::move(retry));
    if (waiting.size() > 1) return;  // already asked
    net::shard* home = net::shard::current();
    const std::string tenant = storage_tenant(apps_.at(key.tenant));
    history_->read([this, home, key, tenant](storage::connection& conn) {
        auto position = conn.position(tenant, key.name);
        home->post([this, key, position = std::move(position)]() mutable {
            auto& st = state_here();
            home_channel(key).load_position(position.last_offset, std::move(position.epoch));
            auto node = st.awaiting_position.extract(key);
            if (node.empty()) return;
            for (auto& task : node.mapped()) task();
        });
    });
}


void hub::subscribe(subscribe_request request, net::unique_callback<subscribe_result> done) {
    net::shard* origin = net::shard::current();
    const std::uint32_t from = origin->index();
    const std::uint32_t home = home_of(request.key);  // before the lambda moves the request
    shards_.invoke_on(home, [this, origin, from, req = std::move(request), done = std::move(done)]() mutable {
        home_subscribe(std::move(req), origin, from, std::move(done));
    });
}

void hub::home_subscribe(subscribe_request req, net::shard* origin, std::uint32_t from,
                         net::unique_callback<subscribe_result> done) {
    auto& st = state_here();
    core::channel_state& ch = home_channel(req.key);
    const core::channel_key key = req.key;
    if (needs_position(ch))
        return await_position(key, [this, req = std::move(req), origin, from, done = std::move(done)]() mutable {
            home_subscribe(std::move(req), origin, from, std::move(done));
        });
    if (broker_ && !st.broker_live.contains(key))
        return await_broker(key, [this, req = std::move(req), origin, from, done = std::move(done)]() mutable {
            home_subscribe(std::move(req), origin, from, std::move(done));
        });
    subscribe_result result;
    const core::tenant& tenant = apps_.at(req.key.tenant);
    ch.touch(core::steady_clock_ms());
    if (!ch.occupied() && tenant.limits.max_channels &&
        tenant.runtime->occupied_channels.load(std::memory_order_relaxed) >=
            static_cast<std::int64_t>(*tenant.limits.max_channels)) {
        result.outcome = subscribe_result::status::channel_limit;
    } else {
        const auto joined = ch.join(from, req.native, req.user_id, req.user_info);
        if (req.presence && !req.user_id.empty() && joined.presence == core::presence_set::join_result::full) {
            result.outcome = subscribe_result::status::presence_full;
        } else {
            if (joined.became_occupied) {
                tenant.runtime->occupied_channels.fetch_add(1, std::memory_order_relaxed);
                // In cluster mode the broker decides whether the channel became occupied cluster-wide
                // (count_subscription).
                if (!broker_) emit(tenant, make_event(webhooks::event_kind::channel_occupied, req.key.name));
            }
            if (req.presence && !broker_) {
                if (!req.user_id.empty() && joined.presence == core::presence_set::join_result::first_connection) {
                    emit(tenant, make_event(webhooks::event_kind::member_added, req.key.name, req.user_id, req.user_info));
                    auto f = std::make_shared<frames>();
                    f->group[0] = net::frame::text(events::member_added(req.key.name, req.user_id, req.user_info));
                    f->group[1] = net::frame::text(
                        events::presence_member_event("presence:join", req.key.name, req.user_id, req.user_info));
                    fan_out(ch.shard_mask(), req.key, std::move(f), req.socket);
                }
                result.presence_snapshot = events::presence_subscription_succeeded(req.key.name, *ch.presence());
                if (req.native) result.presence_sync = events::presence_sync(req.key.name, *ch.presence());
            }
            if (req.cache) {
                if (const auto* cached = ch.cache(core::steady_clock_ms()))
                    result.cached_frame = events::channel_event(cached->event, req.key.name, cached->data, cached->user_id);
            }
            result.offset = ch.last_offset();
            result.epoch = ch.epoch();
            if (req.recover) {
                const auto& want = *req.recover;
                const auto& recent = ch.recent();
                if (want.epoch != ch.epoch() || want.offset > ch.last_offset()) {
                    result.recover = recovery::impossible;
                } else if (want.offset == ch.last_offset()) {
                    result.recover = recovery::from_memory;  // nothing was missed
                } else if (!recent.empty() && recent.front().offset <= want.offset + 1 &&
                           recent.back().offset == ch.last_offset()) {
                    result.recover = recovery::from_memory;
                    for (const auto& m : recent)
                        if (m.offset > want.offset)
                            result.missed.push_back(events::native_channel_event(
                                m.event, req.key.name, m.data,
                                events::message_meta{m.id, m.offset, ch.epoch(), m.user_id, m.created_at_ms}));
                } else {
                    result.recover = ch.keeps_history() ? recovery::from_storage : recovery::impossible;
                }
            }
        }
    }
    if (broker_ && result.outcome == subscribe_result::status::ok) count_subscription(key, 1);
    if (broker_ && req.presence && result.outcome == subscribe_result::status::ok)
        return cluster_join_presence(std::move(req), std::move(result), origin, from, std::move(done));
    if (broker_) release_broker_if_vacant(key);
    forget_if_idle(st.home, key, history_opts_.idle_channel_ms);
    origin->post([done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
}

hub::attachment hub::attach(client& c, const core::channel_key& key, bool native) {
    const std::uint8_t group = native ? 1 : 0;
    auto [channel, slot] = state_here().local.add({key.tenant, key.name}, &c, group);
    return {channel, group, slot};
}

void hub::detach(attachment where, std::string user_id) {
    auto& st = state_here();
    using index_t = core::subscription_index<client>;
    auto* channel = static_cast<index_t::channel*>(const_cast<void*>(where.channel));
    core::channel_key key = *channel->key;
    st.local.remove(channel, where.group, where.slot,
                    [channel](client* moved, std::uint32_t slot) { moved->move_slot(channel, slot); });
    leave(key, where.group == 1, std::move(user_id));
}

void hub::leave(const core::channel_key& key, bool native, std::string user_id) {
    const std::uint32_t from = net::shard::current()->index();
    shards_.invoke_on(home_of(key), [this, from, key, native, user_id = std::move(user_id)]() mutable {
        auto& st = state_here();
        auto it = st.home.find(key);
        if (it == st.home.end()) return;
        core::channel_state& ch = it->second;
        // The member's info, for presence:leave, before the membership goes.
        std::string info = "null";
        if (ch.presence())
            if (const auto* m = ch.presence()->find(user_id)) info = m->info_json;
        const auto left = ch.leave(from, native, user_id);
        const core::tenant& tenant = apps_.at(key.tenant);
        if (broker_) count_subscription(key, -1);
        if (broker_ && ch.presence() && !user_id.empty()) cluster_leave_presence(key, user_id);
        if (left.member_removed && !broker_) {
            emit(tenant, make_event(webhooks::event_kind::member_removed, key.name, user_id, info));
            auto f = std::make_shared<frames>();
            f->group[0] = net::frame::text(events::member_removed(key.name, user_id));
            f->group[1] = net::frame::text(events::presence_member_event("presence:leave", key.name, user_id, info));
            fan_out(ch.shard_mask(), key, std::move(f), {});
        }
        if (left.became_vacant) {
            tenant.runtime->occupied_channels.fetch_sub(1, std::memory_order_relaxed);
            if (!broker_) emit(tenant, make_event(webhooks::event_kind::channel_vacated, key.name));
            if (broker_) release_broker_if_vacant(key);
        }
        forget_if_idle(st.home, key, history_opts_.idle_channel_ms);
    });
}

void hub::change_presence(core::channel_key key, presence_change change, net::unique_callback<bool> done) {
    net::shard* origin = net::shard::current();
    if (broker_) return cluster_change_presence(std::move(key), std::move(change), origin, std::move(done));
    const std::uint32_t home = home_of(key);  // before the lambda moves the key
    shards_.invoke_on(home, [this, origin, key = std::move(key), change = std::move(change),
                                     done = std::move(done)]() mutable {
        auto& st = state_here();
        bool applied = false;
        auto it = st.home.find(key);
        if (it != st.home.end() && it->second.presence()) {
            core::channel_state& ch = it->second;
            auto f = std::make_shared<frames>();
            switch (change.what) {
                case presence_change::kind::enter: {
                    const auto r = ch.enter(change.user_id, change.info_json);
                    applied = r != core::presence_set::join_result::full;
                    if (r == core::presence_set::join_result::first_connection) {
                        emit(apps_.at(key.tenant), make_event(webhooks::event_kind::member_added, key.name,
                                                              change.user_id, change.info_json));
                        f->group[0] = net::frame::text(events::member_added(key.name, change.user_id, change.info_json));
                        f->group[1] = net::frame::text(
                            events::presence_member_event("presence:join", key.name, change.user_id, change.info_json));
                    } else if (applied) {
                        ch.presence()->update(change.user_id, change.info_json);
                        emit(apps_.at(key.tenant), make_event(webhooks::event_kind::member_updated, key.name,
                                                              change.user_id, change.info_json));
                        f->group[1] = net::frame::text(
                            events::presence_member_event("presence:update", key.name, change.user_id, change.info_json));
                    }
                    break;
                }
                case presence_change::kind::update:
                    applied = ch.presence()->update(change.user_id, change.info_json);
                    if (applied)
                        emit(apps_.at(key.tenant), make_event(webhooks::event_kind::member_updated, key.name,
                                                              change.user_id, change.info_json));
                    if (applied)
                        f->group[1] = net::frame::text(
                            events::presence_member_event("presence:update", key.name, change.user_id, change.info_json));
                    break;
                case presence_change::kind::leave: {
                    std::string info = "null";
                    if (const auto* m = ch.presence()->find(change.user_id)) info = m->info_json;
                    applied = ch.presence()->find(change.user_id) != nullptr;
                    if (ch.exit(change.user_id)) {
                        emit(apps_.at(key.tenant),
                             make_event(webhooks::event_kind::member_removed, key.name, change.user_id, info));
                        f->group[0] = net::frame::text(events::member_removed(key.name, change.user_id));
                        f->group[1] = net::frame::text(
                            events::presence_member_event("presence:leave", key.name, change.user_id, info));
                    }
                    break;
                }
            }
            if (f->group[0] || f->group[1]) fan_out(ch.shard_mask(), key, std::move(f), {});
        }
        origin->post([done = std::move(done), applied]() mutable { done(applied); });
    });
}

void hub::publish(publication pub, net::unique_callback<publish_result> done) {
    net::shard* origin = net::shard::current();
    core::channel_key key{pub.tenant->index, pub.channel};
    const std::uint32_t home = home_of(key);  // before the lambda moves the key
    shards_.invoke_on(home, [this, origin, key = std::move(key), pub = std::move(pub), done = std::move(done)]() mutable {
        home_publish(std::move(key), std::move(pub), origin, std::move(done));
    });
}

void hub::home_publish(core::channel_key key, publication pub, net::shard* origin,
                       net::unique_callback<publish_result> done) {
    auto& st = state_here();
    const std::uint64_t now_steady = core::steady_clock_ms();
    auto reply = [origin](net::unique_callback<publish_result>& cb, publish_result r) {
        if (cb) origin->post([cb = std::move(cb), r = std::move(r)]() mutable { cb(std::move(r)); });
    };
    std::string scope;
    if (!pub.idempotency_key.empty()) {
        scope = idempotency_scope(key, pub.idempotency_key);
        if (const publish_result* seen = st.recent.find(scope, now_steady)) {
            publish_result again = *seen;
            again.duplicate = true;
            return reply(done, std::move(again));
        }
    }
    const auto traits = core::classify_channel(key.name).traits;
    const bool keep_cache = traits.cache && pub.cacheable && pub.to == audience::everyone;
    const bool store = pub.storable && pub.to == audience::everyone && keeps_history(apps_.at(key.tenant), key.name);
    auto it = st.home.find(key);
    if (it == st.home.end() && (keep_cache || store)) home_channel(key);
    it = st.home.find(key);
    if (it != st.home.end() && needs_position(it->second))
        return await_position(key, [this, key, pub = std::move(pub), origin, done = std::move(done)]() mutable {
            home_publish(std::move(key), std::move(pub), origin, std::move(done));
        });
    if (broker_)
        return cluster_publish(std::move(key), std::move(pub), origin, std::move(done), std::move(scope), keep_cache,
                               store);

    publish_result result;
    result.created_at_ms = core::wall_clock_ms();
    result.id = st.ids.next("msg_", result.created_at_ms);
    emit_message_event(pub, key, result);
    if (it != st.home.end()) {
        core::channel_state& ch = it->second;
        ch.touch(now_steady);
        if (pub.to == audience::everyone) {
            result.offset = ch.next_offset();
            result.epoch = ch.epoch();
        }
        result.subscription_count = ch.subscriptions();
        result.user_count = ch.presence() ? static_cast<std::uint32_t>(ch.presence()->size()) : 0;
        if (keep_cache)
            ch.set_cache({pub.event, pub.data, pub.user_id_in_pusher_frame ? pub.user_id : std::string{},
                          now_steady + options_.cache_ttl_ms});
        if (ch.shard_mask() != 0) {
            auto f = std::make_shared<frames>();
            if (pub.to == audience::everyone && ch.plain_subscriptions() > 0)
                f->group[0] = net::frame::text(events::channel_event(
                    pub.event, key.name, pub.data, pub.user_id_in_pusher_frame ? pub.user_id : std::string_view{}));
            if (ch.native_subscriptions() > 0)
                f->group[1] = net::frame::text(events::native_channel_event(
                    pub.event, key.name, pub.data,
                    events::message_meta{result.id, ch.keeps_history() ? result.offset : 0, result.epoch, pub.user_id,
                                         result.created_at_ms}));
            if (f->group[0] || f->group[1]) fan_out(ch.shard_mask(), key, std::move(f), pub.exclude);
        }
        if (store) {
            ch.remember({result.offset, result.id, pub.event, pub.data, pub.user_id, result.created_at_ms});
            ch.append_started();
            storage::message_record record;
            record.tenant = storage_tenant(*pub.tenant);
            record.channel = key.name;
            record.id = result.id;
            record.offset = result.offset;
            record.user_id = pub.user_id;
            record.event = std::move(pub.event);
            record.data = std::move(pub.data);
            record.created_at_ms = result.created_at_ms;
            record.idempotency_key = std::move(pub.idempotency_key);
            if (!scope.empty()) st.recent.remember(std::move(scope), result, now_steady + options_.idempotency_window_ms);
            net::shard* home = net::shard::current();
            history_->append(std::move(record), [this, home, origin, key, result, done = std::move(done)](bool stored) mutable {
                home->post([this, key] {
                    if (auto h = state_here().home.find(key); h != state_here().home.end()) h->second.append_finished();
                });
                result.stored = stored;
                result.failed = !stored;
                if (done) origin->post([done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
            });
            return;
        }
    }
    if (!scope.empty()) st.recent.remember(std::move(scope), result, now_steady + options_.idempotency_window_ms);
    reply(done, std::move(result));
}

void hub::emit_message_event(const publication& pub, const core::channel_key& key, const publish_result& result) {
    const auto message_kind =
        pub.event.rfind("client-", 0) == 0 ? webhooks::event_kind::client_event : webhooks::event_kind::message_sent;
    if (pub.to != audience::everyone || !wants(*pub.tenant, message_kind)) return;
    webhooks::channel_event e;
    e.kind = message_kind;
    e.channel = key.name;
    e.user_id = pub.user_id;
    if (!pub.exclude.empty()) e.socket_id = pub.exclude.to_string();
    e.message_id = result.id;
    e.event = pub.event;
    e.message_data = pub.data;
    e.created_at_ms = result.created_at_ms;
    sink_->emit(*pub.tenant, std::move(e));
}

struct hub::import_job {
    core::channel_key key;
    std::vector<import_item> items;
    net::unique_callback<std::vector<publish_result>> done;
};

void hub::import_messages(const core::tenant& t, std::string channel, std::vector<import_item> items,
                          net::unique_callback<std::vector<publish_result>> done) {
    net::shard* origin = net::shard::current();
    auto job = std::make_shared<import_job>(import_job{core::channel_key{t.index, std::move(channel)}, std::move(items),
                                                       std::move(done)});
    const std::uint32_t home = home_of(job->key);
    shards_.invoke_on(home, [this, origin, job] { home_import(job, origin); });
}

void hub::home_import(std::shared_ptr<import_job> job, net::shard* origin) {
    core::channel_state& ch = home_channel(job->key);
    if (needs_position(ch)) return await_position(job->key, [this, job, origin] { home_import(job, origin); });
    ch.touch(core::steady_clock_ms());
    if (job->items.empty()) {
        origin->post([job] { job->done({}); });
        return;
    }
    // Ids carry the original times, so pages sort imported messages among the others.
    std::random_device rd;
    core::ulid_generator ids((std::uint64_t{rd()} << 32) ^ rd());
    struct progress {
        std::vector<publish_result> results;
        std::size_t remaining = 0;
        bool ok = true;
    };
    auto p = std::make_shared<progress>();
    p->results.resize(job->items.size());
    p->remaining = job->items.size();
    net::shard* home_shard = net::shard::current();
    const std::string tenant = storage_tenant(apps_.at(job->key.tenant));
    for (std::size_t i = 0; i < job->items.size(); ++i) {
        auto& item = job->items[i];
        publish_result r;
        r.created_at_ms = item.created_at_ms;
        r.id = ids.next("msg_", item.created_at_ms);
        r.offset = ch.next_offset();
        r.epoch = ch.epoch();
        p->results[i] = r;
        ch.append_started();
        storage::message_record record{tenant, job->key.name, r.id, r.offset, std::move(item.user_id),
                                       std::move(item.event), std::move(item.data), item.created_at_ms, {}};
        // Completions run one at a time on the writer thread, so `p` needs no lock.
        history_->append(std::move(record), [this, p, job, home_shard, origin, i](bool stored) {
            home_shard->post([this, job] {
                auto& home = state_here().home;
                if (auto h = home.find(job->key); h != home.end()) h->second.append_finished();
            });
            p->results[i].stored = stored;
            p->ok = p->ok && stored;
            if (--p->remaining == 0)
                origin->post([p, job] { job->done(p->ok ? std::move(p->results) : std::vector<publish_result>{}); });
        });
    }
}

void hub::fan_out(std::uint64_t shard_mask, const core::channel_key& key, std::shared_ptr<const frames> f,
                  core::socket_id exclude) {
    for (std::uint32_t i = 0; i < shards_.size(); ++i) {
        if (!(shard_mask & (std::uint64_t{1} << i))) continue;
        shards_.invoke_on(i, [this, f, key, exclude] {
            auto* channel = state_here().local.find({key.tenant, key.name});
            if (!channel) return;
            for (std::size_t g = 0; g < 2; ++g) {
                if (!f->group[g] || channel->groups[g].empty()) continue;
                const net::frame_ref local(f->group[g]);
                if (exclude.empty()) {
                    for (client* c : channel->groups[g]) c->deliver(local, channel);
                } else {
                    for (client* c : channel->groups[g])
                        if (!(c->id() == exclude)) c->deliver(local, channel);
                }
            }
        });
    }
}

void hub::query_channel(const core::tenant& t, std::string name, net::unique_callback<channel_info> done) {
    net::shard* origin = net::shard::current();
    core::channel_key key{t.index, std::move(name)};
    if (broker_) return cluster_query_channel(std::move(key), origin, std::move(done));
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
    if (broker_) return cluster_query_channels(t, std::move(prefix), origin, std::move(done));
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
    if (broker_) {
        return cluster_members(key, [origin, done = std::move(done)](std::vector<std::pair<std::string, std::string>> members) mutable {
            std::vector<std::string> ids;
            ids.reserve(members.size());
            for (auto& m : members) ids.push_back(std::move(m.first));
            origin->post([done = std::move(done), ids = std::move(ids)]() mutable { done(std::move(ids)); });
        });
    }
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
    if (broker_) {
        return cluster_members(key, [origin, name = key.name, done = std::move(done)](std::vector<std::pair<std::string, std::string>> members) mutable {
            core::presence_set set(std::numeric_limits<std::size_t>::max());  // a snapshot: no bound
            for (auto& [id, info] : members) (void)set.join(id, info);
            std::string text = events::presence_subscription_succeeded(name, set);
            origin->post([done = std::move(done), text = std::move(text)]() mutable { done(std::move(text)); });
        });
    }
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
    if (broker_) return cluster_terminate_user(t, std::move(user_id));
    terminate_user_here(t.index, std::move(user_id));
}

void hub::terminate_user_here(std::uint32_t tenant, std::string user_id) {
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
