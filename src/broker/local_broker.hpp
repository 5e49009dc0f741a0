#pragma once
// The in-process broker: what a single node does without Redis, and the reference the broker
// contract suite holds redis_broker to. Brokers that share one local_bus behave like nodes of
// one cluster (the contract suite uses two).
//
// A destroyed local_broker is a node that went away: its presence connections are removed and
// member_removed goes out for users who had no other, as the Redis janitor does for a dead node;
// the changes are reported (cluster_change) to one surviving broker of the bus, as the one
// Redis janitor that removed the node reports them.
//
// Thread: the bus and its brokers belong to one io_context thread (see broker.hpp).

#include "broker/broker.hpp"

#include <map>
#include <memory>
#include <set>
#include <string>

namespace boost::asio {
class io_context;
}

namespace sb::broker {

class local_broker;

// What Redis holds in cluster mode: positions, cached events, who subscribes to what.
class local_bus {
public:
    local_bus() = default;
    local_bus(const local_bus&) = delete;
    local_bus& operator=(const local_bus&) = delete;

    struct member {
        std::string info_json;
        std::map<local_broker*, std::uint32_t> connections;  // per node
    };

private:
    friend class local_broker;
    struct cached {
        envelope e;
        std::uint64_t expires_at_ms = 0;
    };
    struct first_publication {
        publish_outcome outcome;
        std::uint64_t expires_at_ms = 0;
    };
    std::map<std::string, first_publication> idempotency_;  // topic + '\n' + key
    std::map<std::string, channel_position> positions_;
    std::map<std::string, cached> cache_;
    std::map<std::string, std::set<local_broker*>> subscribers_;
    std::map<std::string, std::map<std::string, member>> presence_;  // topic → user → member
    // topic → membership version; kept when the members go, so versions only grow
    std::map<std::string, std::uint64_t> member_versions_;
    std::map<std::string, std::map<local_broker*, std::int64_t>> counts_;  // topic → node → subscriptions
    std::map<local_broker*, std::map<std::string, std::int64_t>> connections_;  // node → tenant → count
    std::set<local_broker*> brokers_;
    std::uint64_t epochs_ = 0;
};

class local_broker final : public broker {
public:
    local_broker(boost::asio::io_context& context, std::shared_ptr<local_bus> bus, envelope_handler on_envelope,
                 cluster_change_handler on_change = {});
    ~local_broker() override;

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
    [[nodiscard]] bool healthy() const noexcept override { return true; }

private:
    // Hands `e` to every broker subscribed to `topic` (posted, never inline).
    void deliver(const std::string& topic, const envelope& e);
    void answer(core::unique_callback<presence_outcome> done, presence_outcome out);
    // Delivers a member event with the topic's next membership version.
    void deliver_member_change(const std::string& topic, envelope change);

    boost::asio::io_context& context_;
    std::shared_ptr<local_bus> bus_;
    envelope_handler on_envelope_;
    cluster_change_handler on_change_;
    // Cleared on destruction: deliveries already posted to a destroyed broker are dropped.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sb::broker
