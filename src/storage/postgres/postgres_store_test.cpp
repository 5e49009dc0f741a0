#include "storage/postgres/postgres_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>

#include "storage/postgres/detail/pg.hpp"
#include "storage/postgres/migrations.hpp"
#include "storage/store_contract_test.hpp"

namespace sb::storage::postgres {
namespace {

// Set by scripts/services/postgres (or any server the tester points at).
std::string server_url() {
    const char* url = std::getenv("SB_TEST_POSTGRES_URL");
    return url != nullptr ? url : "";
}

// A fresh schema in the test database, named uniquely per process and test, dropped afterwards.
// The store reaches it through the URL's search_path, so tests running in parallel never share
// tables.
class postgres_test_database final : public testing::test_database {
public:
    postgres_test_database() : admin_(server_url()) {
        static std::atomic<int> counter{0};
        std::random_device random;
        schema_ = "sb_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
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

    [[nodiscard]] std::unique_ptr<store> open() override { return open_store(url_, ""); }
    [[nodiscard]] const std::string& url() const noexcept { return url_; }
    [[nodiscard]] const std::string& schema() const noexcept { return schema_; }

    [[nodiscard]] std::vector<int> applied_migrations() override {
        const detail::result r =
            admin_.exec("SELECT version FROM " + schema_ + ".schema_migrations ORDER BY version");
        std::vector<int> out;
        for (int row = 0; row < r.rows(); ++row) out.push_back(static_cast<int>(r.int64(row, 0)));
        return out;
    }

    [[nodiscard]] std::vector<int> known_migrations() override {
        std::vector<int> out;
        for (const auto& m : migrations()) out.push_back(m.version);
        return out;
    }

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

using testing::store_contract;
INSTANTIATE_TEST_SUITE_P(postgres, store_contract, ::testing::Values(postgres_backend()),
                         testing::backend_name);

namespace {

TEST(postgres_store, an_unreachable_server_throws_storage_error) {
    EXPECT_THROW((void)open_store("postgresql://postgres@127.0.0.1:1/none?connect_timeout=2", ""),
                 storage_error);
}

// sb_search_text starts a subtransaction, which parallel workers may not: the function must be
// declared PARALLEL UNSAFE or any query the planner parallelises over it fails.
TEST(postgres_store, the_search_text_function_is_safe_under_parallel_plans) {
    if (server_url().empty()) GTEST_SKIP() << "SB_TEST_POSTGRES_URL is not set";
    postgres_test_database db;
    auto s = db.open();
    message_record m;
    m.tenant = "t";
    m.channel = "chat";
    m.id = "msg_1";
    m.offset = 1;
    m.event = "e";
    m.data = R"({"text":"parallel"})";
    s->connect()->append(std::span(&m, 1));
    detail::session admin(db.url());
    admin.exec("SET force_parallel_mode = on");
    const detail::result r = admin.exec("SELECT sb_search_text(data) FROM messages");
    ASSERT_EQ(r.rows(), 1);
    EXPECT_EQ(r.text(0, 0), "parallel");
}

TEST(postgres_store, a_broken_link_is_reset_on_the_next_call) {
    if (server_url().empty()) GTEST_SKIP() << "SB_TEST_POSTGRES_URL is not set";
    postgres_test_database db;
    // Named so that only this test's session is terminated, not those of tests running beside it.
    const std::string name = "victim_" + db.schema();
    auto s = open_store(db.url() + "&application_name=" + name, "");
    auto c = s->connect();
    EXPECT_EQ(c->position("t", "chat").last_offset, 0U);
    // Another session terminates this one, as a server restart or failover would.
    detail::session killer(server_url());
    const detail::result killed = killer.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" + name +
        "'");
    ASSERT_EQ(killed.rows(), 1);
    EXPECT_THROW((void)c->position("t", "chat"), storage_error)
        << "the call that meets the break fails";
    EXPECT_EQ(c->position("t", "chat").last_offset, 0U) << "the next one reconnects";
}

}  // namespace
}  // namespace sb::storage::postgres
