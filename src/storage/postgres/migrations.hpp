#pragma once
// The PostgreSQL schema as an ordered list of migration steps, and the runner that applies them.

#include <span>
#include <string_view>

namespace sb::storage::postgres {

namespace detail {
class session;
}

struct migration {
    int version;            // 1, 2, 3…: applied in this order, each exactly once
    std::string_view name;  // recorded in schema_migrations
    std::string_view sql;   // one or more statements, run inside the migration's transaction
};

// Every step this build knows, ascending by version. Versions and names match the SQLite list.
[[nodiscard]] std::span<const migration> migrations() noexcept;
// The steps of each feature (webhook_store.cpp, conversation_store.cpp), in their own ranges.
[[nodiscard]] std::span<const migration> webhook_migrations() noexcept;
[[nodiscard]] std::span<const migration> conversation_migrations() noexcept;

// Applies the missing steps in one transaction that first takes a transaction-level advisory
// lock keyed by the current schema: nodes starting at once queue on the lock, and each step is
// applied exactly once. Tables go into the first schema of the session's search_path. A database
// migrated by a newer build is accepted (steps only add). Throws storage_error.
void migrate(detail::session& session);

}  // namespace sb::storage::postgres
