#include <utility>

#include "app/server.hpp"

#include "ai/service.hpp"
#include "api/conversations_api.hpp"
#include "api/http_router.hpp"
#include "api/hub.hpp"
#include "api/webhooks_api.hpp"
#include "api/webrtc_signaling.hpp"
#include "broker/redis/redis_url.hpp"
#include "broker/redis_broker.hpp"
#include "core/app.hpp"
#include "core/clock.hpp"
#include "history/storage_runner.hpp"
#include "net/listener.hpp"
#include "net/shard.hpp"
#include "net/ws_connection.hpp"
#include "webhooks/webhook_service.hpp"
#include "webrtc/janus_recorder.hpp"
#include "webrtc/room_registry.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

namespace sb::app {

struct server::parts {
    server_config config;
    core::app_registry apps;
    std::unique_ptr<history::storage_runner> history;
    std::unique_ptr<net::shard_set> shards;
    std::unique_ptr<api::hub> hub;
    std::unique_ptr<webrtc::room_registry> rooms;  // WebRTC rooms of this node (memory)
    // Declared after the shards: destroyed first, so its worker stops before the shards it posts to.
    std::unique_ptr<webrtc::janus_recorder> recorder;
    std::unique_ptr<api::http_router> router;
    // Cluster mode. Runs on shard 0's io_context, so it is destroyed before the shards.
    std::unique_ptr<broker::redis_broker> broker;
    std::unique_ptr<net::listener> listener;
    // The outbox is kept in the history store; with history off, in the same database through a
    // runner of the service's own (docs/webhooks.md "Storage").
    std::unique_ptr<history::storage_runner> webhook_store;
    std::unique_ptr<webhooks::service> webhooks;
    // Destroyed first: stops the service, then its own runner (whose queued jobs still call it).
    struct webhooks_stopper {
        parts* p;
        ~webhooks_stopper() {
            if (p->webhooks) p->webhooks->stop();
            if (p->webhook_store) p->webhook_store->stop();
        }
    } webhooks_stop{this};
    std::unique_ptr<ai::service> ai;
};

server::server(server_config config) : parts_(std::make_unique<parts>()) {
    auto& p = *parts_;
    p.config = std::move(config);
    for (const auto& app : p.config.apps) {
        const auto error = p.apps.add(app);
        if (error != core::app_config_error::none)
            throw config_error("app '" + app.id + "' (key '" + app.key + "'): " + std::string(core::describe(error)));
    }
    const std::size_t read_buffer = std::max<std::size_t>(64 * 1024, p.config.ws.max_message_size + 64);
    if (p.config.history) {
        std::filesystem::create_directories(p.config.data_dir);
        p.history = std::make_unique<history::storage_runner>(
            storage::open_store(p.config.database, p.config.data_dir),
            history::runner_options{p.config.history_readers, 2000});
        spdlog::info("history: {} store", p.history->kind());
    }
    p.shards = std::make_unique<net::shard_set>(p.config.threads, read_buffer);
    p.hub = std::make_unique<api::hub>(*p.shards, p.apps, p.config.realtime, p.history.get(),
                                       api::history_options{p.config.history_recent_messages, 60'000});
    for (std::uint32_t i = 0; i < p.shards->size(); ++i)
        p.shards->at(i).add_tick_task([hub = p.hub.get()](std::uint64_t) { hub->sweep_idle_channels(); });
    p.rooms = std::make_unique<webrtc::room_registry>(p.config.webrtc);
    p.hub->set_webrtc(p.rooms.get());
    if (!p.config.webrtc.janus_url.empty()) {
        p.recorder = std::make_unique<webrtc::janus_recorder>(p.config.webrtc.janus_url,
                                                              std::filesystem::path(p.config.data_dir) / "recordings");
        p.hub->set_recorder(p.recorder.get());
        spdlog::info("webrtc: recording through Janus at {} into {}/recordings", p.config.webrtc.janus_url, p.config.data_dir);
    }
    p.shards->at(0).add_tick_task([hub = p.hub.get()](std::uint64_t) { api::sweep_webrtc_rooms(*hub); });
    if (p.history) {
        // Retention: prune each tenant with a limit, on shard 0's tick, every sweep period.
        auto last = std::make_shared<std::uint64_t>(0);
        p.shards->at(0).add_tick_task([this, last](std::uint64_t now) {
            auto& q = *parts_;
            if (now < *last + std::uint64_t{q.config.retention_sweep_s} * 1000) return;
            *last = now;
            q.apps.for_each([&](const core::tenant& t) {
                if (!t.limits.history_retention_seconds) return;
                const std::uint64_t cutoff = core::wall_clock_ms() - *t.limits.history_retention_seconds * 1000;
                q.history->write([tenant = api::hub::storage_tenant(t), cutoff](storage::connection& c) {
                    const auto n = c.prune(tenant, "", cutoff);
                    if (n) spdlog::info("history: pruned {} messages of {} past retention", n, tenant);
                });
            });
        });
    }
    p.router = std::make_unique<api::http_router>(*p.hub, p.config.ws,
                                                  api::demo_options{p.config.web_dir, p.config.demo_token_app});
    if (p.config.webhooks.enabled) {
        history::storage_runner* outbox = p.history.get();
        if (!outbox) {
            std::filesystem::create_directories(p.config.data_dir);
            p.webhook_store = std::make_unique<history::storage_runner>(
                storage::open_store(p.config.database, p.config.data_dir), history::runner_options{1, 2000});
            outbox = p.webhook_store.get();
        }
        p.webhooks = std::make_unique<webhooks::service>(p.apps, *outbox, p.config.webhooks);
        p.webhooks->start();
        p.hub->set_event_sink(p.webhooks.get());
        p.router->native_api().webhooks().set_service(p.webhooks.get());
    }
    // Summaries and digests read the history store; without history there is nothing to read.
    if (p.history && p.config.ai.enabled) {
        p.ai = std::make_unique<ai::service>(*p.history, p.config.ai);
        p.router->native_api().conversations().set_service(p.ai.get());
        spdlog::info("ai: {} engine{}", p.config.ai.endpoint.empty() ? "built-in" : "built-in and OpenAI-compatible",
                     p.config.ai.endpoint.empty() ? "" : " at " + p.config.ai.endpoint + " (" + p.config.ai.model + ")");
    }
    if (!p.config.broker.empty()) start_broker();
    p.listener = std::make_unique<net::listener>(*p.shards, p.config.host, p.config.port, *p.router, p.config.http);
}

void server::start_broker() {
    auto& p = *parts_;
    std::string node_id = p.config.node_id;
    if (node_id.empty()) {
        std::random_device rd;
        static constexpr char hex[] = "0123456789abcdef";
        for (int i = 0; i < 12; ++i) node_id += hex[rd() % 16];
    }
    broker::redis_broker_options o;
    o.url = broker::redis::parse_redis_url(p.config.broker).url;  // finalize() checked it
    o.node_id = node_id;
    o.node_ttl = p.config.node_ttl;
    api::hub* hub = p.hub.get();
    api::http_router* router = p.router.get();
    o.on_envelope = [hub](broker::envelope&& e) { hub->on_envelope(std::move(e)); };
    o.on_change = [hub](std::vector<broker::cluster_change>&& changes) { hub->on_cluster_changes(std::move(changes)); };
    const std::string shown_url = o.url.to_string();  // without the password
    o.on_health = [router, url = shown_url](bool healthy) {
        router->set_broker_ready(healthy);
        if (healthy)
            spdlog::info("cluster: broker {} connected", url);
        else if (!router->ready())  // shutting down: the node closed the connection itself
            spdlog::info("cluster: left broker {}", url);
        else
            spdlog::warn("cluster: broker {} unreachable; /readyz answers 503 until it is back", url);
    };
    p.broker = std::make_unique<broker::redis_broker>(p.shards->at(0).context(), std::move(o));
    p.hub->set_broker(p.broker.get(), 0, node_id);
    // Cluster-wide connection limits: counts go both ways about once a second.
    auto last = std::make_shared<std::uint64_t>(0);
    p.shards->at(0).add_tick_task([hub, last](std::uint64_t now) {
        if (now < *last + 900) return;
        *last = now;
        hub->exchange_connection_counts();
    });
    p.router->set_broker_ready(false);
    spdlog::info("cluster: node {} with broker {}", node_id, shown_url);
}

server::~server() {
    if (parts_ && parts_->shards) parts_->shards->stop_and_join();
    if (parts_ && parts_->history) parts_->history->stop();
}

std::uint16_t server::port() const noexcept { return parts_->listener->port(); }
const server_config& server::config() const noexcept { return parts_->config; }

void server::start() {
    if (parts_->broker) parts_->shards->at(0).post([b = parts_->broker.get()] { b->start(); });
    parts_->shards->start();
    parts_->listener->start();
}

void server::shutdown() {
    auto& p = *parts_;
    p.router->set_ready(false);
    p.listener->stop();
    p.shards->invoke_on_all([](net::shard& s) {
        return net::unique_task([&s] {
            s.for_each_connection([](net::ws_connection& c) { c.close(4200, "Server is restarting, reconnect"); });
        });
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(p.config.shutdown_grace_s);
    while (net::ws_connection::live_count() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (const auto left = net::ws_connection::live_count(); left > 0)
        spdlog::warn("{} connections did not close within {} s", left, p.config.shutdown_grace_s);
    if (p.broker) p.shards->at(0).post([b = p.broker.get()] { b->close(); });
    p.shards->stop_and_join();
    if (p.webhooks) p.webhooks->stop();  // its last outbox write is queued before the store stops
    if (p.webhook_store) p.webhook_store->stop();
    if (p.ai) p.ai->stop();  // before the store stops: its last jobs post to a stopped context
    if (p.history) p.history->stop();  // stores whatever is still queued
}

}  // namespace sb::app
