#pragma once
// The server's http_service: routes requests to Pusher's HTTP API (/apps/…), the native REST API
// (/v1/realtime/…) and health checks, and turns WebSocket upgrades on /app/{key} into clients.

#include "api/demo_pages.hpp"
#include "api/hub.hpp"
#include "api/native_rest_api.hpp"
#include "api/pusher_http_api.hpp"
#include "net/http_service.hpp"
#include "net/ws_connection.hpp"

#include <atomic>
#include <cstdint>
#include <vector>

namespace sb::api {

class http_router final : public net::http_service {
public:
    http_router(hub& h, const net::ws_limits& ws_limits, demo_options demo = {});

    void handle(net::http_request request, net::http_responder respond) override;
    [[nodiscard]] bool accepts_websocket(std::string_view path) const override;
    void upgrade(net::http_request request, boost::asio::ip::tcp::socket socket, std::string handshake_response,
                 std::string leftover, net::shard& home) override;

    [[nodiscard]] native_rest_api& native_api() noexcept { return native_api_; }

    // /readyz answers 503 once shutting down.
    void set_ready(bool ready) noexcept { ready_.store(ready); }
    [[nodiscard]] bool ready() const noexcept { return ready_.load(); }
    // Cluster mode: /readyz answers 503 while the broker is unreachable (connections are still
    // accepted: local delivery goes on, and clients recover the rest from history).
    void set_broker_ready(bool ready) noexcept { broker_ready_.store(ready); }

private:
    hub& hub_;
    const net::ws_limits& ws_limits_;
    pusher_http_api pusher_api_;
    native_rest_api native_api_;
    demo_pages demo_;
    std::uint64_t node_id_;
    std::vector<std::uint64_t> next_socket_;  // per shard, touched only by its shard
    std::atomic<bool> ready_{true};
    std::atomic<bool> broker_ready_{true};
};

}  // namespace sb::api
