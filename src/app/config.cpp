#include "app/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <sstream>
#include <thread>

namespace sb::app {
namespace {

template <class T>
void read(const toml::table& t, const char* key, T& out, const std::string& origin) {
    const toml::node* node = t.get(key);
    if (!node) return;
    if constexpr (std::is_same_v<T, std::string>) {
        if (auto v = node->value<std::string>()) {
            out = *v;
            return;
        }
    } else if constexpr (std::is_same_v<T, bool>) {
        if (auto v = node->value<bool>()) {
            out = *v;
            return;
        }
    } else {
        if (auto v = node->value<std::int64_t>(); v && *v >= 0) {
            out = static_cast<T>(*v);
            return;
        }
    }
    throw config_error(origin + ": '" + key + "' has the wrong type");
}

std::optional<std::uint64_t> read_limit(const toml::table& t, const char* key, const std::string& origin) {
    const toml::node* node = t.get(key);
    if (!node) return std::nullopt;
    auto v = node->value<std::int64_t>();
    if (!v || *v < 0) throw config_error(origin + ": limits." + key + " must be a non-negative integer");
    return static_cast<std::uint64_t>(*v);
}

std::uint64_t parse_number(const std::string& name, const std::string& value) {
    std::uint64_t out = 0;
    auto r = std::from_chars(value.data(), value.data() + value.size(), out);
    if (r.ec != std::errc{} || r.ptr != value.data() + value.size())
        throw config_error(name + " must be a non-negative integer, got '" + value + "'");
    return out;
}

bool parse_bool(const std::string& name, const std::string& value) {
    if (value == "1" || value == "true" || value == "yes" || value == "on") return true;
    if (value == "0" || value == "false" || value == "no" || value == "off") return false;
    throw config_error(name + " must be true or false, got '" + value + "'");
}

}  // namespace

core::app_config parse_app_flag(const std::string& value) {
    const auto first = value.find(':');
    const auto second = first == std::string::npos ? std::string::npos : value.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos || first == 0 || second == first + 1 ||
        second + 1 >= value.size())
        throw config_error("--app expects ID:KEY:SECRET, got '" + value + "'");
    core::app_config app;
    app.id = value.substr(0, first);
    app.key = value.substr(first + 1, second - first - 1);
    app.secret = value.substr(second + 1);
    return app;
}

void apply_toml(server_config& c, const std::string& text, const std::string& origin) {
    toml::table root;
    try {
        root = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        std::ostringstream msg;
        msg << origin << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
        throw config_error(msg.str());
    }
    read(root, "host", c.host, origin);
    read(root, "port", c.port, origin);
    read(root, "threads", c.threads, origin);
    read(root, "data_dir", c.data_dir, origin);
    read(root, "log_level", c.log_level, origin);
    read(root, "shutdown_grace", c.shutdown_grace_s, origin);
    read(root, "activity_timeout", c.realtime.activity_timeout_s, origin);
    read(root, "pong_timeout", c.realtime.pong_timeout_s, origin);
    read(root, "max_message_size", c.realtime.max_message_size, origin);
    read(root, "max_presence_members", c.realtime.max_presence_members, origin);
    read(root, "max_user_info_size", c.realtime.max_user_info_size, origin);
    read(root, "client_event_rate", c.realtime.client_event_rate, origin);
    read(root, "max_subscriptions_per_connection", c.realtime.max_subscriptions_per_connection, origin);
    read(root, "max_connections", c.realtime.max_connections, origin);
    std::uint64_t cache_ttl_s = c.realtime.cache_ttl_ms / 1000;
    read(root, "cache_ttl", cache_ttl_s, origin);
    c.realtime.cache_ttl_ms = cache_ttl_s * 1000;
    read(root, "database", c.database, origin);
    if (const toml::table* h = root["history"].as_table()) {
        read(*h, "enabled", c.history, origin);
        read(*h, "recent_messages", c.history_recent_messages, origin);
        read(*h, "readers", c.history_readers, origin);
        read(*h, "retention_sweep_seconds", c.retention_sweep_s, origin);
    }
    // --- webhooks: TOML ---
    // --- end webhooks ---
    // --- ai: TOML ---
    // --- end ai ---
    if (const toml::table* demo = root["demo"].as_table()) {
        read(*demo, "web_dir", c.web_dir, origin);
        read(*demo, "app", c.demo_token_app, origin);
    }
    if (const toml::table* q = root["write_queue"].as_table()) {
        read(*q, "max_bytes", c.ws.max_queue_bytes, origin);
        read(*q, "max_frames", c.ws.max_queue_frames, origin);
        read(*q, "soft_bytes", c.ws.soft_queue_bytes, origin);
        std::uint64_t soft_s = c.ws.soft_queue_ms / 1000;
        read(*q, "soft_seconds", soft_s, origin);
        c.ws.soft_queue_ms = soft_s * 1000;
    }
    if (const toml::array* apps = root["apps"].as_array()) {
        for (const toml::node& node : *apps) {
            const toml::table* t = node.as_table();
            if (!t) throw config_error(origin + ": every [[apps]] entry must be a table");
            core::app_config app;
            read(*t, "id", app.id, origin);
            read(*t, "key", app.key, origin);
            read(*t, "secret", app.secret, origin);
            read(*t, "name", app.name, origin);
            read(*t, "enabled", app.enabled, origin);
            read(*t, "client_events", app.client_events, origin);
            std::string plan_name;
            read(*t, "plan", plan_name, origin);
            const auto plan = core::parse_plan(plan_name);
            if (!plan)
                throw config_error(origin + ": app '" + app.id + "' has unknown plan '" + plan_name +
                                   "' (free, starter, pro, enterprise)");
            app.app_plan = *plan;
            if (const toml::node* h = t->get("history")) {
                const toml::array* patterns = h->as_array();
                if (!patterns) throw config_error(origin + ": app '" + app.id + "': history must be a list of channel patterns");
                app.history_channels.clear();
                for (const toml::node& p : *patterns) {
                    auto v = p.value<std::string>();
                    if (!v) throw config_error(origin + ": app '" + app.id + "': history patterns must be strings");
                    app.history_channels.push_back(*v);
                }
            }
            // --- webhooks: per-app TOML ---
            // --- end webhooks ---
            // --- ai: per-app TOML ---
            // --- end ai ---
            if (const toml::table* limits = (*t)["limits"].as_table()) {
                const std::string where = origin + ": app '" + app.id + "'";
                app.limit_overrides.max_connections = read_limit(*limits, "max_connections", where);
                app.limit_overrides.max_messages_per_second = read_limit(*limits, "max_messages_per_second", where);
                app.limit_overrides.max_channels = read_limit(*limits, "max_channels", where);
                app.limit_overrides.history_retention_seconds = read_limit(*limits, "history_retention", where);
            }
            c.apps.push_back(std::move(app));
        }
    }
}

