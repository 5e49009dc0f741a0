#pragma once
// storage::conversation_store on postgres, sharing its connection's session
// (one thread). The SQL and the indexes it relies on are in
// conversation_store.cpp (migrations 200-299).

#include "storage/conversation_store.hpp"
#include "storage/postgres/detail/pg.hpp"

namespace sb::storage::postgres {

class postgres_conversation_store final : public conversation_store {
public:
    explicit postgres_conversation_store(detail::session& session) : session_(session) {}

    bool create(const conversation_record& conversation) override;
    std::optional<conversation_record> get(std::string_view tenant, std::string_view uid) override;
    bool update(std::string_view tenant, std::string_view uid,
                const std::optional<std::string>& custom_json,
                const std::optional<std::vector<std::string>>& notify_roles,
                std::uint64_t now_ms) override;
    bool remove(std::string_view tenant, std::string_view uid) override;
    bool upsert_members(std::string_view tenant, std::string_view uid,
                        std::span<const conversation_member> members,
                        std::uint64_t now_ms) override;
    bool remove_member(std::string_view tenant, std::string_view uid,
                       std::string_view user_uid) override;
    std::optional<std::string> member_role(std::string_view tenant, std::string_view uid,
                                           std::string_view user_uid) override;
    std::vector<user_conversation> list_for_user(std::string_view tenant, std::string_view user_uid,
                                                 std::string_view after_uid,
                                                 std::size_t limit) override;

    std::vector<unread_row> unread(const unread_query& query) override;
    conversation_stats stats(std::string_view tenant, std::string_view uid,
                             std::string_view upto_id) override;

    std::optional<summary_cache> summary(std::string_view tenant, std::string_view uid) override;
    bool claim_regeneration(std::string_view tenant, std::string_view uid, std::uint64_t now_ms,
                            std::uint64_t window_ms) override;
    void store_summary(const summary_cache& summary) override;

    std::optional<digest_cache> digest(std::string_view tenant, std::string_view user_uid,
                                       std::string_view filter_key) override;
    void store_digest(const digest_cache& digest) override;

    std::string ai_settings(std::string_view tenant) override;
    void store_ai_settings(std::string_view tenant, std::string_view settings_json,
                           std::uint64_t now_ms) override;

    bool register_profile(std::string_view tenant, std::string_view user_uid,
                          std::uint64_t now_ms) override;
    std::optional<ai_profile> profile(std::string_view tenant, std::string_view user_uid) override;
    void record_usage(std::string_view tenant, std::string_view user_uid, std::uint64_t tokens,
                      std::uint64_t now_ms) override;

private:
    std::optional<std::vector<std::string>> notify_roles_of(std::string_view tenant,
                                                            std::string_view uid, bool lock);

    detail::session& session_;
};

}  // namespace sb::storage::postgres
