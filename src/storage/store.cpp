#include "storage/store.hpp"

#include <filesystem>
#include <system_error>

#include "storage/sqlite/sqlite_store.hpp"
#if SB_WITH_POSTGRES
#include "storage/postgres/postgres_store.hpp"
#endif

namespace sb::storage {
namespace {

constexpr std::string_view sqlite_scheme = "sqlite://";

bool starts_with(std::string_view text, std::string_view prefix) noexcept {
    return text.substr(0, prefix.size()) == prefix;
}

std::unique_ptr<store> open_sqlite(const std::filesystem::path& path) {
    std::error_code ec;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), ec);
        if (ec) {
            throw storage_error("sqlite: cannot create " + path.parent_path().string() + ": " +
                                ec.message());
        }
    }
    return std::make_unique<sqlite::sqlite_store>(path);
}

}  // namespace

std::unique_ptr<store> open_store(const std::string& database, const std::string& data_dir) {
    if (database.empty() || database == "sqlite") {
        return open_sqlite(std::filesystem::path(data_dir.empty() ? "." : data_dir) /
                           "switchboard.db");
    }
    if (starts_with(database, sqlite_scheme)) {
        // sqlite:///abs/path.db keeps its leading '/'; sqlite://relative.db is relative to the
        // working directory.
        const std::string path = database.substr(sqlite_scheme.size());
        if (path.empty())
            throw storage_error("sqlite: no file in database URL \"" + database + "\"");
        return open_sqlite(path);
    }
    if (starts_with(database, "postgresql://") || starts_with(database, "postgres://")) {
#if SB_WITH_POSTGRES
        return std::make_unique<postgres::postgres_store>(database);
#else
        throw storage_error("this build has no PostgreSQL support (SB_WITH_POSTGRES=OFF)");
#endif
    }
    // Only the scheme: the rest of a URL may hold a password.
    const std::string scheme = database.substr(0, database.find(':'));
    throw storage_error("unsupported database scheme \"" + scheme +
                        "\": expected sqlite, sqlite:///path.db or postgresql://…");
}

}  // namespace sb::storage
