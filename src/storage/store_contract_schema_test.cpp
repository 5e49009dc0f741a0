// The store contract: migrations, and stores and connections used from several threads.
#include "storage/store_contract_test.hpp"

#include <atomic>
#include <barrier>
#include <thread>

#include "storage/store_contract_messages.hpp"

namespace sb::storage::testing {

namespace {

// --- schema and connections ----------------------------------------------------------------

TEST_P(store_contract, opening_again_applies_no_migration_twice) {
    const auto known = db_->known_migrations();
    ASSERT_FALSE(known.empty());
    EXPECT_EQ(db_->applied_migrations(), known);

    message_factory f;
    conn_->append(f.make_many("chat", 3));
    auto second = db_->open();  // while the first is still open
    reopen();
    EXPECT_EQ(db_->applied_migrations(), known);
    EXPECT_EQ(second->connect()->position(tenant, "chat").last_offset, 3U);
}

TEST_P(store_contract, stores_opening_at_once_apply_each_migration_once) {
    // A second, untouched database: every opener races to migrate it from nothing.
    auto fresh = GetParam().create();
    constexpr int openers = 4;
    std::barrier start(openers);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    std::vector<std::string> errors(openers);
    for (int i = 0; i < openers; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            try {
                auto s = fresh->open();
                s->connect()->position(tenant, "chat");
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(i)] = e.what();
                ++failures;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0) << errors[0] << "\n"
                                  << errors[1] << "\n"
                                  << errors[2] << "\n"
                                  << errors[3];
    EXPECT_EQ(fresh->applied_migrations(), fresh->known_migrations());
}

// Readers on their own connections and threads while one writer appends: every read sees whole
// batches only (append is atomic) and offsets without holes.
TEST_P(store_contract, readers_on_other_threads_see_whole_batches_only) {
    message_factory f;
    const auto all = f.make_many("chat", 1000);
    constexpr std::size_t batch = 50;
    std::atomic<bool> done{false};
    std::atomic<int> bad_reads{0};
    std::atomic<int> reads{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r) {
        readers.emplace_back([&] {
            auto c = store_->connect();
            while (!done.load()) {
                const auto got = c->since_offset(tenant, "chat", 0, 2000);
                bool ok = got.size() % batch == 0;
                for (std::size_t i = 0; i < got.size(); ++i) ok = ok && got[i].offset == i + 1;
                if (!ok) ++bad_reads;
                ++reads;
            }
        });
    }
    std::thread writer([&] {
        auto c = store_->connect();
        append_in_batches(*c, all, batch);
        done = true;
    });
    writer.join();
    for (auto& t : readers) t.join();
    EXPECT_EQ(bad_reads.load(), 0);
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(conn_->position(tenant, "chat").last_offset, 1000U);
}

}  // namespace
}  // namespace sb::storage::testing
