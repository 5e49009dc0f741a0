#pragma once
// What this node has registered with the cluster broker: its subscription count per topic and
// its presence connections per (topic, user). redis_broker keeps it as it issues the commands,
// so that when Redis lost them (restarted without persistence, or this node was reaped as dead
// during a partition) it can register them again as they are now (redis_node_scripts.hpp
// `reregister`). It records what the node's clients did, not what Redis acknowledged: a leave
// whose command failed during an outage is still a leave.
//
// Thread: plain value, owned by the broker's thread.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sb::broker {

class registered_state {
public:
    void count(const std::string& topic, std::int64_t delta) {
        auto& n = subscriptions_[topic];
        n += delta;
        if (n <= 0) subscriptions_.erase(topic);
    }
    void join(const std::string& topic, const std::string& user, const std::string& info) {
        auto& m = members_[{topic, user}];
        m.info = info;
        ++m.connections;
    }
    void leave(const std::string& topic, const std::string& user) {
        auto it = members_.find({topic, user});
        if (it != members_.end() && --it->second.connections <= 0) members_.erase(it);
    }
    void update(const std::string& topic, const std::string& user, const std::string& info) {
        if (auto it = members_.find({topic, user}); it != members_.end()) it->second.info = info;
    }

    // The reregister script's arguments after prefix and node: S, S (topic, count) pairs, M,
    // M (topic, user, info, connections) quadruples.
    void append_arguments(std::vector<std::string>& args) const {
        args.push_back(std::to_string(subscriptions_.size()));
        for (const auto& [topic, n] : subscriptions_) {
            args.push_back(topic);
            args.push_back(std::to_string(n));
        }
        args.push_back(std::to_string(members_.size()));
        for (const auto& [key, m] : members_) {
            args.push_back(key.first);
            args.push_back(key.second);
            args.push_back(m.info);
            args.push_back(std::to_string(m.connections));
        }
    }

private:
    struct member {
        std::string info;
        std::int64_t connections = 0;
    };
    std::map<std::string, std::int64_t> subscriptions_;
    std::map<std::pair<std::string, std::string>, member> members_;
};

}  // namespace sb::broker
