#include "storage/sqlite/webhook_store.hpp"

#include "storage/sqlite/migrations.hpp"

namespace sb::storage::sqlite {

std::span<const migration> webhook_migrations() noexcept { return {}; }

}  // namespace sb::storage::sqlite
