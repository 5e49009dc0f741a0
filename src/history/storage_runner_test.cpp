#include "history/storage_runner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>

namespace sb::history {

namespace {

struct temp_dir {
    temp_dir() {
        path = std::filesystem::temp_directory_path() /
               ("sb-runner-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::create_directories(path);
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
    std::filesystem::path path;
    static inline int counter = 0;
};

storage::message_record message(std::uint64_t offset) {
    storage::message_record m;
    m.tenant = "app/production";
    m.channel = "chat:a";
    char id[40];
    std::snprintf(id, sizeof id, "msg_%026llu", static_cast<unsigned long long>(offset));
    m.id = id;
    m.offset = offset;
    m.event = "message";
    m.data = "{\"n\":" + std::to_string(offset) + "}";
    m.created_at_ms = 1'700'000'000'000ull + offset;
    return m;
}

}  // namespace

TEST(storage_runner, completes_appends_only_once_they_are_readable) {
    temp_dir dir;
    storage_runner runner(storage::open_store("", dir.path.string()), {});
    constexpr int n = 5000;
    std::atomic<int> stored{0};
    std::promise<void> all;
    for (int i = 1; i <= n; ++i)
        runner.append(message(std::uint64_t(i)), [&](bool ok) {
            ASSERT_TRUE(ok);
            if (++stored == n) all.set_value();
        });
    all.get_future().wait();
    std::promise<std::uint64_t> last;
    runner.read([&](storage::connection& c) { last.set_value(c.position("app/production", "chat:a").last_offset); });
    EXPECT_EQ(last.get_future().get(), std::uint64_t(n));
}

TEST(storage_runner, write_jobs_run_after_earlier_appends) {
    temp_dir dir;
    storage_runner runner(storage::open_store("", dir.path.string()), {});
    for (int i = 1; i <= 100; ++i) runner.append(message(std::uint64_t(i)), nullptr);
    std::promise<std::size_t> seen;
    runner.write([&](storage::connection& c) { seen.set_value(c.since_offset("app/production", "chat:a", 0, 1000).size()); });
    EXPECT_EQ(seen.get_future().get(), 100u);
}

// What a job writes for a message queued just after it (the webhook outbox) is stored before
// the message, even when both are waiting for a busy writer.
TEST(storage_runner, a_job_runs_before_the_appends_queued_after_it) {
    temp_dir dir;
    storage_runner runner(storage::open_store("", dir.path.string()), {});
    std::promise<void> go;
    std::shared_future<void> gate = go.get_future().share();
    runner.write([gate](storage::connection&) { gate.wait(); });  // keeps the writer busy
    for (int i = 1; i <= 100; ++i) runner.append(message(std::uint64_t(i)), nullptr);
    std::promise<std::size_t> seen;
    runner.write([&](storage::connection& c) { seen.set_value(c.since_offset("app/production", "chat:a", 0, 1000).size()); });
    std::promise<void> all;
    for (int i = 101; i <= 200; ++i)
        runner.append(message(std::uint64_t(i)), [&, i](bool ok) {
            EXPECT_TRUE(ok);
            if (i == 200) all.set_value();
        });
    go.set_value();
    EXPECT_EQ(seen.get_future().get(), 100u);
    all.get_future().wait();
}

TEST(storage_runner, stop_stores_what_was_queued_and_refuses_later_appends) {
    temp_dir dir;
    {
        storage_runner runner(storage::open_store("", dir.path.string()), {});
        for (int i = 1; i <= 300; ++i) runner.append(message(std::uint64_t(i)), nullptr);
        runner.stop();
        bool refused = false;
        runner.append(message(301), [&](bool ok) { refused = !ok; });
        EXPECT_TRUE(refused);
    }
    auto store = storage::open_store("", dir.path.string());
    EXPECT_EQ(store->connect()->position("app/production", "chat:a").last_offset, 300u);
}

}  // namespace sb::history
