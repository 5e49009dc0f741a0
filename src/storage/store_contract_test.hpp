#pragma once
// The contract every store implementation passes (store_contract*_test.cpp), run through a
// factory so that each backend instantiates it once: sqlite/sqlite_store_test.cpp and
// postgres/postgres_store_test.cpp. Model: centrifuge's map_broker_shared_test.go.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "storage/store.hpp"

namespace sb::storage::testing {

// One fresh, empty database for one test (a temporary directory, a PostgreSQL schema), removed
// when this object is destroyed.
class test_database {
public:
    virtual ~test_database() = default;
    // Opens a store on this database through open_store(). Every call opens it anew, so tests
    // can reopen it and open it from several threads at once.
    [[nodiscard]] virtual std::unique_ptr<store> open() = 0;
    // Versions recorded in schema_migrations, ascending, read past the store with the
    // backend's own client.
    [[nodiscard]] virtual std::vector<int> applied_migrations() = 0;
    // Versions this build knows.
    [[nodiscard]] virtual std::vector<int> known_migrations() = 0;
};

struct backend {
    std::string name;
    // Why this backend cannot run here; empty when it can.
    std::function<std::string()> unavailable;
    std::function<std::unique_ptr<test_database>()> create;
};

inline void PrintTo(const backend& b, std::ostream* os) { *os << b.name; }

inline std::string backend_name(const ::testing::TestParamInfo<backend>& info) {
    return info.param.name;
}

class store_contract : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override;
    void TearDown() override;

    // Closes the connection and the store and opens both again on the same database.
    void reopen();

    std::unique_ptr<test_database> db_;
    std::unique_ptr<store> store_;
    std::unique_ptr<connection> conn_;
};

}  // namespace sb::storage::testing
