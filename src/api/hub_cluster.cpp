// The hub in cluster mode (hub.hpp "cluster mode"): publications go through the broker, which
// numbers them and hands them to every subscribed node, this one included.
//
// Flow of one publication: origin shard → channel's home shard (idempotency, webhook event,
// envelope) → broker shard (broker::publish: offset + PUBLISH in one step) → home shard again
// (the reply: store with the offset, answer the publisher). Separately, on every node with
// subscribers: broker shard (envelope) → home shard (position, cache, recent tail, encode once)
// → each shard with subscribers (sockets). The publishing node does not deliver on its own, so
// every subscriber gets each publication exactly once, in offset order.

#include <utility>

#include "api/hub.hpp"

#include "api/client.hpp"
#include "api/detail/hub_state.hpp"
#include "broker/broker.hpp"
#include "broker/envelope.hpp"
#include "core/channel_name.hpp"
#include "core/clock.hpp"
#include "history/storage_runner.hpp"
#include "net/shard.hpp"
#include "protocol/pusher/server_events.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace sb::api {

namespace events = protocol::pusher;
using namespace detail;

namespace {
// How long a member list waits for the member events before it (normally a pub/sub hop); longer
// only when one was lost (broker outage), and then the list goes anyway. Checked every second.
constexpr std::uint64_t member_list_patience_ms = 2000;
}  // namespace

void hub::set_broker(broker::broker* b, std::uint32_t broker_shard, std::string node_id) {
    broker_ = b;
    broker_shard_ = broker_shard;
    node_id_ = std::move(node_id);
}

std::string hub::topic_of(const core::channel_key& key) const {
    return broker::topic_of(storage_tenant(apps_.at(key.tenant)), key.name);
}

// One publication on its way through the broker (home shard → broker shard → home shard).
struct hub::cluster_publication {
    core::channel_key key;
    publication pub;
    net::shard* origin = nullptr;
    net::shard* home = nullptr;
    net::unique_callback<publish_result> done;
    std::string scope;  // idempotency scope, or empty
    bool store = false;
    publish_result result;
    broker::envelope envelope;
    broker::publish_options options;
};

void hub::cluster_publish(core::channel_key key, publication pub, net::shard* origin,
                          net::unique_callback<publish_result> done, std::string scope, bool keep_cache, bool store) {
    auto& st = state_here();
    auto p = std::make_shared<cluster_publication>();
    p->result.created_at_ms = core::wall_clock_ms();
    p->result.id = st.ids.next("msg_", p->result.created_at_ms);

    broker::publish_options& options = p->options;
    options.numbered = pub.to == audience::everyone;
    // Checked by the broker too, so a repeat sent to another node is caught as well.
    if (!scope.empty()) {
        options.idempotency_key = pub.idempotency_key;
        options.idempotency_window_ms = options_.idempotency_window_ms;
    }
    if (keep_cache) options.cache_ttl_ms = options_.cache_ttl_ms;
    if (auto it = st.home.find(key); it != st.home.end()) {
        options.initial = {it->second.last_offset(), it->second.epoch()};
        // A channel with history must never reuse an offset the store holds: when Redis has no
        // position (first use, or Redis lost its data) the store's current one is read first.
        options.require_position = it->second.keeps_history();
    } else {
        options.initial = {0, st.ids.next("", p->result.created_at_ms).substr(16)};  // a fresh random epoch
    }

    broker::envelope& e = p->envelope;
    e.origin_node = node_id_;
    e.tenant = storage_tenant(*pub.tenant);
    e.channel = key.name;
    e.event = pub.event;
    e.data = pub.data;
    if (!pub.exclude.empty()) e.exclude = pub.exclude.to_string();
    e.user_id = pub.user_id;
    e.id = p->result.id;
    e.created_at_ms = p->result.created_at_ms;
    e.user_id_in_pusher_frame = pub.user_id_in_pusher_frame;
    e.native_only = pub.to == audience::native_only;
    e.cacheable = keep_cache;
    e.storable = store;

    p->key = std::move(key);
    p->pub = std::move(pub);
    p->origin = origin;
    p->home = net::shard::current();
    p->done = std::move(done);
    p->scope = std::move(scope);
    p->store = store;
    send_to_broker(std::move(p));
}

