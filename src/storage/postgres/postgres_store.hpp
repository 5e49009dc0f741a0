#pragma once
// The PostgreSQL store: for several Switchboard nodes sharing one history. Each connection is
// one libpq session with its own prepared statements.
//
// Threads: the store only keeps the URL; connect() is thread-safe and opens a new session owned
// by the caller's thread.

#include <memory>
#include <string>
#include <string_view>

#include "storage/store.hpp"

namespace sb::storage::postgres {

class postgres_store final : public store {
public:
    // Connects once to run the migrations (safe with several nodes starting together), then
    // disconnects. `url` is a libpq connection URI or key=value string; the tables live in the
    // first schema of its search_path. Throws storage_error.
    explicit postgres_store(std::string url);

    [[nodiscard]] std::unique_ptr<connection> connect() override;
    [[nodiscard]] std::string_view kind() const noexcept override { return "postgresql"; }

private:
    std::string url_;
};

}  // namespace sb::storage::postgres
