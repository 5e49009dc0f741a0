#include "storage/sqlite/detail/checkpointer.hpp"

#include <utility>

namespace sb::storage::sqlite::detail {
namespace {

// How long a RESTART checkpoint waits for readers of old snapshots (and for a write lock held
// by a statement outside the gate, such as mark_read) while the gate is closed. Readers take
// microseconds to milliseconds; past this the checkpoint gives up and retries on a later request
// rather than hold the writer.
constexpr int restart_wait_ms = 100;

}  // namespace

checkpointer::checkpointer(std::string path, open_options options, int threshold_frames)
    : threshold_(threshold_frames) {
    options.create = false;
    options.busy_timeout_ms = restart_wait_ms;
    // Opened here, so that a database the thread cannot open fails the store's constructor.
    auto db = std::make_unique<database>(path, options);
    thread_ = std::thread([this, db = std::move(db)] { run(*db); });
}

checkpointer::~checkpointer() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

bool checkpointer::request() noexcept {
    {
        const std::lock_guard lock(mutex_);
        if (stop_) return false;
        pending_ = true;
    }
    wake_.notify_one();
    return true;
}

void checkpointer::enter_write() {
    std::unique_lock lock(mutex_);
    gate_.wait(lock, [&] { return !gate_closed_; });
    ++writers_;
}

void checkpointer::leave_write() noexcept {
    {
        const std::lock_guard lock(mutex_);
        --writers_;
    }
    gate_.notify_all();
}

void checkpointer::run(database& db) {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return pending_ || stop_; });
            if (stop_) return;
            pending_ = false;
        }
        // PASSIVE: copies what no reader still needs and never waits for the writer. Failures
        // (SQLITE_BUSY while another checkpoint runs, I/O errors) leave the frames in the WAL
        // for the next request or for the committing connection's backstop.
        int log_frames = 0;
        const int rc = sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                                 &log_frames, nullptr);
        if (rc == SQLITE_OK) completed_.fetch_add(1, std::memory_order_relaxed);
        if (rc == SQLITE_OK && log_frames >= restart_frames()) restart(db);
    }
}

void checkpointer::restart(database& db) {
    {
        std::unique_lock lock(mutex_);
        gate_closed_ = true;
        gate_.wait(lock, [&] { return writers_ == 0 || stop_; });
    }
    const int rc = sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_RESTART,
                                             nullptr, nullptr);
    {
        const std::lock_guard lock(mutex_);
        gate_closed_ = false;
    }
    gate_.notify_all();
    if (rc == SQLITE_OK) restarts_.fetch_add(1, std::memory_order_relaxed);
}

int wal_hook(void* arg, sqlite3* db, const char* schema, int frames) {
    auto* c = static_cast<checkpointer*>(arg);
    if (frames < c->threshold()) return SQLITE_OK;
    if (frames >= c->backstop() || !c->request()) {
        c->count_inline();
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    return SQLITE_OK;
}

}  // namespace sb::storage::sqlite::detail
