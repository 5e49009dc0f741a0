#pragma once
// The webhook service (docs/webhooks.md): the hub's event_sink, the REST API's management, and
// the owner of the dispatcher.
//
// emit() (any shard thread) never blocks and does no I/O: a relaxed load of the tenant's event
// mask answers "nobody wants this" with one atomic read; otherwise the tenant's immutable
// snapshot of webhooks is loaded (atomic shared_ptr), channel filters are matched, the event is
// encoded once per format, and appended to a buffer under a short mutex. The buffer is written
// to the outbox by one writer job at a time on the storage runner: a job is queued when the
// buffer stops being empty, and takes everything buffered when it runs, so a burst of events
// costs one transaction. Because the writer runs a job before any append queued after it, a
// message's webhook events are in the outbox before the message is acknowledged as stored.
// If the buffer reaches max_buffered_events (the store is down for long), new events are dropped
// and counted, never waited for.
//
// The snapshots are rebuilt (under a mutex, off the shards) whenever a webhook changes: through
// the API, an automatic switch-off, or a reload of the store (changes made by other nodes).
//
// Thread: emit() and the management calls from any thread; start() and stop() from the thread
// that owns the server.

#include "core/app.hpp"
#include "history/storage_runner.hpp"
#include "webhooks/dispatcher.hpp"
#include "webhooks/event_sink.hpp"
#include "webhooks/management.hpp"
#include "webhooks/options.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sb::webhooks {

class service final : public event_sink, public management {
public:
    // `runner` stores the outbox (the history store's runner, or one of the service's own); it
    // must outlive the service and keep running until stop() returned.
    service(const core::app_registry& apps, history::storage_runner& runner, options opts);
    ~service() override;
    service(const service&) = delete;
    service& operator=(const service&) = delete;

    // Loads the webhooks, applies the declared ones, releases the deliveries this node had in
    // flight when it stopped, and starts the dispatcher. Blocks on the store (startup only);
    // throws storage_error or std::runtime_error for a declared webhook that cannot be used.
    void start();
    // Stops the dispatcher and queues what is buffered for the outbox (the runner stores it
    // before it stops). Idempotent.
    void stop();

    void emit(const core::tenant& tenant, channel_event event) override;
    [[nodiscard]] bool wants(const core::tenant& tenant, event_kind kind) const noexcept override;

    void create(const core::tenant& tenant, protocol::jsonapi::webhook_fields fields,
                callback<webhook_result> done) override;
    void update(const core::tenant& tenant, std::string id,
                protocol::jsonapi::webhook_fields fields, callback<webhook_result> done) override;
    void remove(const core::tenant& tenant, std::string id, callback<webhook_result> done) override;
    void get(const core::tenant& tenant, std::string id, callback<webhook_result> done) override;
    void list(const core::tenant& tenant, callback<webhook_list_result> done) override;
    void deliveries(const core::tenant& tenant, storage::delivery_query query,
                    callback<delivery_page> done) override;
    void redeliver(const core::tenant& tenant, std::string webhook_id, std::string delivery_id,
                   callback<delivery_result> done) override;

    // Events dropped because the buffer was full (metrics, tests).
    [[nodiscard]] std::uint64_t dropped() const noexcept {
        return dropped_.load(std::memory_order_relaxed);
    }

private:
    struct compiled;
    struct tenant_hooks;

    void buffer(std::vector<storage::outbox_event> events);
    void flush(storage::connection& c);
    // Registry: the records behind the snapshots.
    void put(storage::webhook_record w);
    void erase(const std::string& id);
    void replace(std::vector<storage::webhook_record> all);
    void rebuild_locked();
    // Switches off webhooks that failed too long, recording webhook.disabled (writer thread).
    void check_health(storage::connection& c, const std::vector<storage::webhook_record>& health);
    void sync_declared(storage::connection& c, std::uint64_t now);
    [[nodiscard]] const core::tenant* tenant_of(std::string_view storage_tenant) const;

    const core::app_registry& apps_;
    history::storage_runner& runner_;
    options opts_;
    std::unique_ptr<dispatcher> dispatcher_;
    bool started_ = false;

    std::unique_ptr<std::atomic<std::uint32_t>[]> masks_;  // per tenant index: kinds wanted
    std::unique_ptr<std::atomic<std::shared_ptr<const tenant_hooks>>[]> snapshots_;
    std::size_t tenant_count_ = 0;
    std::unordered_map<std::string, std::uint32_t> tenant_index_;  // storage tenant → index

    std::mutex registry_mutex_;
    std::map<std::string, storage::webhook_record, std::less<>> records_;

    std::mutex buffer_mutex_;
    std::vector<storage::outbox_event> buffer_;
    bool flush_queued_ = false;
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace sb::webhooks
