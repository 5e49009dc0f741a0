#pragma once
// storage::webhook_store on sqlite, sharing its connection's database handle (one thread).

#include "storage/webhook_store.hpp"
#include "storage/sqlite/detail/database.hpp"

namespace sb::storage::sqlite {

class sqlite_webhook_store final : public webhook_store {
public:
    explicit sqlite_webhook_store(detail::database& db) : db_(db) {}

private:
    detail::database& db_;
};

}  // namespace sb::storage::sqlite
