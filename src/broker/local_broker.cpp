#include <utility>

#include "broker/local_broker.hpp"

#include "core/clock.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace sb::broker {

namespace {
std::uint64_t total(const std::map<local_broker*, std::int64_t>& nodes) {
    std::int64_t sum = 0;
    for (const auto& [node, n] : nodes) sum += n;
    return sum > 0 ? static_cast<std::uint64_t>(sum) : 0;
}
}  // namespace

local_broker::local_broker(boost::asio::io_context& context, std::shared_ptr<local_bus> bus,
                           envelope_handler on_envelope, cluster_change_handler on_change)
    : context_(context), bus_(std::move(bus)), on_envelope_(std::move(on_envelope)), on_change_(std::move(on_change)) {
    bus_->brokers_.insert(this);
}

local_broker::~local_broker() {
    *alive_ = false;
    bus_->brokers_.erase(this);
    bus_->connections_.erase(this);
    std::vector<cluster_change> changes;
    std::vector<cluster_change> vacated;
    for (auto it = bus_->counts_.begin(); it != bus_->counts_.end();) {
        if (it->second.erase(this) == 0) {
            ++it;
            continue;
        }
        if (total(it->second) == 0) {
            vacated.push_back({cluster_change::what::vacated, it->first, {}, {}});
            it = bus_->counts_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto& [topic, set] : bus_->subscribers_) set.erase(this);
    for (auto& [topic, members] : bus_->presence_) {
        for (auto it = members.begin(); it != members.end();) {
            it->second.connections.erase(this);
            if (!it->second.connections.empty()) {
                ++it;
                continue;
            }
            envelope gone;
            gone.kind = envelope_kind::member_removed;
            gone.origin_node = "janitor";
            const auto colon = topic.find(':');
            gone.tenant = topic.substr(0, colon);
            gone.channel = colon == std::string::npos ? std::string{} : topic.substr(colon + 1);
            gone.user_id = it->first;
            gone.data = it->second.info_json;
            deliver_member_change(topic, std::move(gone));
            changes.push_back({cluster_change::what::member_removed, topic, it->first, it->second.info_json});
            it = members.erase(it);
        }
    }
    changes.insert(changes.end(), vacated.begin(), vacated.end());
    // One survivor reports, as one Redis janitor would.
    if (changes.empty() || bus_->brokers_.empty()) return;
    local_broker* reaper = *bus_->brokers_.begin();
    boost::asio::post(reaper->context_, [reaper, alive = reaper->alive_, changes = std::move(changes)]() mutable {
        if (*alive && reaper->on_change_) reaper->on_change_(std::move(changes));
    });
}

void local_broker::deliver(const std::string& topic, const envelope& e) {
    auto subs = bus_->subscribers_.find(topic);
    if (subs == bus_->subscribers_.end()) return;
    for (local_broker* b : subs->second)
        boost::asio::post(b->context_, [b, alive = b->alive_, e = envelope(e)]() mutable {
            if (*alive) b->on_envelope_(std::move(e));
        });
}

void local_broker::deliver_member_change(const std::string& topic, envelope change) {
    change.offset = ++bus_->member_versions_[topic];
    deliver(topic, change);
}

void local_broker::answer(core::unique_callback<presence_outcome> done, presence_outcome out) {
    out.ok = true;
    boost::asio::post(context_, [done = std::move(done), out = std::move(out)]() mutable {
        if (done) done(std::move(out));
    });
}

namespace {
std::vector<presence_member> list(const std::map<std::string, local_bus::member>& members) {
    std::vector<presence_member> out;
    out.reserve(members.size());
    for (const auto& [id, m] : members) out.push_back({id, m.info_json});
    return out;
}
}  // namespace

void local_broker::presence_join(const std::string& topic, envelope change, std::size_t max_members,
                                 core::unique_callback<presence_outcome> done) {
    auto& members = bus_->presence_[topic];
    presence_outcome out;
    auto it = members.find(change.user_id);
    if (it == members.end()) {
        if (max_members > 0 && members.size() >= max_members) {
            out.full = true;
            return answer(std::move(done), std::move(out));
        }
        it = members.emplace(change.user_id, local_bus::member{change.data, {}}).first;
        out.changed = true;
        deliver_member_change(topic, std::move(change));
    }
    ++it->second.connections[this];
    out.members = list(members);
    out.version = bus_->member_versions_[topic];
    answer(std::move(done), std::move(out));
}

void local_broker::presence_leave(const std::string& topic, envelope change,
                                  core::unique_callback<presence_outcome> done) {
    presence_outcome out;
    auto& members = bus_->presence_[topic];
    auto it = members.find(change.user_id);
    if (it != members.end()) {
        auto c = it->second.connections.find(this);
        if (c != it->second.connections.end() && --c->second == 0) it->second.connections.erase(c);
        if (it->second.connections.empty()) {
            change.data = it->second.info_json;
            members.erase(it);
            out.changed = true;
            deliver_member_change(topic, std::move(change));
        }
    }
    if (members.empty()) bus_->presence_.erase(topic);
    answer(std::move(done), std::move(out));
}

void local_broker::presence_update(const std::string& topic, envelope change,
                                   core::unique_callback<presence_outcome> done) {
    presence_outcome out;
    if (auto t = bus_->presence_.find(topic); t != bus_->presence_.end())
        if (auto it = t->second.find(change.user_id); it != t->second.end()) {
            it->second.info_json = change.data;
            out.changed = true;
            deliver_member_change(topic, std::move(change));
        }
    answer(std::move(done), std::move(out));
}

void local_broker::presence_members(const std::string& topic, core::unique_callback<presence_outcome> done) {
    presence_outcome out;
    if (auto t = bus_->presence_.find(topic); t != bus_->presence_.end()) out.members = list(t->second);
    if (auto v = bus_->member_versions_.find(topic); v != bus_->member_versions_.end()) out.version = v->second;
    answer(std::move(done), std::move(out));
}

void local_broker::publish(const std::string& topic, envelope e, publish_options options,
                           core::unique_callback<publish_outcome> done) {
    const auto now = core::steady_clock_ms();
    std::string scope;
    if (!options.idempotency_key.empty()) {
        scope = topic + '\n' + options.idempotency_key;
        if (auto it = bus_->idempotency_.find(scope); it != bus_->idempotency_.end()) {
            if (it->second.expires_at_ms > now) {
                publish_outcome out = it->second.outcome;
                out.duplicate = true;
                boost::asio::post(context_, [done = std::move(done), out = std::move(out)]() mutable {
                    if (done) done(std::move(out));
                });
                return;
            }
            bus_->idempotency_.erase(it);
        }
    }
    if (options.require_position && !bus_->positions_.contains(topic)) {
        publish_outcome out;
        out.ok = true;
        out.needs_position = true;
        boost::asio::post(context_, [done = std::move(done), out = std::move(out)]() mutable {
            if (done) done(std::move(out));
        });
        return;
    }
    auto [it, fresh] = bus_->positions_.try_emplace(topic, options.initial);
    channel_position& pos = it->second;
    if (fresh && pos.epoch.empty()) pos.epoch = "local-" + std::to_string(++bus_->epochs_);
    e.offset = options.numbered ? ++pos.offset : 0;
    e.epoch = pos.epoch;
    if (options.cache_ttl_ms > 0) bus_->cache_[topic] = {e, core::steady_clock_ms() + options.cache_ttl_ms};
    deliver(topic, e);
    publish_outcome out;
    out.ok = true;
    out.position = {e.offset, pos.epoch};
    if (!scope.empty()) {
        publish_outcome first = out;
        first.id = e.id;
        first.created_at_ms = e.created_at_ms;
        bus_->idempotency_[scope] = {std::move(first), now + options.idempotency_window_ms};
    }
    boost::asio::post(context_, [done = std::move(done), out = std::move(out)]() mutable {
        if (done) done(std::move(out));
    });
}

void local_broker::subscribe(const std::string& topic, core::unique_callback<subscribe_outcome> done) {
    bus_->subscribers_[topic].insert(this);
    subscribe_outcome out;
    out.ok = true;
    if (auto it = bus_->positions_.find(topic); it != bus_->positions_.end()) out.position = it->second;
    if (auto it = bus_->member_versions_.find(topic); it != bus_->member_versions_.end())
        out.member_version = it->second;
    if (auto it = bus_->cache_.find(topic); it != bus_->cache_.end()) {
        if (it->second.expires_at_ms > core::steady_clock_ms())
            out.cached = it->second.e;
        else
            bus_->cache_.erase(it);
    }
    boost::asio::post(context_, [done = std::move(done), out = std::move(out)]() mutable {
        if (done) done(std::move(out));
    });
}

void local_broker::unsubscribe(const std::string& topic) {
    auto it = bus_->subscribers_.find(topic);
    if (it == bus_->subscribers_.end()) return;
    it->second.erase(this);
    if (it->second.empty()) bus_->subscribers_.erase(it);
}

void local_broker::count_subscriptions(const std::string& topic, std::int64_t delta,
                                       core::unique_callback<occupancy> done) {
    auto& nodes = bus_->counts_[topic];
    const auto before = total(nodes);
    if ((nodes[this] += delta) <= 0) nodes.erase(this);
    const auto after = total(nodes);
    if (nodes.empty()) bus_->counts_.erase(topic);
    occupancy o = occupancy::unchanged;
    if (before == 0 && after > 0) o = occupancy::occupied;
    if (before > 0 && after == 0) o = occupancy::vacated;
    if (done)
        boost::asio::post(context_, [done = std::move(done), o]() mutable { done(o); });
}

void local_broker::channel_counts(const std::string& topic, bool exact,
                                  core::unique_callback<std::vector<channel_count>> done) {
    std::vector<channel_count> out;
    for (auto it = bus_->counts_.lower_bound(topic); it != bus_->counts_.end(); ++it) {
        if (exact ? it->first != topic : it->first.compare(0, topic.size(), topic) != 0) break;
        channel_count c{it->first, 0, 0};
        for (const auto& [node, n] : it->second) c.subscriptions += static_cast<std::uint64_t>(n);
        if (auto p = bus_->presence_.find(it->first); p != bus_->presence_.end()) c.users = p->second.size();
        if (c.subscriptions > 0) out.push_back(std::move(c));
    }
    boost::asio::post(context_, [done = std::move(done), out = std::move(out)]() mutable {
        if (done) done(std::move(out));
    });
}

void local_broker::broadcast(envelope e) {
    for (local_broker* b : bus_->brokers_)
        boost::asio::post(b->context_, [b, alive = b->alive_, e = envelope(e)]() mutable {
            if (*alive) b->on_envelope_(std::move(e));
        });
}

void local_broker::exchange_connection_counts(std::map<std::string, std::int64_t> mine,
                                              core::unique_callback<std::map<std::string, std::int64_t>> others) {
    bus_->connections_[this] = std::move(mine);
    std::map<std::string, std::int64_t> sum;
    for (const auto& [node, tenants] : bus_->connections_)
        if (node != this)
            for (const auto& [tenant, n] : tenants) sum[tenant] += n;
    boost::asio::post(context_, [others = std::move(others), sum = std::move(sum)]() mutable {
        if (others) others(std::move(sum));
    });
}

}  // namespace sb::broker
