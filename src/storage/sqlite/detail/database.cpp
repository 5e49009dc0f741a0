#include "storage/sqlite/detail/database.hpp"

#include <limits>
#include <string>

namespace sb::storage::sqlite::detail {
namespace {

// sqlite3_bind_text reads a null pointer as SQL NULL; an empty view must stay an empty string.
const char* text_pointer(std::string_view text) noexcept {
    return text.data() != nullptr ? text.data() : "";
}

int text_size(std::string_view text) {
    if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw storage_error("sqlite: text of " + std::to_string(text.size()) +
                            " bytes is too large");
    }
    return static_cast<int>(text.size());
}

}  // namespace

void throw_error(sqlite3* db, int rc, std::string_view what) {
    std::string message = "sqlite: ";
    message += what;
    message += ": ";
    message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    message += " (";
    message += std::to_string(rc);
    message += ')';
    throw storage_error(message);
}

statement::statement(sqlite3* db, std::string_view sql) : db_(db) {
    // PERSISTENT: these statements live as long as the connection, so SQLite keeps them out of
    // its short-lived lookaside memory.
    const int rc = sqlite3_prepare_v3(db, sql.data(), text_size(sql), SQLITE_PREPARE_PERSISTENT,
                                      &stmt_, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt_);
        throw_error(db, rc, "prepare: " + std::string(sql.substr(0, 80)));
    }
}

statement::~statement() { sqlite3_finalize(stmt_); }

query::~query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

query& query::bind(int index, std::string_view text) {
    const int rc =
        sqlite3_bind_text(stmt_, index, text_pointer(text), text_size(text), SQLITE_STATIC);
    if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
    return *this;
}

query& query::bind(int index, std::int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
    return *this;
}

query& query::bind(int index, std::uint64_t value) {
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        throw storage_error("sqlite: integer " + std::to_string(value) + " is out of range");
    }
    return bind(index, static_cast<std::int64_t>(value));
}

query& query::bind_null(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
    return *this;
}

query& query::bind_or_null(int index, std::string_view text) {
    return text.empty() ? bind_null(index) : bind(index, text);
}

bool query::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_error(db_, rc, std::string("step: ") + sqlite3_sql(stmt_));
}

void query::run() {
    while (step()) {
    }
}

std::int64_t query::int64(int column) const noexcept { return sqlite3_column_int64(stmt_, column); }

std::uint64_t query::uint64(int column) const noexcept {
    const std::int64_t value = sqlite3_column_int64(stmt_, column);
    return value < 0 ? 0 : static_cast<std::uint64_t>(value);
}

std::string query::text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    const int n = sqlite3_column_bytes(stmt_, column);
    if (p == nullptr) return {};
    return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)};
}

bool query::is_null(int column) const noexcept {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

database::database(const std::string& path, const open_options& options) {
    const int flags =
        SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string what = "open " + path;
        if (db_ == nullptr) throw_error(nullptr, rc, what);
        std::string message = "sqlite: " + what + ": " + sqlite3_errmsg(db_);
        sqlite3_close(db_);
        throw storage_error(message);
    }
    try {
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, options.busy_timeout_ms);
        // journal_mode is stored in the file; setting it on every open also reads the header, so
        // a file that is not a database fails here rather than on first use.
        exec("PRAGMA journal_mode=WAL");
        const std::string pragmas = std::string("PRAGMA synchronous=") +
                                    (options.synchronous_full ? "FULL" : "NORMAL") +
                                    "; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-" +
                                    std::to_string(options.cache_size_kib) +
                                    // After a checkpoint has caught up, the WAL file is truncated
                                    // to this size rather than kept at its high-water mark.
                                    "; PRAGMA journal_size_limit=67108864";
        exec(pragmas.c_str());
    } catch (...) {
        statements_.clear();
        sqlite3_close(db_);
        throw;
    }
}

database::~database() {
    statements_.clear();
    sqlite3_close(db_);
}

void database::exec(const char* sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = "sqlite: exec: ";
        message += error != nullptr ? error : sqlite3_errstr(rc);
        message += " (" + std::to_string(rc) + ')';
        sqlite3_free(error);
        throw storage_error(message);
    }
}

query database::prepare(std::string_view sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        it = statements_.emplace(std::string(sql), std::make_unique<statement>(db_, sql)).first;
    }
    return query(*it->second);
}

std::int64_t database::changes() const noexcept { return sqlite3_changes64(db_); }

write_transaction::write_transaction(database& db) : db_(db) {
    db_.prepare("BEGIN IMMEDIATE").run();
}

write_transaction::~write_transaction() {
    if (!open_) return;
    // A failed statement may already have rolled the transaction back; nothing to report then.
    if (sqlite3_get_autocommit(db_.handle()) == 0)
        sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void write_transaction::commit() {
    db_.prepare("COMMIT").run();
    open_ = false;
}

}  // namespace sb::storage::sqlite::detail
