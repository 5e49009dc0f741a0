#pragma once
// storage::conversation_store on postgres, sharing its connection's database handle (one thread).

#include "storage/conversation_store.hpp"
#include "storage/postgres/detail/pg.hpp"

namespace sb::storage::postgres {

class postgres_conversation_store final : public conversation_store {
public:
    explicit postgres_conversation_store(detail::session& session) : session_(session) {}

private:
    detail::session& session_;
};

}  // namespace sb::storage::postgres
