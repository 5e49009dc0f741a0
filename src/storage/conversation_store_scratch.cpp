// scratch_database for one backend, chosen at build time: the sqlite test
// executable and the postgres one compile this file with and without
// SB_CONVERSATION_TEST_POSTGRES.

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "storage/conversation_store_contract_test.hpp"

#ifdef SB_CONVERSATION_TEST_POSTGRES
#include "storage/postgres/detail/pg.hpp"
#endif

namespace sb::storage::testing {
namespace {

#ifdef SB_CONVERSATION_TEST_POSTGRES

std::string server_url() {
    const char* url = std::getenv("SB_TEST_POSTGRES_URL");
    return url != nullptr ? url : "";
}

// A schema of its own, reached through the URL's search_path, dropped
// afterwards.
class postgres_scratch final : public scratch_database {
public:
    postgres_scratch() : admin_(server_url()) {
        static std::atomic<int> counter{0};
        std::random_device random;
        schema_ = "sb_conv_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
                  std::to_string(random() % 1'000'000);
        admin_.exec("CREATE SCHEMA " + schema_);
        const std::string base = server_url();
        url_ = base + (base.find('?') == std::string::npos ? "?" : "&") +
               "options=-csearch_path%3D" + schema_;
    }
    ~postgres_scratch() override {
        try {
            admin_.exec("DROP SCHEMA " + schema_ + " CASCADE");
        } catch (const storage_error&) {
        }
    }
    std::unique_ptr<store> open() override { return open_store(url_, ""); }

private:
    postgres::detail::session admin_;
    std::string schema_;
    std::string url_;
};

#else

class sqlite_scratch final : public scratch_database {
public:
    sqlite_scratch() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern =
            std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/sb-conv-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
    }
    ~sqlite_scratch() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    std::unique_ptr<store> open() override {
        return open_store("sqlite://" + (dir_ / "switchboard.db").string(), dir_.string());
    }

private:
    std::filesystem::path dir_;
};

#endif

}  // namespace

std::string scratch_unavailable() {
#ifdef SB_CONVERSATION_TEST_POSTGRES
    if (server_url().empty())
        return "SB_TEST_POSTGRES_URL is not set; start a server with "
               "scripts/services/postgres "
               "and export the URL it prints";
#endif
    return {};
}

std::string scratch_backend_name() {
#ifdef SB_CONVERSATION_TEST_POSTGRES
    return "postgres";
#else
    return "sqlite";
#endif
}

std::unique_ptr<scratch_database> make_scratch_database() {
#ifdef SB_CONVERSATION_TEST_POSTGRES
    return std::make_unique<postgres_scratch>();
#else
    return std::make_unique<sqlite_scratch>();
#endif
}

}  // namespace sb::storage::testing
