#pragma once
// The webhook outbox and delivery log (docs/webhooks.md). Every event a webhook wants is written
// here first, as one delivery row per (event, webhook), then delivered by the dispatcher.
// Implemented per backend in sqlite/webhook_store.cpp and postgres/webhook_store.cpp and checked
// by webhook_store_contract_test.cpp; used through connection::webhooks(), on the connection's
// thread. Methods throw storage_error like the rest of the store.
//
// Delivery states and transitions:
//
//   enqueue ──► queued ──(earlier ones of its channel done)──► pending ──claim──► in_flight
//          └──────────────────────────────────────────────► pending ◄──retry──┘   │
//                                                                 succeeded ◄─────┤
//                                                                    failed ◄─────┘
//   (skipped: a record that is never sent, e.g. webhook.disabled on the webhook it disabled)
//
// Ordering: deliveries of one webhook and one channel leave in the order they were enqueued
// (`seq`): at most one of them is pending or in flight at a time, the others wait as `queued`
// and the oldest is promoted when the one before it reaches succeeded or failed. Different
// channels, and different webhooks, never wait for each other.
//
// Times are milliseconds since the Unix epoch, given by the caller (tests pass their own).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sb::storage {

struct webhook_record {
    std::string id;      // wh_…, unique over all tenants
    std::string tenant;  // "<app_id>/<environment>"
    std::string url;
    std::vector<std::string> events;    // event type names the webhook receives
    std::vector<std::string> channels;  // channel patterns (`*` any run); empty: every channel
    std::string secret;                 // whsec_… (native); empty for the pusher format
    std::string format = "native";      // "native" or "pusher"
    bool active = true;
    std::string source = "api";   // "api", or "config" for webhooks declared in the TOML file
    std::string disabled_reason;  // why it was switched off automatically ("" when it was not)
    std::uint64_t disabled_at_ms = 0;
    std::uint64_t created_at_ms = 0;
    std::uint64_t updated_at_ms = 0;
    // Health, kept by complete(): failed attempts since the last success, and when the first
    // of them happened (0 when healthy).
    std::uint32_t consecutive_failures = 0;
    std::uint64_t failing_since_ms = 0;
};

enum class delivery_status : std::uint8_t {
    queued,
    pending,
    in_flight,
    succeeded,
    failed,
    skipped
};

// The names stored in the database and shown by the API.
[[nodiscard]] constexpr std::string_view to_string(delivery_status s) noexcept {
    switch (s) {
        case delivery_status::queued:
            return "queued";
        case delivery_status::pending:
            return "pending";
        case delivery_status::in_flight:
            return "in_flight";
        case delivery_status::succeeded:
            return "succeeded";
        case delivery_status::failed:
            return "failed";
        case delivery_status::skipped:
            return "skipped";
    }
    return "pending";
}

[[nodiscard]] constexpr std::optional<delivery_status> parse_delivery_status(
    std::string_view s) noexcept {
    for (auto v : {delivery_status::queued, delivery_status::pending, delivery_status::in_flight,
                   delivery_status::succeeded, delivery_status::failed, delivery_status::skipped})
        if (to_string(v) == s) return v;
    return std::nullopt;
}

// One event for the outbox, and the webhooks that receive it (one delivery each).
struct outbox_event {
    std::string tenant;
    std::string event_id;    // evt_…: the same for every webhook and every attempt
    std::string event_type;  // e.g. message.sent, member_added
    std::string channel;     // the ordering key; "" for events of no channel
    std::string body;        // the event's JSON: native `data`, or one Pusher event object
    std::uint64_t created_at_ms = 0;
    struct target {
        std::string webhook_id;
        std::string delivery_id;                            // dlv_…
        delivery_status status = delivery_status::pending;  // pending, or skipped for a record
    };
    std::vector<target> targets;
};

struct delivery_record {
    std::string id;  // dlv_…
    std::string webhook_id;
    std::string tenant;
    std::string event_id;
    std::string event_type;
    std::string channel;
    std::string body;
    std::uint64_t event_created_at_ms = 0;
    std::int64_t seq = 0;  // enqueue order (over the whole outbox)
    delivery_status status = delivery_status::pending;
    std::uint32_t attempts = 0;            // made so far (an in-flight one counts)
    std::uint64_t next_attempt_at_ms = 0;  // pending: when it is due; 0 otherwise
    int last_status_code = 0;              // 0: none (or no HTTP response)
    std::string last_error;
    std::uint64_t last_latency_ms = 0;
    std::uint64_t created_at_ms = 0;
    std::uint64_t updated_at_ms = 0;
    std::uint64_t completed_at_ms = 0;  // when it became succeeded, failed or skipped
    std::string redelivery_of;          // the delivery this one repeats ("" when none)
};

struct attempt_record {
    std::uint32_t number = 0;  // 1, 2, 3…
    std::uint64_t started_at_ms = 0;
    int status_code = 0;  // 0 when no response arrived
    std::string error;    // transport error or timeout ("" when a response arrived)
    std::uint64_t latency_ms = 0;
    std::string response_body;  // the first bytes of what the receiver answered
};

