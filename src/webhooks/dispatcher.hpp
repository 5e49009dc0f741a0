#pragma once
// Sends what the outbox holds (docs/webhooks.md "Delivery"). The dispatcher owns one thread
// running its own io_context with a net::http_client: nothing it does runs on a network shard,
// so a slow or dead receiver never slows fan-out.
//
// Cycle: claim (a writer job: due deliveries of every webhook with a free slot, marked in flight
// under this node's lease) → send (one request per native delivery, one per Pusher batch) →
// settle each answer on the retry schedule → complete (one writer job for every answer that
// arrived meanwhile; it promotes the next delivery of each finished channel) → claim again.
// Claims run again when the service stored new events (wake), when a retry falls due (a timer
// at the earliest due time the store reported), and every poll_interval regardless. At most one
// claim job and one complete job are queued at a time, whatever the load.
//
// Limits: at most options.max_in_flight requests per webhook; each has options.timeout.
// Ordering: the store lets one delivery per (webhook, channel) be pending or in flight.
// Thread: public methods may be called from any thread; everything else runs on the
// dispatcher's thread. Hooks run on storage threads.

#include "history/storage_runner.hpp"
#include "storage/webhook_store.hpp"
#include "webhooks/options.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sb::webhooks {

// What a Pusher-format delivery is signed with: the key pair of the webhook's tenant.
struct app_credentials {
    std::string key;
    std::string secret;
};

class dispatcher {
public:
    struct hooks {
        // After attempts were recorded, with the health of the webhooks concerned, inside the
        // complete job (writer thread, on that job's connection).
        std::function<void(storage::connection&, const std::vector<storage::webhook_record>&)>
            on_health;
        // Every webhook of the store, re-read every reload_interval (writer thread).
        std::function<void(std::vector<storage::webhook_record>)> on_reload;
    };

    dispatcher(history::storage_runner& runner, const options& opts,
               std::map<std::string, app_credentials, std::less<>> credentials, hooks h);
    ~dispatcher();
    dispatcher(const dispatcher&) = delete;
    dispatcher& operator=(const dispatcher&) = delete;

    // Starts the thread with these webhooks; the first claim runs at once.
    void start(const std::vector<storage::webhook_record>& webhooks);
    // Records the answers that arrived, then stops the thread. Requests still running are
    // abandoned: their deliveries stay in flight under this node's lease and are released at the
    // next start. Idempotent.
    void stop();

    // New events are in the outbox, or a delivery became due.
    void wake();
    // A webhook was created or changed / deleted.
    void upsert(storage::webhook_record webhook);
    void remove(std::string id);
    // Replaces every webhook (after a reload).
    void replace(std::vector<storage::webhook_record> webhooks);

    [[nodiscard]] const std::string& node_id() const noexcept { return node_id_; }

private:
    struct state;
    std::unique_ptr<state> state_;
    std::string node_id_;
};

}  // namespace sb::webhooks