void hub::send_to_broker(std::shared_ptr<cluster_publication> p) {
    shards_.invoke_on(broker_shard_, [this, p]() mutable {
        broker_->publish(topic_of(p->key), p->envelope, p->options, [this, p](broker::publish_outcome out) mutable {
            p->home->post([this, p, out = std::move(out)]() mutable { on_numbered(std::move(p), std::move(out)); });
        });
    });
}

void hub::on_numbered(std::shared_ptr<cluster_publication> p, broker::publish_outcome out) {
    auto& st = state_here();
    auto reply = [](cluster_publication& q) {
        if (q.done)
            q.origin->post([cb = std::move(q.done), r = std::move(q.result)]() mutable { cb(std::move(r)); });
    };
    if (out.ok && out.needs_position) {
        // Redis has no position for this history channel: read the store's, then publish again.
        const std::string tenant = storage_tenant(*p->pub.tenant);
        history_->read([this, p, tenant](storage::connection& conn) mutable {
            auto position = conn.position(tenant, p->key.name);
            p->home->post([this, p, position = std::move(position)]() mutable {
                auto& here = state_here();
                std::uint64_t offset = position.last_offset;
                if (auto it = here.home.find(p->key); it != here.home.end())
                    offset = std::max(offset, it->second.last_offset());
                p->options.initial = {offset, std::move(position.epoch)};
                p->options.require_position = false;
                send_to_broker(std::move(p));
            });
        });
        return;
    }
    if (!out.ok) {
        // Nobody received it; the publisher hears that it failed (HTTP 5xx, native nack).
        p->result.failed = true;
        return reply(*p);
    }
    publish_result& result = p->result;
    if (out.duplicate) {
        // Another node (or this one, before its window forgot) published it: answer as it did.
        result.duplicate = true;
        result.id = std::move(out.id);
        result.created_at_ms = out.created_at_ms;
        result.offset = out.position.offset;
        result.epoch = std::move(out.position.epoch);
        if (!p->scope.empty())
            st.recent.remember(std::move(p->scope), result, core::steady_clock_ms() + options_.idempotency_window_ms);
        return reply(*p);
    }
    result.offset = out.position.offset;
    result.epoch = std::move(out.position.epoch);
    // Only now, when it went out once: a duplicate or a failed publish is no message_sent.
    emit_message_event(p->pub, p->key, result);
    if (auto it = st.home.find(p->key); it != st.home.end()) {
        core::channel_state& ch = it->second;
        // This node may not receive its own publication (no local subscriber): keep its position
        // current anyway, it is what numbering restarts from if Redis loses its data.
        if (result.offset > ch.last_offset()) ch.set_last_offset(result.offset);
        result.subscription_count = ch.subscriptions();
        result.user_count = ch.presence() ? static_cast<std::uint32_t>(ch.presence()->size()) : 0;
    }
    if (!p->scope.empty())
        st.recent.remember(std::move(p->scope), result, core::steady_clock_ms() + options_.idempotency_window_ms);
    if (!p->store) return reply(*p);
    core::channel_state& ch = home_channel(p->key);
    ch.append_started();
    storage::message_record record;
    record.tenant = storage_tenant(*p->pub.tenant);
    record.channel = p->key.name;
    record.id = result.id;
    record.offset = result.offset;
    record.user_id = p->pub.user_id;
    record.event = std::move(p->pub.event);
    record.data = std::move(p->pub.data);
    record.created_at_ms = result.created_at_ms;
    record.idempotency_key = std::move(p->pub.idempotency_key);
    history_->append(std::move(record), [this, p](bool stored) mutable {
        p->home->post([this, key = p->key] {
            if (auto h = state_here().home.find(key); h != state_here().home.end()) h->second.append_finished();
        });
        p->result.stored = stored;
        p->result.failed = !stored;
        if (p->done)
            p->origin->post([cb = std::move(p->done), r = std::move(p->result)]() mutable { cb(std::move(r)); });
    });
}

