#pragma once
// storage::webhook_store on postgres, sharing its connection's database handle (one thread).

#include "storage/webhook_store.hpp"
#include "storage/postgres/detail/pg.hpp"

namespace sb::storage::postgres {

class postgres_webhook_store final : public webhook_store {
public:
    explicit postgres_webhook_store(detail::session& session) : session_(session) {}

private:
    detail::session& session_;
};

}  // namespace sb::storage::postgres
