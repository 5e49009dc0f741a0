#pragma once
// A fresh database per test for the conversation store contract and the unread
// benchmark: SQLite in a temporary directory, or a PostgreSQL schema of its own
// on SB_TEST_POSTGRES_URL (when built with SB_CONVERSATION_TEST_POSTGRES).
// Shared by conversation_store_contract_test.cpp and
// conversation_store_bench.cpp.

#include <memory>
#include <string>

#include "storage/store.hpp"

namespace sb::storage::testing {

class scratch_database {
public:
    virtual ~scratch_database() = default;
    [[nodiscard]] virtual std::unique_ptr<store> open() = 0;
};

// Why this build's backend cannot run here ("" when it can).
[[nodiscard]] std::string scratch_unavailable();
// "sqlite" or "postgres".
[[nodiscard]] std::string scratch_backend_name();
[[nodiscard]] std::unique_ptr<scratch_database> make_scratch_database();

}  // namespace sb::storage::testing
