#pragma once
// switchboard-baseline: the ceiling the load tool measures other servers against. A minimal
// single-threaded epoll server that speaks just enough of the Pusher protocol for the tool:
// WebSocket upgrade on /app/{key}, connection_established, subscribe / unsubscribe (private
// channels' auth checked), ping, client events, and the HTTP API's POST /apps/{id}/events and
// /batch_events (signatures checked unless verify_signatures is off). Nothing else: no
// presence members, no webhooks, no limits beyond the per-connection queue.
//
// Two ways to write a fan-out, which is what it exists to measure:
//   - one write() per delivery (what a server without output coalescing does);
//   - batch: each delivery is queued on its socket and every socket with something queued gets
//     one writev() per event-loop turn (what Redis does for pub/sub subscribers).
// Every event is encoded once into a shared frame; queues hold references to it.
//
// One thread owns everything; run() returns after stop() (called from a signal handler).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sb::bench::baseline {

struct server_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0: an ephemeral port
    std::string app_id = "app-id";
    std::string key = "app-key";
    std::string secret = "app-secret";
    bool verify_signatures = true;
    bool batch = false;
    std::size_t queue_limit_bytes = 4 << 20;  // over it: close with 4100 (slow consumer)
};

class server {
public:
    explicit server(server_options options);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // The bound port (useful with port 0).
    [[nodiscard]] std::uint16_t port() const noexcept;
    void run();
    // Async-signal-safe.
    void stop() noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace sb::bench::baseline
