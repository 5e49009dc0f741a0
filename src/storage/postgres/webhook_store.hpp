#pragma once
// storage::webhook_store on postgres, sharing its connection's session (one thread). The schema
// (migration 100, the same tables as SQLite's) and the SQL are in webhook_store.cpp.
//
// Several nodes share one database: claim() takes rows with FOR UPDATE SKIP LOCKED, so a
// delivery is claimed by one node; enqueue(), complete() and redeliver() take a transaction-level
// advisory lock per webhook (in id order), so a node completing a channel's last open delivery
// and another queueing behind it agree on which of them becomes pending.

#include "storage/postgres/detail/pg.hpp"
#include "storage/webhook_store.hpp"

namespace sb::storage::postgres {

class postgres_webhook_store final : public webhook_store {
public:
    explicit postgres_webhook_store(detail::session& session) : session_(session) {}

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
    // Advisory locks on the webhooks' outbox order, sorted by id (call inside a transaction).
    void lock_webhooks(std::vector<std::string> ids);
    void promote(const std::string& webhook_id, const std::string& channel, std::uint64_t now_ms);

    detail::session& session_;
};

}  // namespace sb::storage::postgres
