#pragma once
// storage::conversation_store on sqlite, sharing its connection's database handle (one thread).

#include "storage/conversation_store.hpp"
#include "storage/sqlite/detail/database.hpp"

namespace sb::storage::sqlite {

class sqlite_conversation_store final : public conversation_store {
public:
    explicit sqlite_conversation_store(detail::database& db) : db_(db) {}

private:
    detail::database& db_;
};

}  // namespace sb::storage::sqlite
