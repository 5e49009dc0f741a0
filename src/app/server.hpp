#pragma once
// The running server: shards, hub, HTTP router and listener, wired from a server_config.
// Constructed and driven from the main thread.

#include "app/config.hpp"

#include <memory>

namespace sb::app {

class server {
public:
    // Binds the listening socket (throws std::runtime_error when it cannot).
    explicit server(server_config config);
    ~server();

    [[nodiscard]] std::uint16_t port() const noexcept;
    [[nodiscard]] const server_config& config() const noexcept;
    // Starts the shard threads and accepting.
    void start();
    // Refuses new connections, closes every connection with 4200, waits up to the grace period
    // for their close frames to go out, then stops the threads.
    void shutdown();

private:
    // Cluster mode: the Redis broker on shard 0, wired to the hub and /readyz.
    void start_broker();
    struct parts;
    std::unique_ptr<parts> parts_;
};

}  // namespace sb::app
