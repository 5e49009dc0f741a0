#include "storage/postgres/webhook_store.hpp"

#include "storage/postgres/migrations.hpp"

namespace sb::storage::postgres {

std::span<const migration> webhook_migrations() noexcept { return {}; }

}  // namespace sb::storage::postgres