void hub::on_envelope(broker::envelope&& e) {
    auto t = tenant_by_name_.find(e.tenant);
    if (t == tenant_by_name_.end()) return;  // an app this node is not configured with
    if (e.kind == broker::envelope_kind::terminate_user) return terminate_user_here(t->second, std::move(e.user_id));
    core::channel_key key{t->second, e.channel};
    const std::uint32_t home = home_of(key);
    shards_.invoke_on(home, [this, key = std::move(key), e = std::move(e)]() mutable { home_deliver(key, std::move(e)); });
}

void hub::home_deliver(const core::channel_key& key, broker::envelope e) {
    auto& st = state_here();
    auto it = st.home.find(key);
    if (it == st.home.end()) return;  // nobody here any more
    core::channel_state& ch = it->second;
    const auto now = core::steady_clock_ms();
    ch.touch(now);
    core::socket_id exclude;
    if (!e.exclude.empty()) (void)core::parse_socket_id(e.exclude, exclude);
    auto f = std::make_shared<frames>();
    switch (e.kind) {
        case broker::envelope_kind::message: {
            if (e.offset > 0) {
                if (e.offset > ch.last_offset()) ch.set_last_offset(e.offset);
                if (!e.epoch.empty() && e.epoch != ch.epoch()) ch.set_epoch(e.epoch);
            }
            if (e.cacheable)
                ch.set_cache({e.event, e.data, e.user_id_in_pusher_frame ? e.user_id : std::string{},
                              now + options_.cache_ttl_ms});
            if (e.storable && ch.keeps_history() && e.offset > 0)
                ch.remember({e.offset, e.id, e.event, e.data, e.user_id, e.created_at_ms});
            if (!e.native_only && ch.plain_subscriptions() > 0)
                f->group[0] = net::frame::text(events::channel_event(
                    e.event, key.name, e.data, e.user_id_in_pusher_frame ? e.user_id : std::string_view{}));
            if (ch.native_subscriptions() > 0)
                f->group[1] = net::frame::text(events::native_channel_event(
                    e.event, key.name, e.data,
                    events::message_meta{e.id, ch.keeps_history() ? e.offset : 0, e.epoch, e.user_id,
                                         e.created_at_ms}));
            break;
        }
        case broker::envelope_kind::member_added:
        case broker::envelope_kind::member_removed:
        case broker::envelope_kind::member_updated:
            return home_deliver_member(key, ch, std::move(e));
        case broker::envelope_kind::terminate_user:
            return;  // handled by on_envelope, never routed to a channel
    }
    if ((f->group[0] || f->group[1]) && ch.shard_mask() != 0) fan_out(ch.shard_mask(), key, std::move(f), exclude);
}

void hub::home_deliver_member(const core::channel_key& key, core::channel_state& ch, broker::envelope e) {
    if (!ch.presence()) return;
    std::string text[2];  // [0] Pusher, [1] native
    switch (e.kind) {
        case broker::envelope_kind::member_added:
            text[0] = events::member_added(key.name, e.user_id, e.data);
            text[1] = events::presence_member_event("presence:join", key.name, e.user_id, e.data);
            break;
        case broker::envelope_kind::member_removed:
            text[0] = events::member_removed(key.name, e.user_id);
            text[1] = events::presence_member_event("presence:leave", key.name, e.user_id, e.data);
            break;
        default:
            text[1] = events::presence_member_event("presence:update", key.name, e.user_id, e.data);
            break;
    }
    core::socket_id exclude;
    if (!e.exclude.empty()) (void)core::parse_socket_id(e.exclude, exclude);
    // Member lists waiting for this event go after its fan-out, so that their subscribers,
    // attached after them, do not get it twice (member_sequence.hpp).
    std::vector<net::unique_task> ready;
    auto& sequences = state_here().member_sequences;
    if (auto s = sequences.find(key); s != sequences.end() && e.offset > 0)
        ready = s->second.received(e.offset, std::move(e.exclude), text);
    auto f = std::make_shared<frames>();
    for (std::size_t g = 0; g < 2; ++g)
        if (!text[g].empty()) f->group[g] = net::frame::text(std::move(text[g]));
    if (ch.shard_mask() != 0) fan_out(ch.shard_mask(), key, std::move(f), exclude);
    for (auto& go : ready) go();
}

