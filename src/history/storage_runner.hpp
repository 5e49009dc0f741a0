#pragma once
// Runs a storage::store off the network threads (DESIGN.md: "Writes are batched off the fan-out
// path; a message acknowledged to its sender is on disk").
//
// Writes go to one writer thread in submission order. The writer takes everything queued
// (up to max_batch messages), appends it in one transaction, and only then calls each append's
// completion: a completion means the message survives a crash of the process. Other writes
// (receipts, imports, pruning, the webhook outbox) are jobs on the same thread, so writes never
// contend. Jobs and appends keep their submission order: a job runs after the appends queued
// before it are stored and before any append queued after it is (a batch stops at the next job),
// so whatever a job writes for a message queued just before the message is on disk first. Reads run on
// a small pool of reader threads, each with its own connection (SQLite in WAL mode and PostgreSQL
// both let readers run beside the writer).
//
// A failing database is retried with backoff and never drops an append: appends stay queued
// until they are stored; completions report failures only on shutdown.
//
// Thread: every method may be called from any thread. Completions run on the writer or a reader
// thread: post them back to where they belong.

#include "core/unique_function.hpp"
#include "storage/store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sb::history {

struct runner_options {
    std::size_t readers = 2;
    std::size_t max_batch = 2000;  // messages per transaction
};

class storage_runner {
public:
    storage_runner(std::unique_ptr<storage::store> store, runner_options options);
    ~storage_runner();
    storage_runner(const storage_runner&) = delete;
    storage_runner& operator=(const storage_runner&) = delete;

    // `done(true)` once stored, `done(false)` if the runner shut down first.
    using append_done = core::unique_callback<bool>;
    void append(storage::message_record record, append_done done);

    // A write job on the writer thread: after the appends queued before it are stored, before
    // those queued after it.
    using job = core::unique_callback<storage::connection&>;
    void write(job j);
    // A read job on a reader thread. A job that throws storage_error is retried once on a fresh
    // connection, then the error is logged and the job dropped; jobs should catch what they can
    // answer themselves.
    void read(job j);

    // Appends waiting to be committed (for /readyz and the benchmark).
    [[nodiscard]] std::size_t pending_appends() const;
    [[nodiscard]] std::string_view kind() const noexcept { return store_->kind(); }
    [[nodiscard]] storage::store& store() noexcept { return *store_; }

    // Stores everything queued, then stops the threads. Idempotent.
    void stop();

private:
    struct pending_append {
        storage::message_record record;
        append_done done;
    };
    struct pending_job {
        job run;
        std::uint64_t after = 0;  // appends submitted before it (appends_queued_ at submission)
    };
    void writer_loop();
    void reader_loop();

    std::unique_ptr<storage::store> store_;
    runner_options options_;
    mutable std::mutex write_mutex_;
    std::condition_variable write_ready_;
    std::deque<pending_append> appends_;
    std::deque<pending_job> write_jobs_;
    std::uint64_t appends_queued_ = 0;  // appends ever submitted
    std::uint64_t appends_taken_ = 0;   // appends ever taken by the writer
    std::mutex read_mutex_;
    std::condition_variable read_ready_;
    std::deque<job> read_jobs_;
    bool stopping_ = false;
    std::thread writer_;
    std::vector<std::thread> readers_;
};

}  // namespace sb::history
