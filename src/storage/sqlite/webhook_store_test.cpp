// The webhook store contract (webhook_store_contract_test.cpp) on SQLite: one fresh database file
// in a temporary directory per test.
#include "storage/sqlite/webhook_store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "storage/webhook_store_contract_test.hpp"

namespace sb::storage::sqlite {
namespace {

namespace fs = std::filesystem;

class sqlite_test_database final : public testing::test_database {
public:
    sqlite_test_database() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern =
            std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/sb-webhooks-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
    }
    ~sqlite_test_database() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    sqlite_test_database(const sqlite_test_database&) = delete;
    sqlite_test_database& operator=(const sqlite_test_database&) = delete;

    [[nodiscard]] std::unique_ptr<store> open() override {
        return open_store("sqlite://" + (dir_ / "switchboard.db").string(), dir_.string());
    }
    // Not used by the webhook suite (store_contract checks the migrations).
    [[nodiscard]] std::vector<int> applied_migrations() override { return {}; }
    [[nodiscard]] std::vector<int> known_migrations() override { return {}; }

private:
    fs::path dir_;
};

testing::backend sqlite_backend() {
    return {"sqlite", [] { return std::string(); },
            [] { return std::make_unique<sqlite_test_database>(); }};
}

}  // namespace

using testing::webhook_store_contract;
INSTANTIATE_TEST_SUITE_P(sqlite, webhook_store_contract, ::testing::Values(sqlite_backend()),
                         testing::backend_name);

}  // namespace sb::storage::sqlite
