#pragma once
// Configuration of the webhook service: the `[webhooks]` table of the TOML file and the webhooks
// declared per app (`[[apps.webhooks]]`). docs/webhooks.md "Configuration" lists every key.

#include "webhooks/retry_schedule.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sb::webhooks {

// A webhook declared in the config for one app's key pair. It is stored like one made through
// the API (so it has a delivery log) but the API cannot change or delete it; it is updated from
// the config at every start, and deleted when it leaves the config.
struct declared_webhook {
    std::string app_key;  // the [[apps]] entry's key: selects the app and its environment
    std::string name;     // unique per app entry; the stable id derives from it ("" → the url)
    std::string url;
    std::vector<std::string> events;  // empty: every event of the format
    std::string format = "native";
    std::string secret;                 // "" → generated once and kept (native only)
    std::vector<std::string> channels;  // empty: every channel
    bool active = true;
};

struct options {
    bool enabled = true;
    retry_schedule native_retries = retry_schedule::native_default();
    retry_schedule pusher_retries = retry_schedule::pusher_default();
    std::chrono::milliseconds timeout{10'000};  // per request: connect, TLS, send, answer
    std::size_t max_in_flight = 8;              // concurrent requests per webhook
    std::size_t pusher_batch = 50;              // events per Pusher-format request
    std::vector<std::string> allowed_hosts;     // empty: any host (see webhook_request.hpp)
    bool verify_tls = true;
    // Automatic switch-off: after this many failed attempts in a row (0: never) that also span
    // at least disable_after (a short outage never disables an endpoint).
    std::uint32_t disable_after_failures = 100;
    std::chrono::milliseconds disable_after{std::chrono::hours(24 * 5)};
    std::chrono::milliseconds log_retention{std::chrono::hours(24 * 7)};  // finished deliveries
    std::chrono::milliseconds poll_interval{1000};    // look for due deliveries at least this often
    std::chrono::milliseconds reload_interval{5000};  // re-read webhooks (other nodes' changes)
    std::size_t max_buffered_events = 100'000;  // waiting for the outbox write; beyond: dropped
    std::size_t max_webhooks_per_app = 100;
    std::string node_id;  // owner of this process's leases ("" → the host name)
    std::vector<declared_webhook> declared;
};

}  // namespace sb::webhooks