// The outcome of one attempt at one in-flight delivery.
struct attempt_result {
    std::string delivery_id;
    attempt_record attempt;
    bool succeeded = false;
    // Where the delivery goes next when it did not succeed: pending again at next_attempt_at_ms,
    // or failed for good when that is 0.
    std::uint64_t next_attempt_at_ms = 0;
    std::uint64_t now_ms = 0;
};

struct delivery_query {
    std::string tenant;
    std::string webhook_id;
    std::optional<delivery_status> status;   // all when empty
    std::optional<std::int64_t> before_seq;  // only older deliveries (the next page)
    std::size_t limit = 50;
};

class webhook_store {
public:
    virtual ~webhook_store() = default;

    // --- webhooks ----------------------------------------------------------------------------
    // Inserts a webhook; false when its id exists already.
    virtual bool insert_webhook(const webhook_record& webhook) = 0;
    // Replaces every field of the webhook (tenant and id select it); false when there is none.
    virtual bool update_webhook(const webhook_record& webhook) = 0;
    // Deletes the webhook with its deliveries and attempts; false when there is none.
    virtual bool delete_webhook(std::string_view tenant, std::string_view id) = 0;
    virtual std::optional<webhook_record> find_webhook(std::string_view tenant,
                                                       std::string_view id) = 0;
    // The tenant's webhooks, oldest first.
    virtual std::vector<webhook_record> list_webhooks(std::string_view tenant) = 0;
    // Every webhook of every tenant (the dispatcher's view), oldest first.
    virtual std::vector<webhook_record> all_webhooks() = 0;

    // --- outbox ------------------------------------------------------------------------------
    // Stores the events' deliveries in one transaction, in the given order. A delivery is
    // pending (due at its event's created_at_ms) when no earlier delivery of its webhook and
    // channel is open, else queued. Targets whose webhook no longer exists are dropped.
    virtual void enqueue(std::span<const outbox_event> events, std::uint64_t now_ms) = 0;
    // Takes up to `limit` pending deliveries of the webhook that are due at `now_ms`, oldest due
    // first, and marks them in_flight for `owner` until `lease_until_ms`, counting the attempt.
    // Safe from several nodes at once: a delivery is claimed by one of them.
    virtual std::vector<delivery_record> claim(std::string_view webhook_id, std::size_t limit,
                                               std::uint64_t now_ms, std::string_view owner,
                                               std::uint64_t lease_until_ms) = 0;
    // When the webhook's next pending delivery is due (nullopt when it has none).
    virtual std::optional<std::uint64_t> next_due(std::string_view webhook_id) = 0;
    // Records attempts in one transaction: each in-flight delivery becomes succeeded, pending
    // again or failed, and the next queued delivery of its channel is promoted when it is done.
    // Updates the webhooks' health. Results for deliveries that are no longer in flight (deleted
    // webhooks, released leases) are ignored. Returns the health of the webhooks concerned.
    virtual std::vector<webhook_record> complete(std::span<const attempt_result> results) = 0;
    // Makes in-flight deliveries pending again, due at `now_ms`, recording the interrupted
    // attempt: those of `owner` (a node that restarted; "*": every node's, for a store only one
    // process uses), and any whose lease ended before `now_ms` (a node that died). Returns how
    // many were released.
    virtual std::size_t release(std::string_view owner, std::uint64_t now_ms) = 0;
    // A new pending (or queued) delivery of the same event to the same webhook, at the back of
    // its channel's order. nullopt when the delivery does not exist in the tenant.
    virtual std::optional<delivery_record> redeliver(std::string_view tenant,
                                                     std::string_view delivery_id,
                                                     std::string_view new_delivery_id,
                                                     std::uint64_t now_ms) = 0;
    // Switches the webhook off (active = false) with a reason; false when it was already off or
    // does not exist. Its open deliveries stay and resume if it is switched on again.
    virtual bool disable_webhook(std::string_view webhook_id, std::string_view reason,
                                 std::uint64_t now_ms) = 0;

    // --- delivery log ------------------------------------------------------------------------
    // Newest first.
    virtual std::vector<delivery_record> list_deliveries(const delivery_query& query) = 0;
    virtual std::optional<delivery_record> find_delivery(std::string_view tenant,
                                                         std::string_view delivery_id) = 0;
    // Oldest first.
    virtual std::vector<attempt_record> attempts(std::string_view delivery_id) = 0;
    // Open deliveries (queued, pending, in flight) of the webhook.
    virtual std::size_t backlog(std::string_view webhook_id) = 0;
    // Deletes finished deliveries (succeeded, failed, skipped) completed before `before_ms`,
    // with their attempts, at most `limit` of them. Returns how many were deleted.
    virtual std::size_t prune_deliveries(std::uint64_t before_ms, std::size_t limit) = 0;
};

}  // namespace sb::storage
