#pragma once
// The contract every webhook_store implementation passes (webhook_store_contract_test.cpp), run
// through the backend factories of store_contract_test.hpp: sqlite/webhook_store_test.cpp and
// postgres/webhook_store_test.cpp instantiate it.

#include <gtest/gtest.h>

#include <memory>

#include "storage/store.hpp"
#include "storage/store_contract_test.hpp"

namespace sb::storage::testing {

class webhook_store_contract : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override;
    void TearDown() override;

    std::unique_ptr<test_database> db_;
    std::unique_ptr<store> store_;
    std::unique_ptr<connection> conn_;
};

}  // namespace sb::storage::testing
