#include <utility>

#include "broker/redis_broker.hpp"

#include "broker/redis/redis_connection.hpp"
#include "broker/redis_node_scripts.hpp"
#include "broker/redis_scripts.hpp"
#include "broker/registered_state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <string_view>

namespace sb::broker {

namespace {

using redis::reply;



std::uint64_t digits_to_u64(std::string_view text) {
    std::uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return 0;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

std::uint64_t to_u64(const reply& r) {
    if (r.type == redis::reply_type::integer) return r.integer < 0 ? 0 : static_cast<std::uint64_t>(r.integer);
    if (r.type == redis::reply_type::bulk_string || r.type == redis::reply_type::simple_string)
        return digits_to_u64(r.str);
    return 0;
}

// A script's flat list of (kind, topic, user, info) as cluster changes.
std::vector<cluster_change> read_changes(const reply& r) {
    std::vector<cluster_change> out;
    if (!r.is_aggregate()) return out;
    for (std::size_t i = 0; i + 3 < r.elements.size(); i += 4) {
        cluster_change c;
        switch (r.elements[i].str.empty() ? '?' : r.elements[i].str[0]) {
            case 'o': c.kind = cluster_change::what::occupied; break;
            case 'a': c.kind = cluster_change::what::member_added; break;
            case 'r': c.kind = cluster_change::what::member_removed; break;
            case 'v': c.kind = cluster_change::what::vacated; break;
            default: continue;
        }
        c.topic = r.elements[i + 1].str;
        c.user_id = r.elements[i + 2].str;
        c.info_json = r.elements[i + 3].str;
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace

class redis_broker::impl : public std::enable_shared_from_this<impl> {
public:
    impl(boost::asio::io_context& context, redis_broker_options options)
        : options_(std::move(options)), heartbeat_(context) {
        redis::connection_options base;
        base.url = options_.url;
        base.command_timeout = options_.command_timeout;
        base.backoff_initial = options_.backoff_initial;
        base.backoff_max = options_.backoff_max;
        base.health_check_interval = std::chrono::milliseconds(2000);
        base.connect_timeout = std::chrono::milliseconds(2000);

        auto commands = base;
        commands.mode = redis::connection_mode::commands;
        commands.client_name = "switchboard-" + options_.node_id;
        commands.on_state = [this](const redis::state_event& e) { on_state(0, e); };
        commands_ = std::make_unique<redis::redis_connection>(context, std::move(commands));

        auto subscriber = base;
        subscriber.mode = redis::connection_mode::subscriber;
        subscriber.client_name = "switchboard-" + options_.node_id + "-sub";
        subscriber.on_state = [this](const redis::state_event& e) { on_state(1, e); };
        subscriber.on_message = [this](redis::pubsub_message&& m) { on_message(std::move(m)); };
        subscriber_ = std::make_unique<redis::redis_connection>(context, std::move(subscriber));
    }

    void start() {
        subscriber_->subscribe(key("ctl", ""));  // control envelopes for every node
        commands_->start();
        subscriber_->start();
        schedule_heartbeat(std::chrono::milliseconds(0));
    }
    void close() {
        closed_ = true;
        heartbeat_.cancel();
        commands_->close();
        subscriber_->close();
        set_healthy(false);
    }

    void publish(const std::string& topic, envelope e, publish_options options,
                 core::unique_callback<publish_outcome> done) {
        std::vector<std::string> args;
        args.reserve(15);
        args.emplace_back("EVAL");
        args.emplace_back(redis_scripts::publish);
        args.emplace_back("3");
        args.push_back(key("pos:", topic));
        args.push_back(key("cache:", topic));
        args.push_back(options.idempotency_key.empty() ? std::string{}
                                                       : key("idem:", topic + "\n" + options.idempotency_key));
        args.push_back(std::to_string(options.initial.offset));
        args.push_back(options.initial.epoch.empty() ? std::string("0") : std::move(options.initial.epoch));
        args.push_back(encode_body(e));
        args.push_back(key("ch:", topic));
        args.push_back(std::to_string(options.cache_ttl_ms));
        args.emplace_back(options.numbered ? "1" : "0");
        args.emplace_back(options.require_position ? "1" : "0");
        args.push_back(std::to_string(options.idempotency_window_ms));
        args.push_back(e.id + "\n" + std::to_string(e.created_at_ms));
        commands_->command(std::move(args), [done = std::move(done)](reply r) mutable {
            publish_outcome out;
            if (r.is_error()) {
                out.error = std::move(r.str);
            } else if (r.type == redis::reply_type::array && r.elements.size() == 2 &&
                       r.elements[0].type == redis::reply_type::integer && r.elements[0].integer == -2) {
                out.ok = true;
                out.duplicate = true;
                read_first_publication(r.elements[1].str, out);
            } else if (r.type == redis::reply_type::array && r.elements.size() == 2 &&
                       r.elements[0].type == redis::reply_type::integer && r.elements[0].integer < 0) {
                out.ok = true;
                out.needs_position = true;
            } else if (r.type == redis::reply_type::array && r.elements.size() == 2) {
                out.ok = true;
                out.position.offset = to_u64(r.elements[0]);
                out.position.epoch = std::move(r.elements[1].str);
            } else {
                out.error = "unexpected reply to the publish script: " + redis::to_debug_string(r);
            }
            if (done) done(std::move(out));
        });
    }

    void subscribe(const std::string& topic, core::unique_callback<subscribe_outcome> done) {
        // Position, cache and membership version are read after Redis confirmed the
        // subscription: any publication numbered after what the read returns, and any member
        // event of a later version, is delivered through the subscription.
        std::weak_ptr<impl> weak = weak_from_this();
        subscriber_->subscribe(key("ch:", topic), [weak, topic, done = std::move(done)](reply r) mutable {
            auto self = weak.lock();
            if (!self || r.is_error()) {
                subscribe_outcome out;
                out.error = self ? std::move(r.str) : std::string("closed");
                if (done) done(std::move(out));
                return;
            }
            self->read_position(topic, std::move(done));
        });
    }

    void unsubscribe(const std::string& topic) { subscriber_->unsubscribe(key("ch:", topic)); }

    void presence_join(const std::string& topic, envelope change, std::size_t max_members,
                       core::unique_callback<presence_outcome> done) {
        std::vector<std::string> args{"EVAL", std::string(redis_scripts::presence_join), "4", key("pm:", topic),
                                      key("pc:", topic), key("pn:", options_.node_id), key("pv:", topic),
                                      change.user_id, change.data,
                                      topic + "\n" + change.user_id, std::to_string(max_members),
                                      encode_body(change), key("ch:", topic)};
        registered_.join(topic, change.user_id, change.data);
        std::weak_ptr<impl> weak = weak_from_this();
        commands_->command(std::move(args), [weak, topic, user = change.user_id, done = std::move(done)](reply r) mutable {
            presence_outcome out;
            if (r.is_error() || r.type != redis::reply_type::array || r.elements.empty()) {
                out.error = r.is_error() ? std::move(r.str) : "unexpected reply to the join script";
            } else if (r.elements[0].integer < 0) {
                out.ok = true;
                out.full = true;
                if (auto self = weak.lock()) self->registered_.leave(topic, user);
            } else {
                out.ok = true;
                out.changed = r.elements[0].integer == 1;
                if (r.elements.size() > 1) out.members = read_members(r.elements[1]);
                if (r.elements.size() > 2) out.version = to_u64(r.elements[2]);
            }
            if (done) done(std::move(out));
        });
    }

    void presence_leave(const std::string& topic, envelope change, core::unique_callback<presence_outcome> done) {
        std::vector<std::string> args{"EVAL", std::string(redis_scripts::presence_leave), "4", key("pm:", topic),
                                      key("pc:", topic), key("pn:", options_.node_id), key("pv:", topic), change.user_id,
                                      topic + "\n" + change.user_id, change.origin_node, change.tenant,
                                      change.channel, key("ch:", topic)};
        registered_.leave(topic, change.user_id);
        commands_->command(std::move(args), [done = std::move(done)](reply r) mutable {
            presence_outcome out;
            if (r.is_error()) {
                out.error = std::move(r.str);
            } else {
                out.ok = true;
                out.changed = r.integer == 1;
            }
            if (done) done(std::move(out));
        });
    }

    void presence_update(const std::string& topic, envelope change, core::unique_callback<presence_outcome> done) {
        std::vector<std::string> args{"EVAL", std::string(redis_scripts::presence_update), "2", key("pm:", topic),
                                      key("pv:", topic), change.user_id, change.data, encode_body(change), key("ch:", topic)};
        registered_.update(topic, change.user_id, change.data);
        commands_->command(std::move(args), [done = std::move(done)](reply r) mutable {
            presence_outcome out;
            if (r.is_error()) {
                out.error = std::move(r.str);
            } else {
                out.ok = true;
                out.changed = r.integer == 1;
            }
            if (done) done(std::move(out));
        });
    }

    void count_subscriptions(const std::string& topic, std::int64_t delta, core::unique_callback<occupancy> done) {
        registered_.count(topic, delta);
        commands_->command({"EVAL", redis_scripts::count_subscriptions, "2", key("nc:", options_.node_id),
                            key("nodes", ""), topic, std::to_string(delta), options_.prefix, options_.node_id},
                           [done = std::move(done)](reply r) mutable {
                               if (!done) return;
                               occupancy o = occupancy::unchanged;
                               if (r.type == redis::reply_type::integer && r.integer > 0) o = occupancy::occupied;
                               if (r.type == redis::reply_type::integer && r.integer < 0) o = occupancy::vacated;
                               done(o);
                           });
    }

    void channel_counts(const std::string& topic, bool exact, core::unique_callback<std::vector<channel_count>> done) {
        commands_->command({"EVAL", redis_scripts::channel_counts, "1", key("nodes", ""), options_.prefix, topic,
                            exact ? "1" : "0"},
                           [done = std::move(done)](reply r) mutable {
                               std::vector<channel_count> out;
                               if (r.is_aggregate())
                                   for (std::size_t i = 0; i + 2 < r.elements.size(); i += 3)
                                       out.push_back({r.elements[i].str, to_u64(r.elements[i + 1]), to_u64(r.elements[i + 2])});
                               if (done) done(std::move(out));
                           });
    }

    void broadcast(envelope e) {
        commands_->command({"PUBLISH", key("ctl", ""), encode_payload(e)}, [](reply) {});
    }

    void exchange_connection_counts(std::map<std::string, std::int64_t> mine,
                                    core::unique_callback<std::map<std::string, std::int64_t>> others) {
        std::vector<std::string> args{"EVAL", std::string(redis_scripts::exchange_connections), "2", key("nodes", ""),
                                      key("conns:", options_.node_id), options_.prefix, options_.node_id,
                                      std::to_string(options_.node_ttl.count())};
        for (auto& [tenant, n] : mine) {
            args.push_back(tenant);
            args.push_back(std::to_string(n));
        }
        commands_->command(std::move(args), [others = std::move(others)](reply r) mutable {
            std::map<std::string, std::int64_t> sums;
            if (r.is_aggregate())
                for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
                    sums[r.elements[i].str] = static_cast<std::int64_t>(to_u64(r.elements[i + 1]));
            if (others) others(std::move(sums));
        });
    }

    void presence_members(const std::string& topic, core::unique_callback<presence_outcome> done) {
        commands_->command({"EVAL", redis_scripts::presence_members, "2", key("pm:", topic), key("pv:", topic)},
                           [done = std::move(done)](reply r) mutable {
            presence_outcome out;
            if (r.is_error() || r.type != redis::reply_type::array || r.elements.size() != 2) {
                out.error = r.is_error() ? std::move(r.str) : "unexpected reply to the members script";
            } else {
                out.ok = true;
                out.members = read_members(r.elements[0]);
                out.version = to_u64(r.elements[1]);
            }
            if (done) done(std::move(out));
        });
    }

    [[nodiscard]] bool healthy() const noexcept { return healthy_; }
    [[nodiscard]] const std::string& prefix() const noexcept { return options_.prefix; }

private:
    static std::vector<presence_member> read_members(const reply& r) {
        std::vector<presence_member> members;
        if (!r.is_aggregate()) return members;
        members.reserve(r.elements.size() / 2);
        for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
            members.push_back({r.elements[i].str, r.elements[i + 1].str});
        return members;
    }

    // Every third of the node TTL: renew this node's heartbeat, then look for dead nodes.
    void schedule_heartbeat(std::chrono::milliseconds in) {
        heartbeat_.expires_after(in);
        std::weak_ptr<impl> weak = weak_from_this();
        heartbeat_.async_wait([weak](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || self->closed_) return;
            self->beat();
            self->schedule_heartbeat(std::max<std::chrono::milliseconds>(self->options_.node_ttl / 3,
                                                                         std::chrono::milliseconds(50)));
        });
    }

    // `connected`: the command connection has just (re)connected, so whatever this node
    // registered may be gone (Redis restarted empty) or stale (commands failed during the
    // outage): register it again. Otherwise only when this node was found missing from the node
    // set: reaped as dead after a stall or partition longer than node_ttl, or Redis lost its
    // data without this connection noticing.
    void beat(bool connected = false) {
        if (!commands_->connected()) return;
        std::weak_ptr<impl> weak = weak_from_this();
        commands_->command({"SET", key("node:", options_.node_id), "1", "PX",
                            std::to_string(options_.node_ttl.count())},
                           [](reply) {});
        commands_->command({"SADD", key("nodes", ""), options_.node_id}, [weak, connected](reply r) {
            auto self = weak.lock();
            if (!self) return;
            if (connected || (r.type == redis::reply_type::integer && r.integer == 1)) self->reregister();
        });
        commands_->command({"SMEMBERS", key("nodes", "")}, [weak](reply r) {
            auto self = weak.lock();
            if (!self || !r.is_aggregate()) return;
            for (const auto& node : r.elements)
                if (node.str != self->options_.node_id) self->sweep(node.str);
        });
    }

    // Removes `node` if its heartbeat expired (the script checks, atomically).
    void sweep(const std::string& node) {
        std::weak_ptr<impl> weak = weak_from_this();
        commands_->command({"EVAL", redis_scripts::janitor, "5", key("nodes", ""), key("node:", node),
                            key("pn:", node), key("nc:", node), key("reaped:", node), node, options_.prefix,
                            std::to_string(reaped_memory.count())},
                           [weak](reply r) { report(weak, r); });
    }

    void reregister() {
        std::vector<std::string> args{"EVAL",
                                      std::string(redis_scripts::reregister),
                                      "4",
                                      key("nc:", options_.node_id),
                                      key("pn:", options_.node_id),
                                      key("nodes", ""),
                                      key("reaped:", options_.node_id),
                                      options_.prefix,
                                      options_.node_id};
        registered_.append_arguments(args);
        std::weak_ptr<impl> weak = weak_from_this();
        commands_->command(std::move(args), [weak](reply r) { report(weak, r); });
    }

    static void report(const std::weak_ptr<impl>& weak, const reply& r) {
        auto self = weak.lock();
        if (!self || !self->options_.on_change) return;
        auto changes = read_changes(r);
        if (!changes.empty()) self->options_.on_change(std::move(changes));
    }

    // "<offset>\n<epoch>\n<id>\n<created_at>", as the publish script remembers a key's first publication.
    static void read_first_publication(std::string_view text, publish_outcome& out) {
        std::string_view fields[4];
        for (std::size_t i = 0; i < 4; ++i) {
            const auto nl = i < 3 ? text.find('\n') : std::string_view::npos;
            fields[i] = text.substr(0, nl);
            text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        }
        out.position.offset = digits_to_u64(fields[0]);
        out.position.epoch = std::string(fields[1]);
        out.id = std::string(fields[2]);
        out.created_at_ms = digits_to_u64(fields[3]);
    }

    void read_position(const std::string& topic, core::unique_callback<subscribe_outcome> done) {
        struct pending {
            subscribe_outcome out;
            int remaining = 3;
            core::unique_callback<subscribe_outcome> done;
        };
        auto p = std::make_shared<pending>();
        p->done = std::move(done);
        p->out.ok = true;
        auto finish = [p] {
            if (--p->remaining == 0 && p->done) p->done(std::move(p->out));
        };
        commands_->command({"HMGET", key("pos:", topic), "offset", "epoch"}, [p, finish](reply r) {
            if (r.is_error() || r.type != redis::reply_type::array || r.elements.size() != 2) {
                p->out.ok = false;
                p->out.error = r.is_error() ? r.str : "unexpected reply to HMGET";
            } else if (!r.elements[0].is_nil()) {
                p->out.position.offset = to_u64(r.elements[0]);
                p->out.position.epoch = std::move(r.elements[1].str);
            }
            finish();
        });
        commands_->command({"GET", key("cache:", topic)}, [p, finish](reply r) {
            if (r.type == redis::reply_type::bulk_string) p->out.cached = decode_payload(r.str);
            finish();
        });
        commands_->command({"GET", key("pv:", topic)}, [p, finish](reply r) {
            p->out.member_version = to_u64(r);
            finish();
        });
    }

    void on_message(redis::pubsub_message&& m) {
        auto e = decode_payload(m.payload);
        if (!e) return;  // not ours (someone else publishing on our prefix): ignore
        if (options_.on_envelope) options_.on_envelope(std::move(*e));
    }

    void on_state(int which, const redis::state_event& e) {
        up_[which] = e.state == redis::connection_state::connected;
        if (which == 0 && up_[0]) beat(true);  // a node is alive from its first connection
        set_healthy(up_[0] && up_[1]);
    }

    void set_healthy(bool h) {
        if (h == healthy_) return;
        healthy_ = h;
        if (options_.on_health) options_.on_health(h);
    }

    [[nodiscard]] std::string key(std::string_view kind, std::string_view topic) const {
        std::string k = options_.prefix;
        k += kind;
        k += topic;
        return k;
    }

    // Long enough for any partition a node survives; a node back after it is treated as after a
    // Redis data loss (its return is not announced).
    static constexpr std::chrono::milliseconds reaped_memory{24 * 3600 * 1000};

    redis_broker_options options_;
    registered_state registered_;
    std::unique_ptr<redis::redis_connection> commands_;
    std::unique_ptr<redis::redis_connection> subscriber_;
    boost::asio::steady_timer heartbeat_;
    bool up_[2] = {false, false};
    bool healthy_ = false;
    bool closed_ = false;
};

redis_broker::redis_broker(boost::asio::io_context& context, redis_broker_options options)
    : impl_(std::make_shared<impl>(context, std::move(options))) {}

redis_broker::~redis_broker() = default;

void redis_broker::start() { impl_->start(); }
void redis_broker::close() { impl_->close(); }

void redis_broker::publish(const std::string& topic, envelope e, publish_options options,
                           core::unique_callback<publish_outcome> done) {
    impl_->publish(topic, std::move(e), std::move(options), std::move(done));
}

void redis_broker::subscribe(const std::string& topic, core::unique_callback<subscribe_outcome> done) {
    impl_->subscribe(topic, std::move(done));
}

void redis_broker::unsubscribe(const std::string& topic) { impl_->unsubscribe(topic); }

void redis_broker::presence_join(const std::string& topic, envelope change, std::size_t max_members,
                                 core::unique_callback<presence_outcome> done) {
    impl_->presence_join(topic, std::move(change), max_members, std::move(done));
}
void redis_broker::presence_leave(const std::string& topic, envelope change,
                                  core::unique_callback<presence_outcome> done) {
    impl_->presence_leave(topic, std::move(change), std::move(done));
}
void redis_broker::presence_update(const std::string& topic, envelope change,
                                   core::unique_callback<presence_outcome> done) {
    impl_->presence_update(topic, std::move(change), std::move(done));
}
void redis_broker::presence_members(const std::string& topic, core::unique_callback<presence_outcome> done) {
    impl_->presence_members(topic, std::move(done));
}
void redis_broker::count_subscriptions(const std::string& topic, std::int64_t delta,
                                       core::unique_callback<occupancy> done) {
    impl_->count_subscriptions(topic, delta, std::move(done));
}
void redis_broker::channel_counts(const std::string& topic, bool exact,
                                  core::unique_callback<std::vector<channel_count>> done) {
    impl_->channel_counts(topic, exact, std::move(done));
}
void redis_broker::broadcast(envelope e) { impl_->broadcast(std::move(e)); }
void redis_broker::exchange_connection_counts(std::map<std::string, std::int64_t> mine,
                                              core::unique_callback<std::map<std::string, std::int64_t>> others) {
    impl_->exchange_connection_counts(std::move(mine), std::move(others));
}
bool redis_broker::healthy() const noexcept { return impl_->healthy(); }
const std::string& redis_broker::prefix() const noexcept { return impl_->prefix(); }

}  // namespace sb::broker
