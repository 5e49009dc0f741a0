#pragma once
// The embedded store: one SQLite file in WAL mode. Readers never block the writer or each other;
// writers take turns (BEGIN IMMEDIATE, waiting up to busy_timeout), which is why the server
// funnels appends through one writer thread that commits in groups.
//
// Threads: the store is shared and immutable after construction; connect() is thread-safe and
// opens a new SQLite connection (SQLITE_OPEN_NOMUTEX) owned by the caller's thread. The store
// shares with its connections one background thread that checkpoints the WAL, so commits never
// wait for its fsyncs; the thread ends when the store and its last connection are gone.
//
// Durability: see sqlite_options::power_loss_durable.

#include <filesystem>
#include <memory>
#include <string_view>

#include "storage/sqlite/detail/checkpointer.hpp"
#include "storage/store.hpp"

namespace sb::storage::sqlite {

struct sqlite_options {
    // false: synchronous=NORMAL. A committed transaction is in the WAL, which the kernel holds,
    // so it survives a crash of the process (what Switchboard promises); a power loss or kernel
    // crash may lose the last transactions but never corrupts the file.
    // true: synchronous=FULL. Each commit also waits for an fsync of the WAL, so commits survive
    // power loss; costs one fsync per commit (per append batch).
    bool power_loss_durable = false;
    // How long a connection waits for another's write lock before append() and friends throw.
    int busy_timeout_ms = 5000;
    // Page cache per connection; the writer's indexes stay hot in it.
    int cache_size_kib = 16 * 1024;
    // WAL pages after which the store's checkpointer thread copies the WAL into the database
    // (detail/checkpointer.hpp); a connection checkpoints inline only at 16 times this.
    int checkpoint_threshold_pages = 1000;
};

class sqlite_store final : public store {
public:
    // Opens (creating when missing) the database at `path` and runs the migrations. The parent
    // directory must exist. Throws storage_error when the file cannot be opened or written, is
    // not a database, or a migration fails.
    explicit sqlite_store(std::filesystem::path path, sqlite_options options = {});

    [[nodiscard]] std::unique_ptr<connection> connect() override;
    [[nodiscard]] std::string_view kind() const noexcept override { return "sqlite"; }
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    // Checkpoints the background thread has completed (a metric; tests use it too).
    [[nodiscard]] std::uint64_t background_checkpoints() const noexcept {
        return checkpointer_->completed();
    }
    // Times the background thread rewound the WAL (a RESTART checkpoint behind the write gate).
    [[nodiscard]] std::uint64_t wal_restarts() const noexcept { return checkpointer_->restarts(); }
    // Checkpoints a committing connection had to run itself because the WAL reached the
    // backstop; more than a few mean the background thread cannot keep up.
    [[nodiscard]] std::uint64_t inline_checkpoints() const noexcept {
        return checkpointer_->inline_checkpoints();
    }

private:
    std::filesystem::path path_;
    sqlite_options options_;
    std::shared_ptr<detail::checkpointer> checkpointer_;
};

}  // namespace sb::storage::sqlite
