#include "app/config.hpp"
#include "broker/redis/redis_url.hpp"

#include "protocol/jsonapi/webhook_request.hpp"
#include "webhooks/retry_schedule.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
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

std::vector<std::string> split_list(std::string_view rest) {
    std::vector<std::string> out;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string item(rest.substr(0, comma));
        if (!item.empty()) out.push_back(std::move(item));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return out;
}

// [webrtc] as docs/webrtc.md describes it; checked again after the environment in finalize().
void check_webrtc(const webrtc::options& o) {
    auto check_urls = [](const std::vector<std::string>& urls, const char* key,
                         std::initializer_list<std::string_view> schemes) {
        for (const auto& u : urls) {
            bool ok = false;
            for (auto s : schemes) ok = ok || u.rfind(s, 0) == 0;
            if (!ok) throw config_error(std::string("webrtc.") + key + ": '" + u + "' is not a " +
                                        std::string(*schemes.begin()) + " URL");
        }
    };
    check_urls(o.stun_urls, "stun_urls", {"stun:", "stuns:"});
    check_urls(o.turn_urls, "turn_urls", {"turn:", "turns:"});
    if (!o.turn_urls.empty() && o.turn_secret.empty())
        throw config_error("webrtc.turn_urls needs webrtc.turn_secret (coturn's static-auth-secret)");
    if (!o.public_url.empty() && o.public_url.rfind("http://", 0) != 0 && o.public_url.rfind("https://", 0) != 0)
        throw config_error("webrtc.public_url must be an http:// or https:// URL");
    if (!o.janus_url.empty() && o.janus_url.rfind("http://", 0) != 0 && o.janus_url.rfind("https://", 0) != 0)
        throw config_error("webrtc.janus_url must be an http:// or https:// URL");
    if (o.max_participants == 0) throw config_error("webrtc.max_participants must be positive");
    if (o.turn_ttl_s == 0 || o.room_token_ttl_s == 0) throw config_error("webrtc.turn_ttl and room_token_ttl must be positive");
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
    read(root, "broker", c.broker, origin);
    if (const toml::node* d = root.get("delivery_receipts")) {
        const toml::array* patterns = d->as_array();
        if (!patterns) throw config_error(origin + ": delivery_receipts must be a list of channel patterns");
        for (const toml::node& p : *patterns) {
            auto v = p.value<std::string>();
            if (!v) throw config_error(origin + ": delivery_receipts patterns must be strings");
            c.delivery_receipts.push_back(*v);
        }
    }
    if (const toml::table* h = root["history"].as_table()) {
        read(*h, "enabled", c.history, origin);
        read(*h, "recent_messages", c.history_recent_messages, origin);
        read(*h, "readers", c.history_readers, origin);
        read(*h, "retention_sweep_seconds", c.retention_sweep_s, origin);
    }
    // Durations are seconds (5, 0.5) or text with a unit ("250ms", "5s", "2m", "1h", "1d").
    auto duration_of = [&](const toml::node& node, const std::string& what) {
        std::optional<std::chrono::milliseconds> v;
        if (auto spelled = node.value<std::string>())
            v = webhooks::parse_duration(*spelled);
        else if (auto number = node.value<double>(); number && *number >= 0)
            v = std::chrono::milliseconds(static_cast<std::int64_t>(*number * 1000));
        if (!v) throw config_error(origin + ": " + what + " must be a duration such as 5, \"250ms\" or \"2m\"");
        return *v;
    };
    auto read_duration = [&](const toml::table& t, const char* key, std::chrono::milliseconds& out) {
        if (const toml::node* node = t.get(key)) out = duration_of(*node, std::string("webhooks.") + key);
    };
    if (const toml::table* cl = root["cluster"].as_table()) {
        for (const auto& [key, value] : *cl)
            if (key.str() != "node_id" && key.str() != "node_ttl")
                throw config_error(origin + ": unknown key cluster." + std::string(key.str()) +
                                   " (known: node_id, node_ttl)");
        read(*cl, "node_id", c.node_id, origin);
        if (const toml::node* node = cl->get("node_ttl")) c.node_ttl = duration_of(*node, "cluster.node_ttl");
    }
    auto read_strings = [&](const toml::table& t, const char* key, std::vector<std::string>& out,
                            const std::string& where) {
        const toml::node* node = t.get(key);
        if (!node) return;
        const toml::array* list = node->as_array();
        if (!list) throw config_error(where + ": " + key + " must be a list of strings");
        out.clear();
        for (const toml::node& item : *list) {
            auto v = item.value<std::string>();
            if (!v) throw config_error(where + ": " + key + " must be a list of strings");
            out.push_back(*v);
        }
    };
    auto read_schedule = [&](const toml::table& t, const char* delays_key, const char* for_key,
                             webhooks::retry_schedule& out) {
        if (const toml::node* node = t.get(delays_key)) {
            const toml::array* list = node->as_array();
            if (!list || list->empty())
                throw config_error(origin + ": webhooks." + delays_key + " must be a non-empty list of durations");
            out.delays.clear();
            for (const toml::node& item : *list)
                out.delays.push_back(duration_of(item, std::string("webhooks.") + delays_key + " entries"));
        }
        read_duration(t, for_key, out.give_up_after);
    };
    if (const toml::table* w = root["webhooks"].as_table()) {
        auto& o = c.webhooks;
        static constexpr std::array<std::string_view, 18> known{
            "enabled", "timeout", "max_in_flight", "retry_schedule", "retry_for", "pusher_retry_schedule",
            "pusher_retry_for", "jitter", "allowed_hosts", "verify_tls", "disable_after_failures", "disable_after",
            "log_retention", "poll_interval", "pusher_batch", "max_buffered_events", "max_webhooks_per_app",
            "node_id"};
        for (const auto& [key, value] : *w)
            if (std::find(known.begin(), known.end(), key.str()) == known.end())
                throw config_error(origin + ": unknown key webhooks." + std::string(key.str()));
        read(*w, "enabled", o.enabled, origin);
        read_duration(*w, "timeout", o.timeout);
        read(*w, "max_in_flight", o.max_in_flight, origin);
        read_schedule(*w, "retry_schedule", "retry_for", o.native_retries);
        read_schedule(*w, "pusher_retry_schedule", "pusher_retry_for", o.pusher_retries);
        if (const toml::node* j = w->get("jitter")) {
            auto v = j->value<double>();
            if (!v || *v < 0 || *v > 1) throw config_error(origin + ": webhooks.jitter must be between 0 and 1");
            o.native_retries.jitter = o.pusher_retries.jitter = *v;
        }
        read_strings(*w, "allowed_hosts", o.allowed_hosts, origin + ": webhooks");
        read(*w, "verify_tls", o.verify_tls, origin);
        read(*w, "disable_after_failures", o.disable_after_failures, origin);
        read_duration(*w, "disable_after", o.disable_after);
        read_duration(*w, "log_retention", o.log_retention);
        read_duration(*w, "poll_interval", o.poll_interval);
        read(*w, "pusher_batch", o.pusher_batch, origin);
        read(*w, "max_buffered_events", o.max_buffered_events, origin);
        read(*w, "max_webhooks_per_app", o.max_webhooks_per_app, origin);
        read(*w, "node_id", o.node_id, origin);
        if (o.timeout.count() <= 0) throw config_error(origin + ": webhooks.timeout must be positive");
        if (o.max_in_flight == 0) throw config_error(origin + ": webhooks.max_in_flight must be positive");
        if (o.pusher_batch == 0) throw config_error(origin + ": webhooks.pusher_batch must be positive");
        if (o.poll_interval.count() <= 0) throw config_error(origin + ": webhooks.poll_interval must be positive");
    }
    if (const toml::table* a = root["ai"].as_table()) {
        auto& ai = c.ai;
        read(*a, "enabled", ai.enabled, origin);
        read(*a, "endpoint", ai.endpoint, origin);
        read(*a, "model", ai.model, origin);
        read(*a, "api_key", ai.api_key, origin);
        std::string key_env;
        read(*a, "api_key_env", key_env, origin);  // the key from the environment, not the file
        if (!key_env.empty()) {
            if (const char* v = std::getenv(key_env.c_str())) ai.api_key = v;
        }
        read(*a, "timeout_ms", ai.timeout_ms, origin);
        read(*a, "max_concurrency", ai.max_concurrency, origin);
        read(*a, "max_queue", ai.max_queue, origin);
        read(*a, "max_retries", ai.max_retries, origin);
        read(*a, "regenerate_interval", ai.regenerate_interval_s, origin);
        read(*a, "max_input_messages", ai.max_input_messages, origin);
        read(*a, "max_input_chars", ai.max_input_chars, origin);
        read(*a, "verify_tls", ai.verify_tls, origin);
        if (!ai.endpoint.empty()) ai.defaults.engine = "openai";
        read(*a, "engine", ai.defaults.engine, origin);
        read(*a, "recency_days", ai.defaults.recency_days, origin);
        read(*a, "max_fresh_per_request", ai.defaults.max_fresh_per_request, origin);
        read(*a, "unread_only", ai.defaults.unread_only, origin);
        read(*a, "stale_after_days", ai.defaults.stale_after_days, origin);
        read(*a, "summary_prompt", ai.defaults.summary_prompt, origin);
        read(*a, "digest_prompt", ai.defaults.digest_prompt, origin);
        if (ai.defaults.engine != "builtin" && ai.defaults.engine != "openai")
            throw config_error(origin + ": ai.engine must be \"builtin\" or \"openai\"");
        if (ai.defaults.engine == "openai" && ai.endpoint.empty())
            throw config_error(origin + ": ai.engine = \"openai\" needs ai.endpoint");
        if (!ai.endpoint.empty() && ai.endpoint.rfind("http://", 0) != 0 && ai.endpoint.rfind("https://", 0) != 0)
            throw config_error(origin + ": ai.endpoint must be an http:// or https:// URL");
        if (ai.max_concurrency == 0) throw config_error(origin + ": ai.max_concurrency must be positive");
    }
    if (const toml::table* w = root["webrtc"].as_table()) {
        static constexpr std::array<std::string_view, 9> known{"public_url", "stun_urls", "turn_urls", "turn_secret",
                                                               "turn_ttl", "room_token_ttl", "reconnect_grace",
                                                               "max_participants", "janus_url"};
        for (const auto& [key, value] : *w)
            if (std::find(known.begin(), known.end(), key.str()) == known.end())
                throw config_error(origin + ": unknown key webrtc." + std::string(key.str()));
        auto& o = c.webrtc;
        read(*w, "public_url", o.public_url, origin);
        read_strings(*w, "stun_urls", o.stun_urls, origin + ": webrtc");
        read_strings(*w, "turn_urls", o.turn_urls, origin + ": webrtc");
        read(*w, "turn_secret", o.turn_secret, origin);
        read(*w, "turn_ttl", o.turn_ttl_s, origin);
        read(*w, "room_token_ttl", o.room_token_ttl_s, origin);
        read(*w, "reconnect_grace", o.reconnect_grace_s, origin);
        read(*w, "max_participants", o.max_participants, origin);
        read(*w, "janus_url", o.janus_url, origin);
        try {
            check_webrtc(o);
        } catch (const config_error& e) {
            throw config_error(origin + ": " + e.what());
        }
    }
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
            if (const toml::node* d = t->get("delivery_receipts")) {
                const toml::array* patterns = d->as_array();
                if (!patterns)
                    throw config_error(origin + ": app '" + app.id + "': delivery_receipts must be a list of channel patterns");
                for (const toml::node& p : *patterns) {
                    auto v = p.value<std::string>();
                    if (!v) throw config_error(origin + ": app '" + app.id + "': delivery_receipts patterns must be strings");
                    app.delivery_receipt_channels.push_back(*v);
                }
            }
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
            if (const toml::node* hooks = t->get("webhooks")) {
                namespace jsonapi = protocol::jsonapi;
                const std::string where = origin + ": app '" + app.id + "' webhook";
                const toml::array* list = hooks->as_array();
                if (!list) throw config_error(where + "s must be [[apps.webhooks]] tables");
                for (const toml::node& item : *list) {
                    const toml::table* h = item.as_table();
                    if (!h) throw config_error(where + "s must be [[apps.webhooks]] tables");
                    static constexpr std::array<std::string_view, 7> known{"name", "url", "events", "format",
                                                                         "secret", "channels", "active"};
                    for (const auto& [key, value] : *h)
                        if (std::find(known.begin(), known.end(), key.str()) == known.end())
                            throw config_error(where + ": unknown key " + std::string(key.str()));
                    webhooks::declared_webhook d;
                    d.app_key = app.key;
                    read(*h, "name", d.name, origin);
                    read(*h, "url", d.url, origin);
                    read(*h, "format", d.format, origin);
                    read(*h, "secret", d.secret, origin);
                    read(*h, "active", d.active, origin);
                    read_strings(*h, "events", d.events, where);
                    read_strings(*h, "channels", d.channels, where);
                    const std::string label = where + " '" + (d.name.empty() ? d.url : d.name) + "'";
                    if (auto why = jsonapi::check_webhook_url(d.url); !why.empty()) throw config_error(label + ": " + why);
                    if (!c.webhooks.allowed_hosts.empty() && !jsonapi::host_allowed(d.url, c.webhooks.allowed_hosts))
                        throw config_error(label + ": the host is not among webhooks.allowed_hosts");
                    if (d.format != "native" && d.format != "pusher")
                        throw config_error(label + ": format must be \"native\" or \"pusher\"");
                    if (!d.secret.empty())
                        if (auto why = jsonapi::check_webhook_secret(d.secret); !why.empty())
                            throw config_error(label + ": " + why);
                    for (const auto& p : d.channels)
                        if (auto why = jsonapi::check_channel_pattern(p); !why.empty())
                            throw config_error(label + ": " + why);
                    std::vector<std::string> events = d.events;
                    if (events.empty()) {
                        if (d.format == "pusher")
                            events.assign(jsonapi::pusher_event_types.begin(), jsonapi::pusher_event_types.end());
                        else
                            events.assign(jsonapi::native_event_types.begin(), jsonapi::native_event_types.end());
                    }
                    if (auto errors = jsonapi::check_webhook(d.format, events, d.format == "pusher" ? d.secret : "");
                        !errors.empty())
                        throw config_error(label + ": " + errors.front().detail);
                    c.webhooks.declared.push_back(std::move(d));
                }
            }
            if (const toml::table* a = (*t)["ai"].as_table()) {
                ai::settings_patch patch;
                auto read_text = [&](const char* key, std::optional<std::string>& out) {
                    if (!a->get(key)) return;
                    std::string v;
                    read(*a, key, v, origin);
                    out = v;
                };
                auto read_count = [&](const char* key, std::optional<std::uint32_t>& out) {
                    if (!a->get(key)) return;
                    std::uint32_t v = 0;
                    read(*a, key, v, origin);
                    out = v;
                };
                read_text("engine", patch.engine);
                if (patch.engine && *patch.engine != "builtin" && *patch.engine != "openai")
                    throw config_error(origin + ": app '" + app.id + "': ai.engine must be \"builtin\" or \"openai\"");
                read_count("recency_days", patch.recency_days);
                read_count("max_fresh_per_request", patch.max_fresh_per_request);
                read_count("stale_after_days", patch.stale_after_days);
                if (a->get("unread_only")) {
                    bool v = true;
                    read(*a, "unread_only", v, origin);
                    patch.unread_only = v;
                }
                read_text("summary_prompt", patch.summary_prompt);
                read_text("digest_prompt", patch.digest_prompt);
                c.ai.per_app[app.id] = patch;
            }
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
    if (auto v = get("SWITCHBOARD_BROKER")) c.broker = *v;
    if (auto v = get("SWITCHBOARD_NODE_ID")) c.node_id = *v;
    if (auto v = get("SWITCHBOARD_HISTORY")) c.history = parse_bool("SWITCHBOARD_HISTORY", *v);
    if (auto v = get("SWITCHBOARD_WEB_DIR")) c.web_dir = *v;
    if (auto v = get("SWITCHBOARD_DEMO_APP")) c.demo_token_app = *v;
    if (auto v = get("SWITCHBOARD_WEBRTC_PUBLIC_URL")) c.webrtc.public_url = *v;
    if (auto v = get("SWITCHBOARD_WEBRTC_STUN_URLS")) c.webrtc.stun_urls = split_list(*v);
    if (auto v = get("SWITCHBOARD_WEBRTC_TURN_URLS")) c.webrtc.turn_urls = split_list(*v);
    if (auto v = get("SWITCHBOARD_WEBRTC_TURN_SECRET")) c.webrtc.turn_secret = *v;
    if (auto v = get("SWITCHBOARD_WEBRTC_JANUS_URL")) c.webrtc.janus_url = *v;
    if (auto v = get("SWITCHBOARD_CLIENT_EVENTS")) {
        const bool on = parse_bool("SWITCHBOARD_CLIENT_EVENTS", *v);
        for (auto& app : c.apps) app.client_events = on;
    }
}

