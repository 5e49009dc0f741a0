// The webhook store contract (webhook_store_contract_test.cpp) on PostgreSQL: one fresh schema
// per test in the server named by SB_TEST_POSTGRES_URL (scripts/services/postgres prints one);
// every case skips when it is unset.
#include "storage/postgres/webhook_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>

#include "storage/postgres/detail/pg.hpp"
#include "storage/webhook_store_contract_test.hpp"

namespace sb::storage::postgres {
namespace {

std::string server_url() {
    const char* url = std::getenv("SB_TEST_POSTGRES_URL");
    return url != nullptr ? url : "";
}

class postgres_test_database final : public testing::test_database {
public:
    postgres_test_database() : admin_(server_url()) {
        static std::atomic<int> counter{0};
        std::random_device random;
        schema_ = "sb_wh_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
                  std::to_string(random() % 1'000'000);
        admin_.exec("CREATE SCHEMA " + schema_);
        const std::string base = server_url();
        url_ = base + (base.find('?') == std::string::npos ? "?" : "&") +
               "options=-csearch_path%3D" + schema_;
    }
    ~postgres_test_database() override {
        try {
            admin_.exec("DROP SCHEMA " + schema_ + " CASCADE");
        } catch (const storage_error& e) {
            ADD_FAILURE() << "dropping " << schema_ << ": " << e.what();
        }
    }
    postgres_test_database(const postgres_test_database&) = delete;
    postgres_test_database& operator=(const postgres_test_database&) = delete;

    [[nodiscard]] std::unique_ptr<store> open() override { return open_store(url_, ""); }
    // Not used by the webhook suite (store_contract checks the migrations).
    [[nodiscard]] std::vector<int> applied_migrations() override { return {}; }
    [[nodiscard]] std::vector<int> known_migrations() override { return {}; }

private:
    detail::session admin_;
    std::string schema_;
    std::string url_;
};

testing::backend postgres_backend() {
    return {"postgres",
            [] {
                return server_url().empty()
                           ? std::string(
                                 "SB_TEST_POSTGRES_URL is not set; start a server with "
                                 "scripts/services/postgres and export the URL it prints")
                           : std::string();
            },
            [] { return std::make_unique<postgres_test_database>(); }};
}

}  // namespace

using testing::webhook_store_contract;
INSTANTIATE_TEST_SUITE_P(postgres, webhook_store_contract, ::testing::Values(postgres_backend()),
                         testing::backend_name);

}  // namespace sb::storage::postgres
