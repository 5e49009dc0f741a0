#pragma once
// storage::webhook_store on sqlite, sharing its connection's database handle (one thread).
// The schema (migration 100) and the SQL are in webhook_store.cpp.
//
// Costs (n = rows returned or written): enqueue, one index probe and one insert per delivery;
// claim and next_due, a range scan of the webhook's due deliveries (partial index on pending
// rows); complete, a few point updates per result plus the promotion probe; list_deliveries, a
// range scan of the webhook's deliveries newest first; backlog, a count over the partial index of
// open deliveries. Every write is one BEGIN IMMEDIATE transaction.

#include "storage/sqlite/detail/database.hpp"
#include "storage/webhook_store.hpp"

namespace sb::storage::sqlite {

class sqlite_webhook_store final : public webhook_store {
public:
    explicit sqlite_webhook_store(detail::database& db) : db_(db) {}

    bool insert_webhook(const webhook_record& webhook) override;
    bool update_webhook(const webhook_record& webhook) override;
    bool delete_webhook(std::string_view tenant, std::string_view id) override;
    std::optional<webhook_record> find_webhook(std::string_view tenant,
                                               std::string_view id) override;
    std::vector<webhook_record> list_webhooks(std::string_view tenant) override;
    std::vector<webhook_record> all_webhooks() override;

    void enqueue(std::span<const outbox_event> events, std::uint64_t now_ms) override;
    std::vector<delivery_record> claim(std::string_view webhook_id, std::size_t limit,
                                       std::uint64_t now_ms, std::string_view owner,
                                       std::uint64_t lease_until_ms) override;
    std::optional<std::uint64_t> next_due(std::string_view webhook_id) override;
    std::vector<webhook_record> complete(std::span<const attempt_result> results) override;
    std::size_t release(std::string_view owner, std::uint64_t now_ms) override;
    std::optional<delivery_record> redeliver(std::string_view tenant, std::string_view delivery_id,
                                             std::string_view new_delivery_id,
                                             std::uint64_t now_ms) override;
    bool disable_webhook(std::string_view webhook_id, std::string_view reason,
                         std::uint64_t now_ms) override;

    std::vector<delivery_record> list_deliveries(const delivery_query& query) override;
    std::optional<delivery_record> find_delivery(std::string_view tenant,
                                                 std::string_view delivery_id) override;
    std::vector<attempt_record> attempts(std::string_view delivery_id) override;
    std::size_t backlog(std::string_view webhook_id) override;
    std::size_t prune_deliveries(std::uint64_t before_ms, std::size_t limit) override;

private:
    // The status a new delivery of (webhook, channel) starts in: queued behind an open one.
    delivery_status first_status(std::string_view webhook_id, std::string_view channel);
    // Makes the oldest open delivery of (webhook, channel) pending if it is queued.
    void promote(std::string_view webhook_id, std::string_view channel, std::uint64_t now_ms);
    std::optional<webhook_record> webhook_by_id(std::string_view id);

    detail::database& db_;
};

}  // namespace sb::storage::sqlite
