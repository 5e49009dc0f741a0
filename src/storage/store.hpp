#pragma once
// Durable storage behind one interface (DESIGN.md "storage"): message history, read receipts,
// and later the webhook outbox and conversations. Implementations: sqlite/ (embedded, the
// default) and postgres/ (several nodes). Both pass the contract suite in store_contract*_test.cpp.
//
// Threads: a `store` is shared by every thread and only hands out connections. A `connection`
// belongs to one thread at a time (the history writer has one, each storage reader thread has
// one). Calls block on disk or network: never call them on a network shard.
//
// Errors: methods throw storage_error (a database that fails is an exceptional state the caller
// reports and retries; nothing here is a client error).
//
// Ids and order: message ids are "msg_" + a 26-character ULID, so comparing ids as strings orders
// messages by creation time; ids are unique per tenant. Within a channel, `offset` counts
// messages 1, 2, 3… in the order they were appended; pagination (page) orders by id, recovery
// (since_offset) by offset. A tenant is "<app_id>/<environment>" (environment: production or
// staging), so the two environments of an app never share data.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sb::storage {

class webhook_store;       // storage/webhook_store.hpp: the webhook outbox and delivery log
class conversation_store;  // storage/conversation_store.hpp: conversations, members, AI caches

class storage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct message_record {
    std::string tenant;
    std::string channel;
    std::string id;            // msg_…
    std::uint64_t offset = 0;  // position within the channel, from 1
    std::string user_id;       // sender; empty for server publishes without one
    std::string event;
    std::string data;  // the delivered text: JSON, or any string
    std::uint64_t created_at_ms = 0;
    std::string idempotency_key;  // empty when none
};

enum class sort_order : std::uint8_t { asc, desc };

struct page_query {
    std::string tenant;
    std::string channel;
    std::optional<std::string> before_id;  // only ids < before_id
    std::optional<std::string> after_id;   // only ids > after_id
    std::size_t limit = 50;                // 1..100, checked by the caller
    sort_order order = sort_order::desc;
};

struct page_result {
    std::vector<message_record> messages;  // in the requested order
    bool has_more = false;  // more messages lie beyond the page in the direction of travel
};

struct search_query {
    std::string tenant;
    std::optional<std::string> channel;  // all channels of the tenant when empty
    std::string text;                    // words; every word must match (prefix match not required)
    std::size_t limit = 20;
    std::size_t skip = 0;  // for pagination: results skipped before this page
};

struct search_result {
    std::vector<message_record> messages;  // best match first (ties: newest first)
    bool has_more = false;
};

struct channel_position {
    std::uint64_t last_offset = 0;  // 0 when the channel has no stored message
    std::string epoch;              // changes only if the channel's history is erased and restarted
};

struct read_watermark {
    std::string user_id;
    std::string message_id;  // the newest message the user has read
    std::uint64_t read_at_ms = 0;
};

struct read_status {
    std::vector<std::string> read_by;  // users whose watermark is at or after the message
    std::size_t read_count = 0;
    // Users the message reached: their delivery or read watermark is at or after it (reading a
    // message implies it was delivered). Counted only where delivery receipts are on.
    std::size_t delivered_count = 0;
};

class connection {
public:
    virtual ~connection() = default;

    // --- history ---------------------------------------------------------------------------
    // Appends messages in one transaction: all or none are stored. Offsets and ids are given by
    // the caller. A message whose (tenant, idempotency_key) already exists is skipped silently.
    virtual void append(std::span<const message_record> messages) = 0;
    // The channel's last offset and epoch (epoch is created on first use and kept).
    virtual channel_position position(std::string_view tenant, std::string_view channel) = 0;
    virtual page_result page(const page_query& query) = 0;
    // Messages with offset > after_offset, ascending, at most `limit`.
    virtual std::vector<message_record> since_offset(std::string_view tenant,
                                                     std::string_view channel,
                                                     std::uint64_t after_offset,
                                                     std::size_t limit) = 0;
    virtual std::optional<message_record> find(std::string_view tenant,
                                               std::string_view message_id) = 0;
    // The message stored with that idempotency key at or after `since_ms`, if any.
    virtual std::optional<message_record> find_by_idempotency_key(std::string_view tenant,
                                                                  std::string_view key,
                                                                  std::uint64_t since_ms) = 0;
    virtual search_result search(const search_query& query) = 0;
    // Deletes messages created before `before_ms` in channels of the tenant whose names start
    // with `channel_prefix` (empty: all). Returns how many were deleted. Offsets are not reused.
    virtual std::size_t prune(std::string_view tenant, std::string_view channel_prefix,
                              std::uint64_t before_ms) = 0;

    // --- read receipts (watermarks) --------------------------------------------------------
    // Moves the user's watermark in the channel forward to `message_id` (never backward).
    // Returns true when it moved.
    virtual bool mark_read(std::string_view tenant, std::string_view channel,
                           std::string_view user_id, std::string_view message_id,
                           std::uint64_t read_at_ms) = 0;
    virtual std::optional<read_watermark> watermark(std::string_view tenant,
                                                    std::string_view channel,
                                                    std::string_view user_id) = 0;
    // Moves the user's delivery watermark forward to `message_id` (never backward); true when
    // it moved. Delivery receipts are opt-in per channel; the caller decides.
    virtual bool mark_delivered(std::string_view tenant, std::string_view channel, std::string_view user_id,
                                std::string_view message_id, std::uint64_t delivered_at_ms) = 0;
    // Who has read `message_id` (watermark id >= message_id), sorted by user id, and how many
    // users it was delivered to.
    virtual read_status status_of(std::string_view tenant, std::string_view channel,
                                  std::string_view message_id) = 0;
    // Messages in the channel newer than the user's watermark (all when none), not counting
    // the user's own messages.
    virtual std::size_t unread_count(std::string_view tenant, std::string_view channel,
                                     std::string_view user_id) = 0;

    // --- feature stores on this connection (same thread, same database handle) --------------
    virtual webhook_store& webhooks() = 0;
    virtual conversation_store& conversations() = 0;
};

class store {
public:
    virtual ~store() = default;
    // Opens a connection for the calling thread. Thread-safe.
    virtual std::unique_ptr<connection> connect() = 0;
    // "sqlite" or "postgresql".
    [[nodiscard]] virtual std::string_view kind() const noexcept = 0;
};

// Opens the store named by `database`: empty or "sqlite" → <data_dir>/switchboard.db;
// "sqlite:///abs/path.db" or "sqlite://relative.db"; "postgresql://…" or "postgres://…" (libpq
// connection URI). Runs the schema migrations (versioned, idempotent, safe to run from several
// nodes at once). Throws storage_error when the database cannot be opened or migrated.
[[nodiscard]] std::unique_ptr<store> open_store(const std::string& database,
                                                const std::string& data_dir);

}  // namespace sb::storage
