#include "storage/sqlite/conversation_store.hpp"

#include "storage/sqlite/migrations.hpp"

namespace sb::storage::sqlite {

std::span<const migration> conversation_migrations() noexcept { return {}; }

}  // namespace sb::storage::sqlite
