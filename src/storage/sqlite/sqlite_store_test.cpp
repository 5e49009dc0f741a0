#include "storage/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/sqlite/detail/database.hpp"
#include "storage/sqlite/detail/queries.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/sqlite_connection.hpp"
#include "storage/store_contract_test.hpp"

namespace sb::storage::sqlite {
namespace {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class temp_dir {
public:
    temp_dir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern =
            std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/sb-storage-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    [[nodiscard]] const fs::path& path() const noexcept { return path_; }

private:
    fs::path path_;
};

std::vector<int> known_versions() {
    std::vector<int> out;
    for (const auto& m : migrations()) out.push_back(m.version);
    return out;
}

class sqlite_test_database final : public testing::test_database {
public:
    [[nodiscard]] std::unique_ptr<store> open() override {
        return open_store("sqlite://" + file().string(), dir_.path().string());
    }

    [[nodiscard]] std::vector<int> applied_migrations() override {
        detail::database db(file().string(), detail::open_options{.create = false});
        auto q = db.prepare("SELECT version FROM schema_migrations ORDER BY version");
        std::vector<int> out;
        while (q.step()) out.push_back(static_cast<int>(q.int64(0)));
        return out;
    }

    [[nodiscard]] std::vector<int> known_migrations() override { return known_versions(); }

    [[nodiscard]] fs::path file() const { return dir_.path() / "switchboard.db"; }

private:
    temp_dir dir_;
};

testing::backend sqlite_backend() {
    return {"sqlite", [] { return std::string(); },
            [] { return std::make_unique<sqlite_test_database>(); }};
}

}  // namespace

using testing::store_contract;
INSTANTIATE_TEST_SUITE_P(sqlite, store_contract, ::testing::Values(sqlite_backend()),
                         testing::backend_name);

namespace {

// The EXPLAIN QUERY PLAN lines of `sql`, joined by newlines.
std::string plan_of(detail::database& db, std::string_view sql) {
    auto q = db.prepare("EXPLAIN QUERY PLAN " + std::string(sql));
    std::string out;
    while (q.step()) out += q.text(3) + '\n';
    return out;
}

class sqlite_store_test : public ::testing::Test {
protected:
    temp_dir dir_;
    fs::path file_ = dir_.path() / "switchboard.db";
};

TEST_F(sqlite_store_test, history_queries_are_index_range_scans_without_a_sort) {
    sqlite_store store(file_);
    detail::database db(file_.string(), {});
    for (const bool before : {false, true}) {
        for (const bool after : {false, true}) {
            for (const sort_order order : {sort_order::asc, sort_order::desc}) {
                const std::string plan = plan_of(db, detail::page_sql(before, after, order));
                EXPECT_NE(plan.find("USING INDEX messages_by_channel_id (tenant=? AND channel=?"),
                          std::string::npos)
                    << plan;
                EXPECT_EQ(plan.find("id<?") != std::string::npos, before) << plan;
                EXPECT_EQ(plan.find("id>?") != std::string::npos, after) << plan;
                EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
            }
        }
    }
    std::string plan = plan_of(db, detail::since_offset_sql);
    EXPECT_NE(
        plan.find(
            "USING INDEX messages_by_channel_offset (tenant=? AND channel=? AND channel_offset>?)"),
        std::string::npos)
        << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;

    plan = plan_of(db, detail::unread_count_sql);
    EXPECT_NE(
        plan.find("USING COVERING INDEX messages_by_channel_id (tenant=? AND channel=? AND id>?)"),
        std::string::npos)
        << plan;
    plan = plan_of(db, detail::find_sql);
    EXPECT_NE(plan.find("USING INDEX messages_by_id (tenant=? AND id=?)"), std::string::npos)
        << plan;
    plan = plan_of(db, detail::find_by_idempotency_key_sql);
    EXPECT_NE(plan.find("USING INDEX messages_by_idempotency_key (tenant=? AND idempotency_key=?)"),
              std::string::npos)
        << plan;
    plan = plan_of(db, detail::prune_candidates_sql);
    EXPECT_NE(plan.find("USING INDEX messages_by_created_at (tenant=? AND created_at_ms>? AND "
                        "created_at_ms<?)"),
              std::string::npos)
        << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

TEST_F(sqlite_store_test, the_database_is_in_wal_mode) {
    sqlite_store store(file_);
    detail::database db(file_.string(), {});
    auto q = db.prepare("PRAGMA journal_mode");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.text(0), "wal");
}

TEST_F(sqlite_store_test, power_loss_durability_sets_synchronous_full) {
    // Reads the setting back from a connection opened with the same options the store uses.
    detail::database normal(file_.string(), detail::open_options{.synchronous_full = false});
    detail::database full(file_.string(), detail::open_options{.synchronous_full = true});
    auto n = normal.prepare("PRAGMA synchronous");
    auto f = full.prepare("PRAGMA synchronous");
    ASSERT_TRUE(n.step());
    ASSERT_TRUE(f.step());
    EXPECT_EQ(n.int64(0), 1);  // NORMAL
    EXPECT_EQ(f.int64(0), 2);  // FULL
    EXPECT_NO_THROW(sqlite_store(file_, sqlite_options{.power_loss_durable = true}).connect());
}

TEST_F(sqlite_store_test, the_full_text_index_stays_consistent_through_appends_updates_and_prunes) {
    sqlite_store store(file_);
    auto c = store.connect();
    std::vector<message_record> batch;
    for (int i = 0; i < 50; ++i) {
        message_record m;
        m.tenant = "t";
        m.channel = i % 2 == 0 ? "even" : "odd";
        m.id = "msg_" + std::to_string(1000 + i);
        m.offset = static_cast<std::uint64_t>(i / 2 + 1);
        m.event = "e";
        m.data = i % 3 == 0 ? R"({"text":"json value )" + std::to_string(i) + "\"}"
                            : "plain " + std::to_string(i);
        m.created_at_ms = static_cast<std::uint64_t>(i);
        batch.push_back(m);
    }
    c->append(batch);
    c->prune("t", "even", 30);

