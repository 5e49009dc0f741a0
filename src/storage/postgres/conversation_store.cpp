#include "storage/postgres/conversation_store.hpp"

#include "storage/postgres/migrations.hpp"

namespace sb::storage::postgres {

std::span<const migration> conversation_migrations() noexcept { return {}; }

}  // namespace sb::storage::postgres
