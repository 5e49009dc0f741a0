#pragma once
// Limits and timeouts of the real-time protocol, from the configuration (src/app/config).

#include <cstddef>
#include <cstdint>

namespace sb::api {

struct realtime_options {
    std::uint32_t activity_timeout_s = 120;  // sent in connection_established; ping after this
    std::uint32_t pong_timeout_s = 30;       // close with 4201 after this without an answer
    std::size_t max_message_size = 10 * 1024;  // event data bytes (client events and publishes)
    std::size_t max_presence_members = 100;
    std::size_t max_user_info_size = 1024;
    std::uint32_t client_event_rate = 10;    // client events per second per connection (0: none)
    std::uint64_t cache_ttl_ms = 30 * 60 * 1000;
    std::size_t max_subscriptions_per_connection = 1000;
    std::int64_t max_connections = 0;        // server-wide safety bound (0: none): 4100 beyond
    std::uint64_t idempotency_window_ms = 2 * 60 * 1000;  // repeats of a key inside it are dropped
    std::uint64_t typing_timeout_ms = 6'000;  // typing:stop sent when a typing:start is not renewed
};

}  // namespace sb::api
