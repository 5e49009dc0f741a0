#pragma once
// One acceptor per shard on the same address with SO_REUSEPORT, so the kernel spreads new
// connections over the shards and a connection never changes thread. SO_REUSEADDR lets a
// restarted server bind at once. When the process runs out of file descriptors (EMFILE), the
// acceptor waits and tries again instead of stopping.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sb::net {

class shard_set;
class http_service;
struct http_limits;

class listener {
public:
    // Binds on every shard; port 0 picks a free port (all shards share it). Throws
    // std::runtime_error when the address cannot be bound.
    listener(shard_set& shards, const std::string& host, std::uint16_t port, http_service& service,
             const http_limits& limits);
    ~listener();

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    // Starts accepting on every shard (call before the shards run or from any thread).
    void start();
    // Stops accepting; existing connections stay.
    void stop();

private:
    struct acceptor;
    std::vector<std::shared_ptr<acceptor>> acceptors_;
    std::uint16_t port_ = 0;
};

}  // namespace sb::net