    detail::database db(file_.string(), {});
    register_functions(db);
    db.exec("UPDATE messages SET data = '{\"text\":\"edited\"}' WHERE id = 'msg_1001'");
    EXPECT_NO_THROW(
        db.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"));
    EXPECT_EQ(c->search({.tenant = "t", .text = "edited"}).messages.size(), 1U);
    EXPECT_NO_THROW(db.exec("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')"));
    EXPECT_EQ(c->search({.tenant = "t", .text = "json"}).messages.size(), 12U);
}

std::vector<message_record> numbered_messages(int from, int count) {
    std::vector<message_record> out;
    for (int i = from; i < from + count; ++i) {
        message_record m;
        m.tenant = "t";
        m.channel = "chat-" + std::to_string(i % 50);
        m.id = "msg_" + std::to_string(1'000'000 + i);
        m.offset = static_cast<std::uint64_t>(i / 50 + 1);
        m.event = "e";
        m.data = R"({"text":"message number )" + std::to_string(i) + "\"}";
        m.created_at_ms = static_cast<std::uint64_t>(i);
        out.push_back(std::move(m));
    }
    return out;
}

// Without checkpoints every write stays in the WAL and the database file keeps its size.
TEST_F(sqlite_store_test, the_background_thread_moves_the_wal_into_the_database_file) {
    sqlite_store store(file_, sqlite_options{.checkpoint_threshold_pages = 50});
    const auto initial_size = fs::file_size(file_);
    auto c = store.connect();
    for (int batch = 0; batch < 20; ++batch) c->append(numbered_messages(batch * 500, 500));
    for (int waited = 0; store.background_checkpoints() == 0 && waited < 500; ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GT(store.background_checkpoints(), 0U);
    EXPECT_GT(fs::file_size(file_), initial_size + 1'000'000);
}

// A writer that never pauses would keep the WAL growing (SQLite rewinds it only when a write
// begins after everything was copied); the RESTART checkpoint behind the gate rewinds it.
TEST_F(sqlite_store_test, the_wal_is_rewound_while_the_writer_keeps_writing) {
    constexpr int threshold = 50;
    sqlite_store store(file_, sqlite_options{.checkpoint_threshold_pages = threshold});
    auto c = store.connect();
    for (int batch = 0; batch < 60 && store.wal_restarts() < 2; ++batch) {
        c->append(numbered_messages(batch * 500, 500));
    }
    EXPECT_GE(store.wal_restarts(), 1U);
    // Without rewinds the WAL would hold every page written (over 10 MB here).
    const fs::path wal = file_.string() + "-wal";
    EXPECT_LT(fs::file_size(wal), 16U * threshold * 4096 * 2)
        << "bounded by a few multiples of the threshold";
}

TEST_F(sqlite_store_test, a_connection_keeps_working_after_its_store_is_gone) {
    auto store =
        std::make_unique<sqlite_store>(file_, sqlite_options{.checkpoint_threshold_pages = 50});
    const auto initial_size = fs::file_size(file_);
    auto c = store->connect();
    store.reset();  // the checkpointer lives on with the connection
    for (int batch = 0; batch < 10; ++batch) c->append(numbered_messages(batch * 500, 500));
    EXPECT_EQ(c->since_offset("t", "chat-7", 0, 1000).size(), 100U);
    // The checkpointer runs on its own thread: on a busy machine it may not have copied the WAL
    // into the file yet. Wait for it (bounded), rather than assume how fast it is.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (fs::file_size(file_) <= initial_size + 500'000 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_GT(fs::file_size(file_), initial_size + 500'000) << "checkpoints still happen";
}

TEST_F(sqlite_store_test, opening_a_file_that_is_not_a_database_throws_storage_error) {
    std::ofstream(file_) << std::string(8192, 'x');
    EXPECT_THROW(sqlite_store{file_}, storage_error);
    EXPECT_THROW((void)open_store("sqlite://" + file_.string(), ""), storage_error);
}

TEST_F(sqlite_store_test, an_unwritable_path_throws_storage_error) {
    const fs::path not_a_dir = dir_.path() / "plain-file";
    std::ofstream(not_a_dir) << "x";
    EXPECT_THROW(sqlite_store{not_a_dir / "switchboard.db"}, storage_error);
    EXPECT_THROW((void)open_store("", (not_a_dir / "data").string()), storage_error);
    EXPECT_THROW(sqlite_store{"/proc/switchboard.db"}, storage_error);
}

TEST_F(sqlite_store_test, a_connection_to_a_deleted_database_throws_instead_of_starting_empty) {
    sqlite_store store(file_);
    fs::remove(file_);
    EXPECT_THROW((void)store.connect(), storage_error);
}

TEST_F(sqlite_store_test, a_failed_migration_leaves_the_schema_untouched) {
    {
        detail::database db(file_.string(), {});
        // A table in the way of migration 1.
        db.exec("CREATE TABLE channel_positions (x INTEGER)");
    }
    EXPECT_THROW(sqlite_store{file_}, storage_error);
    detail::database db(file_.string(), {});
    auto q = db.prepare(
        "SELECT count(*) FROM sqlite_schema WHERE name IN ('messages', 'schema_migrations')");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.int64(0), 0) << "migration 1 rolled back, schema_migrations with it";
}

}  // namespace
}  // namespace sb::storage::sqlite