void hub::expire_member_lists() {
    const auto now = core::steady_clock_ms();
    for (auto& [key, sequence] : state_here().member_sequences)
        for (auto& go : sequence.expire(now)) go();
}

broker::envelope hub::member_envelope(const core::channel_key& key, std::uint8_t kind, std::string user_id,
                                      std::string info) const {
    broker::envelope e;
    e.kind = static_cast<broker::envelope_kind>(kind);
    e.origin_node = node_id_;
    e.tenant = storage_tenant(apps_.at(key.tenant));
    e.channel = key.name;
    e.user_id = std::move(user_id);
    e.data = std::move(info);
    return e;
}

namespace {
using member_list = std::vector<std::pair<std::string, std::string>>;

core::presence_set to_set(const std::vector<broker::presence_member>& members) {
    core::presence_set set(std::numeric_limits<std::size_t>::max());  // a snapshot: no bound
    for (const auto& m : members) (void)set.join(m.user_id, m.info_json);
    return set;
}
}  // namespace

void hub::cluster_join_presence(subscribe_request req, subscribe_result result, net::shard* origin, std::uint32_t from,
                                net::unique_callback<subscribe_result> done) {
    net::shard* home = net::shard::current();
    // From here on, member events that reach this shard are kept until the list arrives.
    if (auto s = state_here().member_sequences.find(req.key); s != state_here().member_sequences.end())
        s->second.list_asked();
    // Runs on the home shard with the broker's answer.
    auto finish = [this, req, result = std::move(result), origin, from,
                   done = std::move(done)](broker::presence_outcome out) mutable {
        auto& st = state_here();
        const core::tenant& tenant = apps_.at(req.key.tenant);
        if (out.ok && out.full) {
            // Refused cluster-wide: undo the local join as a leave would.
            if (auto it = st.home.find(req.key); it != st.home.end()) {
                const auto left = it->second.leave(from, req.native, req.user_id);
                count_subscription(req.key, -1);
                if (left.became_vacant) {
                    tenant.runtime->occupied_channels.fetch_sub(1, std::memory_order_relaxed);
                    release_broker_if_vacant(req.key);
                }
            }
            result.outcome = subscribe_result::status::presence_full;
        } else {
            if (out.changed)
                emit(tenant, make_event(webhooks::event_kind::member_added, req.key.name, req.user_id, req.user_info));
            core::presence_set members(std::numeric_limits<std::size_t>::max());
            if (out.ok) {
                members = to_set(out.members);
            } else if (auto it = st.home.find(req.key); it != st.home.end() && it->second.presence()) {
                // The broker is down: the members this node knows of are the best answer.
                it->second.presence()->for_each(
                    [&](std::string_view id, const auto& m) { (void)members.join(id, m.info_json); });
            }
            result.presence_snapshot = events::presence_subscription_succeeded(req.key.name, members);
            if (req.native) result.presence_sync = events::presence_sync(req.key.name, members);
        }
        auto send = [origin, done = std::move(done), result = std::move(result)](std::vector<std::string> lacking) mutable {
            result.member_events = std::move(lacking);
            origin->post([done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
        };
        auto s = st.member_sequences.find(req.key);
        if (s == st.member_sequences.end()) return send({});
        const bool listed = out.ok && !out.full;
        const std::uint64_t version = listed ? out.version : 0;
        const std::string socket = req.socket.to_string();
        const std::size_t group = req.native ? 1 : 0;
        if (s->second.caught_up(version)) return send(s->second.list_answered(version, socket, group));
        s->second.wait(core::steady_clock_ms() + member_list_patience_ms, version, socket, group, std::move(send));
    };
    auto answer_home = [home, finish = std::move(finish)](broker::presence_outcome out) mutable {
        home->post([finish = std::move(finish), out = std::move(out)]() mutable { finish(std::move(out)); });
    };
    const std::string topic = topic_of(req.key);
    if (req.user_id.empty()) {
        // Subscribed without membership: only the member list.
        shards_.invoke_on(broker_shard_, [this, topic, answer_home = std::move(answer_home)]() mutable {
            broker_->presence_members(topic, std::move(answer_home));
        });
        return;
    }
    broker::envelope added = member_envelope(req.key, 1, req.user_id, req.user_info);
    added.exclude = req.socket.to_string();  // Pusher: member_added never goes to the joiner itself
    shards_.invoke_on(broker_shard_, [this, topic, added = std::move(added), max = options_.max_presence_members,
                                      answer_home = std::move(answer_home)]() mutable {
        broker_->presence_join(topic, std::move(added), max, std::move(answer_home));
    });
}

void hub::cluster_leave_presence(const core::channel_key& key, const std::string& user_id) {
    net::shard* home = net::shard::current();
    shards_.invoke_on(broker_shard_, [this, home, key, user = user_id, topic = topic_of(key),
                                      removed = member_envelope(key, 2, user_id, "null")]() mutable {
        broker_->presence_leave(topic, std::move(removed), [this, home, key, user](broker::presence_outcome out) {
            if (!out.ok || !out.changed) return;
            // The node whose leave was the user's last anywhere reports it, so it is reported once.
            home->post([this, key, user] {
                emit(apps_.at(key.tenant), make_event(webhooks::event_kind::member_removed, key.name, user));
            });
        });
    });
}

void hub::cluster_change_presence(core::channel_key key, presence_change change, net::shard* origin,
                                  net::unique_callback<bool> done) {
    const std::string topic = topic_of(key);
    auto reply = [origin, done = std::move(done)](broker::presence_outcome out) mutable {
        const bool applied = out.ok && !out.full && (out.changed || !out.members.empty());
        origin->post([done = std::move(done), applied]() mutable { done(applied); });
    };
    std::uint8_t kind = 3;
    if (change.what == presence_change::kind::enter) kind = 1;
    if (change.what == presence_change::kind::leave) kind = 2;
    shards_.invoke_on(broker_shard_, [this, topic, kind, e = member_envelope(key, kind, change.user_id, change.info_json),
                                      max = options_.max_presence_members, reply = std::move(reply)]() mutable {
        switch (kind) {
            case 1: return broker_->presence_join(topic, std::move(e), max, std::move(reply));
            case 2: return broker_->presence_leave(topic, std::move(e), std::move(reply));
            default: return broker_->presence_update(topic, std::move(e), std::move(reply));
        }
    });
}

void hub::cluster_members(const core::channel_key& key, net::unique_callback<member_list> done) {
    shards_.invoke_on(broker_shard_, [this, topic = topic_of(key), done = std::move(done)]() mutable {
        broker_->presence_members(topic, [done = std::move(done)](broker::presence_outcome out) mutable {
            member_list members;
            members.reserve(out.members.size());
            for (auto& m : out.members) members.emplace_back(std::move(m.user_id), std::move(m.info_json));
            done(std::move(members));
        });
    });
}

void hub::await_broker(const core::channel_key& key, net::unique_task retry) {
    auto& waiting = state_here().awaiting_broker[key];
    waiting.push_back(std::move(retry));
    if (waiting.size() > 1) return;  // already asked
    net::shard* home = net::shard::current();
    shards_.invoke_on(broker_shard_, [this, home, key, topic = topic_of(key)] {
        broker_->subscribe(topic, [this, home, key](broker::subscribe_outcome out) {
            home->post([this, key, out = std::move(out)]() mutable {
                auto& st = state_here();
                // Even when the broker is down: the subscription stands and resumes with it;
                // clients recover what they miss by offset.
                st.broker_live.insert(key);
                core::channel_state& ch = home_channel(key);
                if (ch.presence()) st.member_sequences.try_emplace(key, out.member_version, out.ok);
                if (out.ok && !out.position.epoch.empty()) {
                    if (out.position.offset > ch.last_offset()) ch.set_last_offset(out.position.offset);
                    ch.set_epoch(std::move(out.position.epoch));
                }
                const auto now = core::steady_clock_ms();
                if (out.cached && ch.cache(now) == nullptr)
                    ch.set_cache({out.cached->event, out.cached->data,
                                  out.cached->user_id_in_pusher_frame ? out.cached->user_id : std::string{},
                                  now + options_.cache_ttl_ms});
                auto node = st.awaiting_broker.extract(key);
                if (node.empty()) return;
                for (auto& task : node.mapped()) task();
                release_broker_if_vacant(key);
            });
        });
    });
}

void hub::release_broker_if_vacant(const core::channel_key& key) {
    auto& st = state_here();
    if (!st.broker_live.contains(key) || st.awaiting_broker.contains(key)) return;
    if (auto it = st.home.find(key); it != st.home.end() && it->second.occupied()) return;
    st.broker_live.erase(key);
    if (auto node = st.member_sequences.extract(key); !node.empty())
        for (auto& go : node.mapped().release_all()) go();
    shards_.invoke_on(broker_shard_, [this, topic = topic_of(key)] { broker_->unsubscribe(topic); });
}

void hub::count_subscription(const core::channel_key& key, std::int64_t delta) {
    // The node whose change made the cluster-wide count cross zero reports it, so
    // channel_occupied and channel_vacated go out once per cluster. The sink is thread-safe;
    // a channel's crossings reach this callback in the order Redis decided them.
    shards_.invoke_on(broker_shard_, [this, key, topic = topic_of(key), delta] {
        broker_->count_subscriptions(topic, delta, [this, key](broker::occupancy o) {
            if (o == broker::occupancy::occupied)
                emit(apps_.at(key.tenant), make_event(webhooks::event_kind::channel_occupied, key.name));
            if (o == broker::occupancy::vacated)
                emit(apps_.at(key.tenant), make_event(webhooks::event_kind::channel_vacated, key.name));
        });
    });
}

void hub::on_cluster_changes(std::vector<broker::cluster_change>&& changes) {
    for (auto& c : changes) {
        const auto colon = c.topic.find(':');
        if (colon == std::string::npos) continue;
        auto t = tenant_by_name_.find(c.topic.substr(0, colon));
        if (t == tenant_by_name_.end()) continue;  // an app this node is not configured with
        const core::tenant& tenant = apps_.at(t->second);
        std::string channel = c.topic.substr(colon + 1);
        switch (c.kind) {
            case broker::cluster_change::what::occupied:
                emit(tenant, make_event(webhooks::event_kind::channel_occupied, std::move(channel)));
                break;
            case broker::cluster_change::what::vacated:
                emit(tenant, make_event(webhooks::event_kind::channel_vacated, std::move(channel)));
                break;
            case broker::cluster_change::what::member_added:
                emit(tenant, make_event(webhooks::event_kind::member_added, std::move(channel), std::move(c.user_id),
                                        std::move(c.info_json)));
                break;
            case broker::cluster_change::what::member_removed:
                emit(tenant, make_event(webhooks::event_kind::member_removed, std::move(channel), std::move(c.user_id)));
                break;
        }
    }
}

void hub::cluster_query_channel(core::channel_key key, net::shard* origin, net::unique_callback<channel_info> done) {
    // has_cache is this node's knowledge (its cache or the one it read from the broker).
    const std::uint32_t home = home_of(key);
    shards_.invoke_on(home, [this, key, origin, done = std::move(done)]() mutable {
        bool has_cache = false;
        auto& st = state_here();
        if (auto it = st.home.find(key); it != st.home.end()) has_cache = it->second.cache(core::steady_clock_ms()) != nullptr;
        shards_.invoke_on(broker_shard_, [this, key, origin, has_cache, done = std::move(done)]() mutable {
            broker_->channel_counts(topic_of(key), true,
                                    [origin, has_cache, done = std::move(done)](std::vector<broker::channel_count> counts) mutable {
                                        channel_info info;
                                        info.has_cache = has_cache;
                                        if (!counts.empty()) {
                                            info.occupied = counts[0].subscriptions > 0;
                                            info.subscription_count = static_cast<std::uint32_t>(counts[0].subscriptions);
                                            info.user_count = static_cast<std::uint32_t>(counts[0].users);
                                        }
                                        origin->post([done = std::move(done), info]() mutable { done(info); });
                                    });
        });
    });
}

void hub::cluster_query_channels(const core::tenant& t, std::string prefix, net::shard* origin,
                                 net::unique_callback<std::vector<channel_summary>> done) {
    const std::string tenant = storage_tenant(t);
    shards_.invoke_on(broker_shard_, [this, tenant, prefix = std::move(prefix), origin, done = std::move(done)]() mutable {
        broker_->channel_counts(broker::topic_of(tenant, prefix), false,
                                [origin, skip = tenant.size() + 1, done = std::move(done)](std::vector<broker::channel_count> counts) mutable {
                                    std::vector<channel_summary> rows;
                                    rows.reserve(counts.size());
                                    for (auto& c : counts) {
                                        std::string name = c.topic.substr(skip);
                                        const bool presence = core::classify_channel(name).traits.kind ==
                                                              core::channel_kind::presence_channel;
                                        rows.push_back({std::move(name), static_cast<std::uint32_t>(c.subscriptions),
                                                        static_cast<std::uint32_t>(c.users), presence});
                                    }
                                    origin->post([done = std::move(done), rows = std::move(rows)]() mutable { done(std::move(rows)); });
                                });
    });
}

void hub::cluster_terminate_user(const core::tenant& t, std::string user_id) {
    broker::envelope e;
    e.kind = broker::envelope_kind::terminate_user;
    e.origin_node = node_id_;
    e.tenant = storage_tenant(t);
    e.user_id = std::move(user_id);
    shards_.invoke_on(broker_shard_, [this, e = std::move(e)]() mutable { broker_->broadcast(std::move(e)); });
}

namespace {
// Message rates travel in the same per-node hash as connection counts, under their own names.
std::string message_rate_field(const std::string& tenant) { return "msgs\n" + tenant; }
}  // namespace

void hub::exchange_connection_counts() {
    const std::uint64_t now = core::steady_clock_ms();
    const std::uint64_t elapsed = now - last_exchange_ms_;
    const bool have_interval = last_exchange_ms_ != 0 && elapsed > 0;
    messages_at_exchange_.resize(apps_.size(), 0);
    std::map<std::string, std::int64_t> mine;
    apps_.for_each([&](const core::tenant& t) {
        const auto n = t.runtime->connections.load(std::memory_order_relaxed);
        if (n > 0) mine.emplace(storage_tenant(t), n);
        const std::uint64_t accepted = t.runtime->messages.accepted();
        if (t.index >= messages_at_exchange_.size()) return;
        const std::uint64_t sent = accepted - messages_at_exchange_[t.index];
        messages_at_exchange_[t.index] = accepted;
        if (have_interval && sent > 0)
            mine.emplace(message_rate_field(storage_tenant(t)),
                         static_cast<std::int64_t>((sent * 1000 + elapsed - 1) / elapsed));
    });
    last_exchange_ms_ = now;
    broker_->exchange_connection_counts(std::move(mine), [this](std::map<std::string, std::int64_t> others) {
        apps_.for_each([&](const core::tenant& t) {
            auto it = others.find(storage_tenant(t));
            if (t.index < remote_connections_.size())
                remote_connections_[t.index].store(it == others.end() ? 0 : it->second, std::memory_order_relaxed);
            auto rate = others.find(message_rate_field(storage_tenant(t)));
            t.runtime->remote_messages_per_second.store(
                rate == others.end() || rate->second < 0 ? 0 : static_cast<std::uint64_t>(rate->second),
                std::memory_order_relaxed);
        });
    });
}

}  // namespace sb::api