void apply_environment(server_config& c, const std::map<std::string, std::string>& env) {
    auto get = [&](const char* name) -> const std::string* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : &it->second;
    };
    if (auto v = get("SWITCHBOARD_HOST")) c.host = *v;
    if (auto v = get("SWITCHBOARD_PORT")) {
        const auto port = parse_number("SWITCHBOARD_PORT", *v);
        if (port > 65535) throw config_error("SWITCHBOARD_PORT must be at most 65535");
        c.port = static_cast<std::uint16_t>(port);
    }
    if (auto v = get("SWITCHBOARD_THREADS")) c.threads = static_cast<std::uint32_t>(parse_number("SWITCHBOARD_THREADS", *v));
    if (auto v = get("SWITCHBOARD_DATA_DIR")) c.data_dir = *v;
    if (auto v = get("SWITCHBOARD_LOG_LEVEL")) c.log_level = *v;
    if (auto v = get("SWITCHBOARD_ACTIVITY_TIMEOUT"))
        c.realtime.activity_timeout_s = static_cast<std::uint32_t>(parse_number("SWITCHBOARD_ACTIVITY_TIMEOUT", *v));
    if (auto v = get("SWITCHBOARD_PONG_TIMEOUT"))
        c.realtime.pong_timeout_s = static_cast<std::uint32_t>(parse_number("SWITCHBOARD_PONG_TIMEOUT", *v));
    if (auto v = get("SWITCHBOARD_MAX_MESSAGE_SIZE"))
        c.realtime.max_message_size = parse_number("SWITCHBOARD_MAX_MESSAGE_SIZE", *v);
    if (auto v = get("SWITCHBOARD_CLIENT_EVENT_RATE"))
        c.realtime.client_event_rate = static_cast<std::uint32_t>(parse_number("SWITCHBOARD_CLIENT_EVENT_RATE", *v));
    if (auto v = get("SWITCHBOARD_MAX_CONNECTIONS"))
        c.realtime.max_connections = static_cast<std::int64_t>(parse_number("SWITCHBOARD_MAX_CONNECTIONS", *v));
    if (auto v = get("SWITCHBOARD_APPS")) {
        // Comma-separated ID:KEY:SECRET entries replace the configured apps.
        c.apps.clear();
        std::string_view rest = *v;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            const std::string item(rest.substr(0, comma));
            if (!item.empty()) c.apps.push_back(parse_app_flag(item));
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    if (auto v = get("SWITCHBOARD_DATABASE")) c.database = *v;
    if (auto v = get("SWITCHBOARD_HISTORY")) c.history = parse_bool("SWITCHBOARD_HISTORY", *v);
    if (auto v = get("SWITCHBOARD_WEB_DIR")) c.web_dir = *v;
    if (auto v = get("SWITCHBOARD_DEMO_APP")) c.demo_token_app = *v;
    if (auto v = get("SWITCHBOARD_CLIENT_EVENTS")) {
        const bool on = parse_bool("SWITCHBOARD_CLIENT_EVENTS", *v);
        for (auto& app : c.apps) app.client_events = on;
    }
}

void finalize(server_config& c) {
    if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
    c.threads = std::min<std::uint32_t>(c.threads, 64);
    if (c.realtime.max_message_size == 0) throw config_error("max_message_size must be positive");
    // A frame carries the event data JSON-escaped inside an envelope: allow for both.
    c.ws.max_message_size = c.realtime.max_message_size * 2 + 4096;
    c.http.max_body_size = std::max<std::size_t>(1024 * 1024, c.realtime.max_message_size * 2 * 100 + 65536);
    if (c.realtime.activity_timeout_s == 0) throw config_error("activity_timeout must be positive");
    if (c.realtime.pong_timeout_s == 0) throw config_error("pong_timeout must be positive");
}

}  // namespace sb::app
