#pragma once
// The SQLite schema as an ordered list of migration steps, and the runner that applies them.

#include <span>
#include <string_view>

namespace sb::storage::sqlite {

namespace detail {
class database;
}

struct migration {
    int version;            // 1, 2, 3…: applied in this order, each exactly once
    std::string_view name;  // recorded in schema_migrations, for people reading the database
    std::string_view sql;   // one or more statements, run inside the migration's transaction
};

// Every step this build knows, ascending by version.
[[nodiscard]] std::span<const migration> migrations() noexcept;
// The steps of each feature (webhook_store.cpp, conversation_store.cpp), in their own ranges.
[[nodiscard]] std::span<const migration> webhook_migrations() noexcept;
[[nodiscard]] std::span<const migration> conversation_migrations() noexcept;

// Applies the steps missing from schema_migrations, all in one write transaction (BEGIN
// IMMEDIATE), so processes opening the same file at once apply each step exactly once and a
// failed step leaves the schema as it was. A database migrated by a newer build (versions above
// ours) is accepted: steps only ever add, so older code keeps working against it. `db` must
// have the connection-level SQL functions registered (sb_search_text). Throws storage_error.
void migrate(detail::database& db);

}  // namespace sb::storage::sqlite
