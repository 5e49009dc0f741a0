#pragma once
// The cluster broker: nodes share fan-out through Redis (`broker = "redis://…"`).
//
// Redis layout (every key starts with options.prefix, "sb:" by default; T is a topic):
//   <prefix>ch:T     pub/sub channel carrying T's envelopes; a node subscribes only while it
//                    has local subscribers for T, so a hot channel binds only the nodes that
//                    serve it
//   <prefix>pos:T    hash {offset, epoch}: T's numbering, shared by every node (expires after a
//                    week without publications; then it starts again from the store's position)
//   <prefix>cache:T  the last cacheable payload of a cache channel, with its TTL
//   presence: member hashes per channel, connection counts per user and per node, and a
//   heartbeat key per node; redis_scripts.hpp has the whole layout
// A publish is one EVAL: allocate the offset (HINCRBY, initialised from the caller's position
// when missing), optionally SET the cache, PUBLISH the payload with offset and epoch in front.
// So offsets increase in the order Redis delivers the messages, on every node.
//
// Rebuild: the broker remembers what this node registered (registered_state.hpp) and registers
// it again whenever its command connection (re)connects or it finds itself missing from the
// node set, so counts and members are right again after Redis lost them.
//
// Connections: one for commands and one subscriber, both on the given io_context, both
// reconnecting with backoff forever (redis_connection); the subscriber restores its
// subscriptions itself. healthy() is true while both are connected.
//
// Thread: as broker.hpp: construct anywhere, everything else on the io_context's thread.

#include "broker/broker.hpp"
#include "broker/redis/redis_url.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace sb::broker {

struct redis_broker_options {
    redis::redis_url url;
    std::string node_id;        // names this node (CLIENT SETNAME, envelopes' origin)
    std::string prefix = "sb:";
    // A node whose heartbeat is older than this is dead: a surviving node's janitor removes its
    // presence members (member_removed) within about this bound.
    std::chrono::milliseconds node_ttl{30'000};
    std::chrono::milliseconds command_timeout{5000};
    std::chrono::milliseconds backoff_initial{100};
    std::chrono::milliseconds backoff_max{2000};
    envelope_handler on_envelope;
    health_handler on_health;  // on every change of healthy()
    // What this node's janitor removed with a dead node, and what registering this node again
    // after a Redis data loss or a reap changed (broker.hpp cluster_change).
    cluster_change_handler on_change;
};

class redis_broker final : public broker {
public:
    redis_broker(boost::asio::io_context& context, redis_broker_options options);
    ~redis_broker() override;
    redis_broker(const redis_broker&) = delete;
    redis_broker& operator=(const redis_broker&) = delete;

    // Connects (returns at once). Call once, on the io_context's thread.
    void start();
    // Stops for good; pending callbacks fail with CLOSED. Idempotent.
    void close();

    void publish(const std::string& topic, envelope e, publish_options options,
                 core::unique_callback<publish_outcome> done) override;
    void subscribe(const std::string& topic, core::unique_callback<subscribe_outcome> done) override;
    void unsubscribe(const std::string& topic) override;
    void presence_join(const std::string& topic, envelope change, std::size_t max_members,
                       core::unique_callback<presence_outcome> done) override;
    void presence_leave(const std::string& topic, envelope change,
                        core::unique_callback<presence_outcome> done) override;
    void presence_update(const std::string& topic, envelope change,
                         core::unique_callback<presence_outcome> done) override;
    void presence_members(const std::string& topic, core::unique_callback<presence_outcome> done) override;
    void count_subscriptions(const std::string& topic, std::int64_t delta,
                             core::unique_callback<occupancy> done) override;
    void channel_counts(const std::string& topic, bool exact,
                        core::unique_callback<std::vector<channel_count>> done) override;
    void broadcast(envelope e) override;
    void exchange_connection_counts(std::map<std::string, std::int64_t> mine,
                                    core::unique_callback<std::map<std::string, std::int64_t>> others) override;
    [[nodiscard]] bool healthy() const noexcept override;

    [[nodiscard]] const std::string& prefix() const noexcept;

private:
    class impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace sb::broker
