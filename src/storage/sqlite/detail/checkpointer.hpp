#pragma once
// Copies WAL frames back into the database file on a thread of its own.
//
// Why: SQLite's automatic checkpoint runs inside the commit that crosses the threshold, on the
// committing thread, and a checkpoint fsyncs the WAL and the database file (~1.7 ms each on the
// development VM). With the writer committing every few milliseconds, those fsyncs became most
// of its wall time (batches of 100: ~12k messages/s with inline checkpoints, ~55k/s without).
//
// How:
//  - Every connection installs wal_hook() (sqlite3_wal_hook, which replaces autocheckpoint).
//    After a commit that leaves `threshold` frames or more in the WAL it wakes this thread,
//    which runs a PASSIVE checkpoint beside the writer, without its lock.
//  - A PASSIVE checkpoint alone never lets the WAL start over while the writer commits
//    continuously: SQLite rewinds the WAL only when a write transaction begins after every
//    frame was copied. So once the WAL holds 4 * threshold frames, the thread closes the write
//    gate (new write transactions of this process wait in enter_write()), runs a RESTART
//    checkpoint (only the frames since the PASSIVE pass are left to copy) and opens the gate.
//    The writer pauses for that tail and two fsyncs, once per 4 * threshold pages written.
//  - If the WAL still reaches 16 * threshold frames (thread stopped, or not keeping up), the
//    committing connection checkpoints inline, as SQLite would have, so the WAL stays bounded.
//
// Threads: enter_write()/leave_write() and request() are thread-safe. The store and each of
// its connections hold the checkpointer by shared_ptr, so the thread runs until the last of them
// is gone; the destructor stops and joins it. Gated sections do not nest.

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "storage/sqlite/detail/database.hpp"

namespace sb::storage::sqlite::detail {

class checkpointer {
public:
    checkpointer(std::string path, open_options options, int threshold_frames);
    ~checkpointer();
    checkpointer(const checkpointer&) = delete;
    checkpointer& operator=(const checkpointer&) = delete;

    // Asks for a checkpoint soon. False when the thread has stopped.
    bool request() noexcept;

    // Around every write transaction (BEGIN IMMEDIATE … COMMIT) of this process: waits while a
    // RESTART checkpoint holds the gate. Blocks for at most one checkpoint's tail.
    void enter_write();
    void leave_write() noexcept;

    [[nodiscard]] int threshold() const noexcept { return threshold_; }
    [[nodiscard]] int restart_frames() const noexcept { return threshold_ * 4; }
    [[nodiscard]] int backstop() const noexcept { return threshold_ * 16; }

    // Checkpoints done by the thread (PASSIVE and RESTART), and by committing connections at the
    // backstop. Metrics; tests use them too.
    [[nodiscard]] std::uint64_t completed() const noexcept {
        return completed_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t restarts() const noexcept {
        return restarts_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t inline_checkpoints() const noexcept {
        return inline_.load(std::memory_order_relaxed);
    }
    void count_inline() noexcept { inline_.fetch_add(1, std::memory_order_relaxed); }

private:
    void run(database& db);
    void restart(database& db);

    const int threshold_;
    std::mutex mutex_;
    std::condition_variable wake_;  // the thread waits for requests and stop
    std::condition_variable gate_;  // writers wait for the gate; the thread for writers to leave
    bool pending_ = false;
    bool stop_ = false;
    bool gate_closed_ = false;
    int writers_ = 0;
    std::atomic<std::uint64_t> completed_{0};
    std::atomic<std::uint64_t> restarts_{0};
    std::atomic<std::uint64_t> inline_{0};
    std::thread thread_;
};

// enter_write()/leave_write() as a scope; a null checkpointer is allowed (no gate).
class write_gate {
public:
    explicit write_gate(checkpointer* c) : c_(c) {
        if (c_ != nullptr) c_->enter_write();
    }
    ~write_gate() {
        if (c_ != nullptr) c_->leave_write();
    }
    write_gate(const write_gate&) = delete;
    write_gate& operator=(const write_gate&) = delete;

private:
    checkpointer* c_;
};

// The sqlite3_wal_hook callback; `arg` is a checkpointer*.
int wal_hook(void* arg, sqlite3* db, const char* schema, int frames);

}  // namespace sb::storage::sqlite::detail
