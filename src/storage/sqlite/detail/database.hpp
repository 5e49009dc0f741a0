#pragma once
// RAII over the SQLite C API: one database handle, its prepared statements, write transactions.
//
// Threads: a `database` is opened with SQLITE_OPEN_NOMUTEX, so it and everything it hands out
// belong to one thread at a time (the owning connection may move between threads, never be shared).
// Errors: every failing call throws storage_error naming the operation and SQLite's message.

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "storage/store.hpp"

namespace sb::storage::sqlite::detail {

[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view what);

// A prepared statement owned by the database's cache. Use it through `query`, which resets it.
class statement {
public:
    statement(sqlite3* db, std::string_view sql);
    ~statement();
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    [[nodiscard]] sqlite3_stmt* get() const noexcept { return stmt_; }
    [[nodiscard]] sqlite3* db() const noexcept { return db_; }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// One execution of a cached statement: bind, step, read columns. Text is bound without copying
// (SQLITE_STATIC), so bound strings must outlive the last step(); the destructor resets the
// statement and clears its bindings so the next user starts clean.
class query {
public:
    explicit query(statement& s) noexcept : db_(s.db()), stmt_(s.get()) {}
    ~query();
    query(const query&) = delete;
    query& operator=(const query&) = delete;

    // Parameters are numbered from 1.
    query& bind(int index, std::string_view text);
    query& bind(int index, std::int64_t value);
    query& bind(int index, std::uint64_t value);
    query& bind_null(int index);
    // Binds `text`, or NULL when it is empty.
    query& bind_or_null(int index, std::string_view text);

    // True while a row is available; false when done.
    bool step();
    // Runs a statement that returns no rows.
    void run();

    [[nodiscard]] std::int64_t int64(int column) const noexcept;
    [[nodiscard]] std::uint64_t uint64(int column) const noexcept;
    [[nodiscard]] std::string text(int column) const;
    [[nodiscard]] bool is_null(int column) const noexcept;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_;
};

struct open_options {
    bool create = true;  // create the file when missing
    bool synchronous_full = false;
    int busy_timeout_ms = 5000;
    int cache_size_kib = 16 * 1024;
};

class database {
public:
    // Opens the file and applies the per-connection pragmas. Throws storage_error, also when the
    // file is not a database.
    database(const std::string& path, const open_options& options);
    ~database();
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    // Runs one or more statements without a result (DDL, pragmas).
    void exec(const char* sql);
    // The cached prepared statement for `sql`, prepared on first use. Keep `sql` to a fixed set
    // of texts: the cache never evicts.
    query prepare(std::string_view sql);
    // Rows changed by the last INSERT, UPDATE or DELETE (not counting triggers).
    [[nodiscard]] std::int64_t changes() const noexcept;
    [[nodiscard]] sqlite3* handle() const noexcept { return db_; }

private:
    sqlite3* db_ = nullptr;
    std::map<std::string, std::unique_ptr<statement>, std::less<>> statements_;
};

// BEGIN IMMEDIATE … COMMIT: takes the write lock up front (waiting up to busy_timeout), so a
// transaction never fails halfway for lack of it. Rolls back unless committed.
class write_transaction {
public:
    explicit write_transaction(database& db);
    ~write_transaction();
    write_transaction(const write_transaction&) = delete;
    write_transaction& operator=(const write_transaction&) = delete;

    void commit();

private:
    database& db_;
    bool open_ = true;
};

}  // namespace sb::storage::sqlite::detail
