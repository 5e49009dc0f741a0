#include "webhooks/webhook_service.hpp"

#include "core/channel_grant.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "crypto/crypto.hpp"
#include "webhooks/payload.hpp"
#include "webhooks/signing.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

namespace sb::webhooks {

namespace jsonapi = protocol::jsonapi;
using namespace std::chrono_literals;

struct service::compiled {
    std::string id;
    bool pusher = false;
    std::uint32_t kinds = 0;
    std::vector<std::string> channels;  // empty: every channel
};

struct service::tenant_hooks {
    std::vector<compiled> hooks;
};

namespace {

// Ids made on any thread: one generator per thread, seeded at random.
core::ulid_generator& ids() {
    thread_local core::ulid_generator generator([] {
        std::random_device rd;
        return (std::uint64_t{rd()} << 32) ^ rd();
    }());
    return generator;
}

// The tenant as the store names it (the same as api::hub::storage_tenant).
std::string storage_tenant(const core::tenant& t) {
    return t.config.id + "/" + std::string(core::to_string(t.env));
}

std::vector<std::string> all_events(bool pusher) {
    std::vector<std::string> out;
    if (pusher)
        for (auto name : jsonapi::pusher_event_types) out.emplace_back(name);
    else
        for (auto name : jsonapi::native_event_types) out.emplace_back(name);
    return out;
}

jsonapi::error store_failed(const std::exception& e) {
    return jsonapi::codes::connection_failed(std::string("webhook store: ") + e.what());
}

jsonapi::error no_webhook(const std::string& id) {
    return jsonapi::codes::not_found("no webhook " + id + " in this app and environment");
}

jsonapi::error declared_in_config(const std::string& id) {
    return jsonapi::codes::conflict("webhook " + id +
                                    " is declared in the server's configuration; change it there");
}

std::string describe_failures(const storage::webhook_record& w) {
    return std::to_string(w.consecutive_failures) + " failed attempts in a row since " +
           core::format_rfc3339(w.failing_since_ms);
}

}  // namespace

service::service(const core::app_registry& apps, history::storage_runner& runner, options opts)
    : apps_(apps), runner_(runner), opts_(std::move(opts)) {
    tenant_count_ = apps_.size();
    masks_ = std::make_unique<std::atomic<std::uint32_t>[]>(tenant_count_);
    snapshots_ =
        std::make_unique<std::atomic<std::shared_ptr<const tenant_hooks>>[]>(tenant_count_);
    std::map<std::string, app_credentials, std::less<>> credentials;
    apps_.for_each([&](const core::tenant& t) {
        const std::string name = storage_tenant(t);
        tenant_index_.emplace(name, t.index);
        credentials.emplace(name, app_credentials{t.config.key, t.config.secret});
    });
    dispatcher::hooks hooks;
    hooks.on_health = [this](storage::connection& c,
                             const std::vector<storage::webhook_record>& health) {
        check_health(c, health);
    };
    hooks.on_reload = [this](std::vector<storage::webhook_record> all) { replace(std::move(all)); };
    dispatcher_ =
        std::make_unique<dispatcher>(runner_, opts_, std::move(credentials), std::move(hooks));
}

service::~service() { stop(); }

const core::tenant* service::tenant_of(std::string_view name) const {
    auto it = tenant_index_.find(std::string(name));
    return it == tenant_index_.end() ? nullptr : &apps_.at(it->second);
}

// --- startup and shutdown ------------------------------------------------------------------------

void service::start() {
    if (started_) return;
    auto conn = runner_.store().connect();
    const std::uint64_t now = core::wall_clock_ms();
    sync_declared(*conn, now);
    // Only this process uses an SQLite file, so whatever was in flight was ours.
    const std::string owner = runner_.kind() == "sqlite" ? "*" : dispatcher_->node_id();
    if (const auto released = conn->webhooks().release(owner, now))
        spdlog::info("webhooks: resuming {} deliveries that were in flight when the server stopped",
                     released);
    auto all = conn->webhooks().all_webhooks();
    {
        std::lock_guard lock(registry_mutex_);
        records_.clear();
        for (auto& w : all) records_.emplace(w.id, w);
        rebuild_locked();
    }
    conn.reset();
    dispatcher_->start(all);
    started_ = true;
    spdlog::info("webhooks: {} webhooks, deliveries from node {}", all.size(),
                 dispatcher_->node_id());
}

void service::stop() {
    if (!started_) return;
    started_ = false;
    dispatcher_->stop();
    bool submit = false;
    {
        std::lock_guard lock(buffer_mutex_);
        if (!buffer_.empty() && !flush_queued_) submit = flush_queued_ = true;
    }
    if (submit) runner_.write([this](storage::connection& c) { flush(c); });
}

void service::sync_declared(storage::connection& c, std::uint64_t now) {
    std::set<std::string> declared_ids;
    for (const auto& d : opts_.declared) {
        const core::tenant* t = apps_.find_by_key(d.app_key);
        if (!t)
            throw std::runtime_error("webhooks: no app with key " + d.app_key +
                                     " for declared webhook " + d.url);
        const std::string tenant = storage_tenant(*t);
        const std::string name = d.name.empty() ? d.url : d.name;
        const std::string id =
            "wh_" + crypto::to_hex(crypto::sha256(tenant + "\n" + name)).substr(0, 26);
        if (!declared_ids.insert(id).second)
            throw std::runtime_error("webhooks: two declared webhooks of app " + t->config.id +
                                     " are both named '" + name + "'");
        const auto existing = c.webhooks().find_webhook(tenant, id);
        storage::webhook_record w = existing.value_or(storage::webhook_record{});
        const bool pusher = d.format == "pusher";
        w.id = id;
        w.tenant = tenant;
        w.url = d.url;
        w.events = d.events.empty() ? all_events(pusher) : d.events;
        w.channels = d.channels;
        w.format = d.format;
        w.active = d.active;
        w.source = "config";
        w.disabled_reason.clear();
        w.disabled_at_ms = 0;
        if (pusher)
            w.secret.clear();
        else if (!d.secret.empty())
            w.secret = d.secret;
        else if (w.secret.empty())
            w.secret = generate_secret();
        if (const auto errors = jsonapi::check_webhook(w.format, w.events, pusher ? w.secret : "");
            !errors.empty())
            throw std::runtime_error("webhooks: declared webhook " + name + ": " +
                                     errors.front().detail);
        w.updated_at_ms = now;
        if (existing) {
            c.webhooks().update_webhook(w);
        } else {
            w.created_at_ms = now;
            c.webhooks().insert_webhook(w);
        }
    }
    for (const auto& w : c.webhooks().all_webhooks()) {
        if (w.source != "config" || declared_ids.contains(w.id)) continue;
        spdlog::info("webhooks: {} ({}) left the configuration: deleted with its outbox", w.id,
                     w.url);
        c.webhooks().delete_webhook(w.tenant, w.id);
    }
}

// --- the fan-out side
// -----------------------------------------------------------------------------

bool service::wants(const core::tenant& t, event_kind kind) const noexcept {
    return t.index < tenant_count_ &&
           (masks_[t.index].load(std::memory_order_relaxed) & bit_of(kind)) != 0;
}

void service::emit(const core::tenant& t, channel_event e) {
    if (t.index >= tenant_count_) return;
    const std::uint32_t bit = bit_of(e.kind);
    if ((masks_[t.index].load(std::memory_order_relaxed) & bit) == 0) return;
    const auto snapshot = snapshots_[t.index].load(std::memory_order_acquire);
    if (!snapshot) return;
    std::vector<const compiled*> native, pusher;
    for (const auto& h : snapshot->hooks) {
        if ((h.kinds & bit) == 0) continue;
        if (!h.channels.empty() && !core::matches_any_grant(h.channels, e.channel)) continue;
        (h.pusher ? pusher : native).push_back(&h);
    }
    if (native.empty() && pusher.empty()) return;
    if (e.created_at_ms == 0) e.created_at_ms = core::wall_clock_ms();
    auto& gen = ids();
    const std::string tenant = storage_tenant(t);
    const std::string event_id = gen.next("evt_", e.created_at_ms);
    const auto names = names_of(e.kind);
    std::vector<storage::outbox_event> events;
    auto add = [&](std::string_view type, std::string body,
                   const std::vector<const compiled*>& hooks) {
        storage::outbox_event o;
        o.tenant = tenant;
        o.event_id = event_id;
        o.event_type = type;
        o.channel = e.channel;
        o.body = std::move(body);
        o.created_at_ms = e.created_at_ms;
        for (const compiled* h : hooks)
            o.targets.push_back({h->id, gen.next("dlv_", e.created_at_ms)});
        events.push_back(std::move(o));
    };
    if (!native.empty()) add(names.native, native_data(e), native);
    if (!pusher.empty()) add(names.pusher, pusher_event(e), pusher);
    buffer(std::move(events));
}

void service::buffer(std::vector<storage::outbox_event> events) {
    bool submit = false;
    {
        std::lock_guard lock(buffer_mutex_);
        if (buffer_.size() + events.size() > opts_.max_buffered_events) {
            const auto before = dropped_.fetch_add(events.size(), std::memory_order_relaxed);
            if (before % 1000 == 0)
                spdlog::error(
                    "webhooks: {} events waiting for the outbox (is the store down?); {} dropped "
                    "so far",
                    buffer_.size(), before + events.size());
            return;
        }
        for (auto& e : events) buffer_.push_back(std::move(e));
        if (!flush_queued_) submit = flush_queued_ = true;
    }
    if (submit) runner_.write([this](storage::connection& c) { flush(c); });
}

void service::flush(storage::connection& c) {
    std::vector<storage::outbox_event> batch;
    {
        std::lock_guard lock(buffer_mutex_);
        flush_queued_ = false;
        batch.swap(buffer_);
    }
    if (batch.empty()) return;
    try {
        c.webhooks().enqueue(batch, core::wall_clock_ms());
    } catch (const std::exception& e) {
        spdlog::error("webhooks: writing {} events to the outbox failed ({}); retrying",
                      batch.size(), e.what());
        bool submit = false;
        {
            std::lock_guard lock(buffer_mutex_);
            batch.insert(batch.end(), std::make_move_iterator(buffer_.begin()),
                         std::make_move_iterator(buffer_.end()));
            buffer_ = std::move(batch);
            if (!flush_queued_) submit = flush_queued_ = true;
        }
        std::this_thread::sleep_for(200ms);  // the writer is failing anyway: do not spin
        if (submit) runner_.write([this](storage::connection& conn) { flush(conn); });
        throw;  // the runner reopens its connection
    }
    dispatcher_->wake();
}

// --- registry
// --------------------------------------------------------------------------------------

void service::put(storage::webhook_record w) {
    {
        std::lock_guard lock(registry_mutex_);
        records_.insert_or_assign(w.id, w);
        rebuild_locked();
    }
    dispatcher_->upsert(std::move(w));
}

void service::erase(const std::string& id) {
    {
        std::lock_guard lock(registry_mutex_);
        records_.erase(id);
        rebuild_locked();
    }
    dispatcher_->remove(id);
}

void service::replace(std::vector<storage::webhook_record> all) {
    {
        std::lock_guard lock(registry_mutex_);
        records_.clear();
        for (const auto& w : all) records_.emplace(w.id, w);
        rebuild_locked();
    }
    dispatcher_->replace(std::move(all));
}

void service::rebuild_locked() {
    std::vector<std::shared_ptr<tenant_hooks>> next(tenant_count_);
    std::vector<std::uint32_t> masks(tenant_count_, 0);
    for (const auto& [id, w] : records_) {
        if (!w.active) continue;
        auto it = tenant_index_.find(w.tenant);
        if (it == tenant_index_.end()) continue;
        compiled c;
        c.id = w.id;
        c.pusher = w.format == "pusher";
        for (const auto& type : w.events) c.kinds |= kinds_of(type, c.pusher);
        if (c.kinds == 0) continue;
        c.channels = w.channels;
        auto& slot = next[it->second];
        if (!slot) slot = std::make_shared<tenant_hooks>();
        masks[it->second] |= c.kinds;
        slot->hooks.push_back(std::move(c));
    }
    for (std::size_t i = 0; i < tenant_count_; ++i) {
        snapshots_[i].store(std::move(next[i]), std::memory_order_release);
        masks_[i].store(masks[i], std::memory_order_relaxed);
    }
}

void service::check_health(storage::connection& c,
                           const std::vector<storage::webhook_record>& health) {
    const std::uint64_t now = core::wall_clock_ms();
    for (const auto& w : health) {
        if (w.consecutive_failures > 0 && w.consecutive_failures % 20 == 0)
            spdlog::warn("webhooks: {} ({}) is failing: {}", w.id, w.url, describe_failures(w));
        if (opts_.disable_after_failures == 0 || !w.active ||
            w.consecutive_failures < opts_.disable_after_failures ||
            now - w.failing_since_ms < static_cast<std::uint64_t>(opts_.disable_after.count()))
            continue;
        const std::string reason = describe_failures(w);
        if (!c.webhooks().disable_webhook(w.id, reason, now)) continue;
        spdlog::warn("webhooks: switched {} ({}) off: {}", w.id, w.url, reason);
        auto updated = c.webhooks().find_webhook(w.tenant, w.id);
        if (!updated) continue;
        // webhook.disabled: a record in the webhook's own log, and an event for the tenant's
        // other webhooks that subscribed to it.
        storage::outbox_event e;
        e.tenant = w.tenant;
        e.created_at_ms = now;
        e.event_id = ids().next("evt_", now);
        e.event_type = "webhook.disabled";
        e.body = disabled_data(*updated, reason);
        e.targets.push_back({w.id, ids().next("dlv_", now), storage::delivery_status::skipped});
        {
            std::lock_guard lock(registry_mutex_);
            for (const auto& [id, other] : records_) {
                if (id == w.id || other.tenant != w.tenant || !other.active ||
                    other.format != "native")
                    continue;
                if (std::find(other.events.begin(), other.events.end(), "webhook.disabled") ==
                    other.events.end())
                    continue;
                e.targets.push_back({id, ids().next("dlv_", now)});
            }
        }
        std::vector<storage::outbox_event> batch{std::move(e)};
        c.webhooks().enqueue(batch, now);
        put(std::move(*updated));
    }
}

// --- management
// ------------------------------------------------------------------------------------

void service::create(const core::tenant& t, jsonapi::webhook_fields f,
                     callback<webhook_result> done) {
    webhook_result out;
    storage::webhook_record w;
    w.tenant = storage_tenant(t);
    w.format = f.format.value_or("native");
    const bool pusher = w.format == "pusher";
    if (!f.url)
        out.errors.push_back(
            jsonapi::codes::invalid_request("url is required", "/data/attributes/url"));
    else
        w.url = *f.url;
    w.events = f.events ? *f.events : all_events(pusher);
    w.channels = f.channels.value_or(std::vector<std::string>{});
    w.active = f.active.value_or(true);
    if (pusher)
        w.secret = f.secret.value_or("");
    else
        w.secret = f.secret && !f.secret->empty() ? *f.secret : generate_secret();
    auto errors = jsonapi::check_webhook(w.format, w.events, pusher ? w.secret : "");
    out.errors.insert(out.errors.end(), errors.begin(), errors.end());
    if (f.url && !jsonapi::host_allowed(w.url, opts_.allowed_hosts))
        out.errors.push_back(jsonapi::codes::url_not_allowed(
            "this server delivers webhooks only to its allowed hosts; " + jsonapi::url_host(w.url) +
            " is not one of them"));
    if (!out.errors.empty()) return done(std::move(out));
    const std::uint64_t now = core::wall_clock_ms();
    w.id = ids().next("wh_", now);
    w.source = "api";
    w.created_at_ms = w.updated_at_ms = now;
    runner_.write([this, w = std::move(w), done = std::move(done)](storage::connection& c) mutable {
        webhook_result r;
        try {
            if (c.webhooks().list_webhooks(w.tenant).size() >= opts_.max_webhooks_per_app) {
                r.errors.push_back({403,
                                    "webhook_limit_exceeded",
                                    "Webhook limit exceeded",
                                    "an app may have at most " +
                                        std::to_string(opts_.max_webhooks_per_app) +
                                        " webhooks per environment",
                                    {}});
            } else if (!c.webhooks().insert_webhook(w)) {
                r.errors.push_back(
                    jsonapi::codes::conflict("a webhook with id " + w.id + " exists"));
            } else {
                put(w);
                r.webhook = std::move(w);
            }
        } catch (const std::exception& e) {
            r.errors.push_back(store_failed(e));
        }
        done(std::move(r));
    });
}

void service::update(const core::tenant& t, std::string id, jsonapi::webhook_fields f,
                     callback<webhook_result> done) {
    runner_.write([this, tenant = storage_tenant(t), id = std::move(id), f = std::move(f),
                   done = std::move(done)](storage::connection& c) mutable {
        webhook_result r;
        try {
            const auto current = c.webhooks().find_webhook(tenant, id);
            if (!current) {
                r.errors.push_back(no_webhook(id));
                return done(std::move(r));
            }
            if (current->source == "config") {
                r.errors.push_back(declared_in_config(id));
                return done(std::move(r));
            }
            storage::webhook_record w = *current;
            if (f.url) w.url = *f.url;
            if (f.format) w.format = *f.format;
            const bool pusher = w.format == "pusher";
            if (f.events) w.events = *f.events;
            if (f.channels) w.channels = *f.channels;
            if (pusher) {
                w.secret = f.secret.value_or("");
            } else {
                if (f.secret) w.secret = *f.secret;  // null: a new secret is generated
                if (w.secret.empty()) w.secret = generate_secret();
            }
            if (f.active) {
                w.active = *f.active;
                if (w.active) {
                    w.disabled_reason.clear();
                    w.disabled_at_ms = 0;
                    w.consecutive_failures = 0;
                    w.failing_since_ms = 0;
                }
            }
            r.errors = jsonapi::check_webhook(w.format, w.events, pusher ? w.secret : "");
            if (f.url && !jsonapi::host_allowed(w.url, opts_.allowed_hosts))
                r.errors.push_back(jsonapi::codes::url_not_allowed(
                    "this server delivers webhooks only to its allowed hosts; " +
                    jsonapi::url_host(w.url) + " is not one of them"));
            if (!r.errors.empty()) return done(std::move(r));
            w.updated_at_ms = core::wall_clock_ms();
            if (!c.webhooks().update_webhook(w)) {
                r.errors.push_back(no_webhook(id));
                return done(std::move(r));
            }
            r.backlog = c.webhooks().backlog(w.id);
            put(w);
            r.webhook = std::move(w);
        } catch (const std::exception& e) {
            r.errors.push_back(store_failed(e));
        }
        done(std::move(r));
    });
}

void service::remove(const core::tenant& t, std::string id, callback<webhook_result> done) {
    runner_.write([this, tenant = storage_tenant(t), id = std::move(id),
                   done = std::move(done)](storage::connection& c) mutable {
        webhook_result r;
        try {
            const auto current = c.webhooks().find_webhook(tenant, id);
            if (!current) {
                r.errors.push_back(no_webhook(id));
            } else if (current->source == "config") {
                r.errors.push_back(declared_in_config(id));
            } else if (!c.webhooks().delete_webhook(tenant, id)) {
                r.errors.push_back(no_webhook(id));
            } else {
                erase(id);
                r.webhook = *current;
            }
        } catch (const std::exception& e) {
            r.errors.push_back(store_failed(e));
        }
        done(std::move(r));
    });
}

void service::get(const core::tenant& t, std::string id, callback<webhook_result> done) {
    runner_.read([tenant = storage_tenant(t), id = std::move(id),
                  done = std::move(done)](storage::connection& c) mutable {
        webhook_result r;
        try {
            r.webhook = c.webhooks().find_webhook(tenant, id);
            if (!r.webhook)
                r.errors.push_back(no_webhook(id));
            else
                r.backlog = c.webhooks().backlog(id);
        } catch (const std::exception& e) {
            r.webhook.reset();
            r.errors.push_back(store_failed(e));
        }
        done(std::move(r));
    });
}

void service::list(const core::tenant& t, callback<webhook_list_result> done) {
    runner_.read(
        [tenant = storage_tenant(t), done = std::move(done)](storage::connection& c) mutable {
            webhook_list_result r;
            try {
                r.webhooks = c.webhooks().list_webhooks(tenant);
                for (const auto& w : r.webhooks) r.backlogs.push_back(c.webhooks().backlog(w.id));
            } catch (const std::exception& e) {
                r.webhooks.clear();
                r.backlogs.clear();
                r.errors.push_back(store_failed(e));
            }
            done(std::move(r));
        });
}

void service::deliveries(const core::tenant& t, storage::delivery_query query,
                         callback<delivery_page> done) {
    query.tenant = storage_tenant(t);
    runner_.read(
        [query = std::move(query), done = std::move(done)](storage::connection& c) mutable {
            delivery_page r;
            try {
                if (!c.webhooks().find_webhook(query.tenant, query.webhook_id)) {
                    r.errors.push_back(no_webhook(query.webhook_id));
                    return done(std::move(r));
                }
                const std::size_t limit = query.limit;
                query.limit = limit + 1;
                auto rows = c.webhooks().list_deliveries(query);
                r.has_more = rows.size() > limit;
                if (r.has_more) rows.resize(limit);
                for (auto& d : rows) {
                    delivery_view v;
                    v.attempts = c.webhooks().attempts(d.id);
                    v.delivery = std::move(d);
                    r.deliveries.push_back(std::move(v));
                }
            } catch (const std::exception& e) {
                r.deliveries.clear();
                r.errors.push_back(store_failed(e));
            }
            done(std::move(r));
        });
}

void service::redeliver(const core::tenant& t, std::string webhook_id, std::string delivery_id,
                        callback<delivery_result> done) {
    runner_.write([this, tenant = storage_tenant(t), webhook_id = std::move(webhook_id),
                   delivery_id = std::move(delivery_id),
                   done = std::move(done)](storage::connection& c) mutable {
        delivery_result r;
        try {
            const auto original = c.webhooks().find_delivery(tenant, delivery_id);
            if (!c.webhooks().find_webhook(tenant, webhook_id)) {
                r.errors.push_back(no_webhook(webhook_id));
            } else if (!original || original->webhook_id != webhook_id) {
                r.errors.push_back(jsonapi::codes::not_found("webhook " + webhook_id +
                                                             " has no delivery " + delivery_id));
            } else {
                const std::uint64_t now = core::wall_clock_ms();
                auto again =
                    c.webhooks().redeliver(tenant, delivery_id, ids().next("dlv_", now), now);
                if (!again) {
                    r.errors.push_back(jsonapi::codes::not_found(
                        "webhook " + webhook_id + " has no delivery " + delivery_id));
                } else {
                    r.delivery = delivery_view{std::move(*again), {}};
                    dispatcher_->wake();
                }
            }
        } catch (const std::exception& e) {
            r.errors.push_back(store_failed(e));
        }
        done(std::move(r));
    });
}

}  // namespace sb::webhooks
