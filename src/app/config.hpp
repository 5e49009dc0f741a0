#pragma once
// Server configuration. Precedence, lowest first: built-in defaults, the TOML file (--config or
// SWITCHBOARD_CONFIG), SWITCHBOARD_* environment variables, command-line flags.

#include "ai/settings.hpp"  // ai: the [ai] section
#include "api/realtime_options.hpp"
#include "core/app.hpp"
#include "net/http_connection.hpp"
#include "net/ws_connection.hpp"
#include "webhooks/options.hpp"  // webhooks: the [webhooks] section
#include "webrtc/options.hpp"    // webrtc: the [webrtc] section

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sb::app {

struct server_config {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6001;
    std::uint32_t threads = 0;  // 0: one per core
    std::string data_dir = "./data";
    std::string log_level = "info";
    std::uint32_t shutdown_grace_s = 5;
    std::vector<core::app_config> apps;
    bool demo_app = false;  // no app configured: a demo app was generated
    std::string database;   // "" or sqlite://…: SQLite in data_dir; postgresql://…: PostgreSQL
    std::string broker;     // "": a single node; redis://…: a cluster member (docs/cluster.md)
    std::string node_id;    // cluster mode: this node's name ("": random at each start)
    // Cluster mode: a node silent for this long is dead; its presence members are removed.
    std::chrono::milliseconds node_ttl{30'000};
    bool history = true;    // store messages of the channels each app's history patterns name
    std::size_t history_recent_messages = 64;  // per channel, in memory, for quick recovery
    std::size_t history_readers = 2;
    std::uint32_t retention_sweep_s = 60;
    std::vector<std::string> delivery_receipts;  // default patterns for apps that list none
    std::string web_dir;    // served under /demo/ ("": the web/ folder beside the build, if any)
    std::string demo_token_app;  // app whose tokens POST /demo/token mints ("": none)
    webhooks::options webhooks;  // [webhooks] and each app's [[apps.webhooks]] (docs/webhooks.md)
    ai::service_options ai;  // [ai] and each app's [apps.ai] (docs/ai.md)
    webrtc::options webrtc;  // [webrtc] (docs/webrtc.md)
    api::realtime_options realtime;
    net::ws_limits ws;
    net::http_limits http;
};

class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Reads a TOML document into `config` (keys documented in docs/configuration.md).
void apply_toml(server_config& config, const std::string& toml_text, const std::string& origin);
// Applies SWITCHBOARD_* variables from `env` (name → value).
void apply_environment(server_config& config, const std::map<std::string, std::string>& env);
// "ID:KEY:SECRET" → app; throws config_error on a malformed value.
[[nodiscard]] core::app_config parse_app_flag(const std::string& value);
// Fills derived limits (WebSocket message limit from the event size limit, thread count).
void finalize(server_config& config);

}  // namespace sb::app
