#pragma once
// One SQLite connection implementing storage::connection. Owns its database handle and the
// prepared statements cached on it. Used by one thread at a time (see store.hpp).
//
// Costs (n = messages returned unless said otherwise):
//  - append: one INSERT per message, then one statement that indexes the batch for search and
//    one upsert per channel touched; a message dirties about two index pages (its channel's id
//    and offset orderings), so a batch spread over many channels writes more WAL per message.
//  - page, since_offset, find, find_by_idempotency_key: one index range scan, O(log N + n).
//  - search: FTS5 match over every tenant's index, filtered by tenant afterwards, then sorted by
//    bm25: linear in the messages that match all words, in all tenants.
//  - unread_count: an index-only count, linear in the unread messages.
//  - prune: chunks of 2000 rows, each its own write transaction.

#include <memory>
#include <string>

#include "storage/sqlite/detail/checkpointer.hpp"
#include "storage/sqlite/detail/database.hpp"
#include "storage/store.hpp"
#include "storage/sqlite/conversation_store.hpp"
#include "storage/sqlite/webhook_store.hpp"

namespace sb::storage::sqlite {

// Registers the SQL functions the schema relies on (sb_search_text) on `db`. Every connection
// that writes messages needs them: the full-text triggers call them.
void register_functions(detail::database& db);

class sqlite_connection final : public connection {
public:
    // Checkpoints through `checkpointer` (see detail/checkpointer.hpp).
    sqlite_connection(const std::string& path, const detail::open_options& options,
                      std::shared_ptr<detail::checkpointer> checkpointer);
    // Write transactions (append, prune, first position) pass the checkpointer's write gate.

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
    std::shared_ptr<detail::checkpointer> checkpointer_;  // outlives db_, whose WAL hook uses it
    detail::database db_;
    sqlite_webhook_store webhooks_{db_};
    sqlite_conversation_store conversations_{db_};
};

}  // namespace sb::storage::sqlite