void finalize(server_config& c) {
    for (auto& app : c.apps)
        if (app.delivery_receipt_channels.empty()) app.delivery_receipt_channels = c.delivery_receipts;
    if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
    c.threads = std::min<std::uint32_t>(c.threads, 64);
    if (c.realtime.max_message_size == 0) throw config_error("max_message_size must be positive");
    // A frame carries the event data JSON-escaped inside an envelope: allow for both.
    c.ws.max_message_size = c.realtime.max_message_size * 2 + 4096;
    c.http.max_body_size = std::max<std::size_t>(1024 * 1024, c.realtime.max_message_size * 2 * 100 + 65536);
    if (c.realtime.activity_timeout_s == 0) throw config_error("activity_timeout must be positive");
    if (c.realtime.pong_timeout_s == 0) throw config_error("pong_timeout must be positive");
    check_webrtc(c.webrtc);
    if (!c.broker.empty()) {
        const auto parsed = broker::redis::parse_redis_url(c.broker);
        if (!parsed)
            throw config_error("broker must be a redis:// URL such as redis://127.0.0.1:6379 (" +
                               std::string(broker::redis::describe(parsed.error)) + "): " + c.broker);
    }
    for (char ch : c.node_id)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_')
            throw config_error("cluster node_id may hold letters, digits, '-' and '_' only: " + c.node_id);
    if (c.node_ttl < std::chrono::milliseconds(500))
        throw config_error("cluster.node_ttl must be at least 500ms (nodes renew their heartbeat every third of it)");
}

}  // namespace sb::app
