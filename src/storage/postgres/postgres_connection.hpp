#pragma once
// One libpq session implementing storage::connection. Used by one thread at a time. Every call
// is one round trip with a statement prepared on first use.
//
// Costs: page, since_offset, find and find_by_idempotency_key are btree range scans; search is a
// GIN lookup over every tenant's messages, rechecked and ranked (ts_rank) for each match, so
// linear in the matches; unread_count is an index-only count (while the visibility map is
// current), linear in the unread messages; prune is one DELETE.

#include <string>

#include "storage/postgres/detail/pg.hpp"
#include "storage/store.hpp"
#include "storage/postgres/conversation_store.hpp"
#include "storage/postgres/webhook_store.hpp"

namespace sb::storage::postgres {

class postgres_connection final : public connection {
public:
    explicit postgres_connection(const std::string& url);

    // One statement: unnest() turns nine array parameters into rows, inserted with ON CONFLICT
    // DO NOTHING for the idempotency key, and the channel positions advance in the same
    // statement, so the batch is atomic without BEGIN/COMMIT round trips.
    void append(std::span<const message_record> messages) override;
    channel_position position(std::string_view tenant, std::string_view channel) override;
    page_result page(const page_query& query) override;
    std::vector<message_record> since_offset(std::string_view tenant, std::string_view channel,
                                             std::uint64_t after_offset,
                                             std::size_t limit) override;
    std::optional<message_record> find(std::string_view tenant,
                                       std::string_view message_id) override;
    std::optional<message_record> find_by_idempotency_key(std::string_view tenant,
                                                          std::string_view key,
                                                          std::uint64_t since_ms) override;
    search_result search(const search_query& query) override;
    std::size_t prune(std::string_view tenant, std::string_view channel_prefix,
                      std::uint64_t before_ms) override;

    bool mark_read(std::string_view tenant, std::string_view channel, std::string_view user_id,
                   std::string_view message_id, std::uint64_t read_at_ms) override;
    std::optional<read_watermark> watermark(std::string_view tenant, std::string_view channel,
                                            std::string_view user_id) override;
    read_status status_of(std::string_view tenant, std::string_view channel,
                          std::string_view message_id) override;
    bool mark_delivered(std::string_view tenant, std::string_view channel, std::string_view user_id,
                        std::string_view message_id, std::uint64_t delivered_at_ms) override;
    std::size_t unread_count(std::string_view tenant, std::string_view channel,
                             std::string_view user_id) override;

    webhook_store& webhooks() override { return webhooks_; }
    conversation_store& conversations() override { return conversations_; }

private:
    detail::session session_;
    postgres_webhook_store webhooks_{session_};
    postgres_conversation_store conversations_{session_};
};

}  // namespace sb::storage::postgres
