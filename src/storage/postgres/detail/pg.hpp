#pragma once
// RAII over libpq: one server session, its prepared statements, results.
//
// Threads: a `session` belongs to one thread at a time (libpq connections are not shared).
// Errors: failing calls throw storage_error with the server's message and SQLSTATE.
// Reconnection: when the link broke, the next call resets it (PQreset) and prepares its
// statements again; the call that saw the break still throws, and is not retried, because the
// caller cannot know whether a commit in flight happened.

#include <libpq-fe.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "storage/store.hpp"

namespace sb::storage::postgres::detail {

class result {
public:
    explicit result(PGresult* r) noexcept : r_(r) {}
    ~result() { PQclear(r_); }
    result(result&& other) noexcept : r_(other.r_) { other.r_ = nullptr; }
    result& operator=(result&&) = delete;
    result(const result&) = delete;
    result& operator=(const result&) = delete;

    [[nodiscard]] int rows() const noexcept { return PQntuples(r_); }
    [[nodiscard]] bool is_null(int row, int column) const noexcept {
        return PQgetisnull(r_, row, column) != 0;
    }
    [[nodiscard]] std::string text(int row, int column) const;
    [[nodiscard]] std::int64_t int64(int row, int column) const;
    [[nodiscard]] std::uint64_t uint64(int row, int column) const;
    // Rows an INSERT, UPDATE or DELETE affected.
    [[nodiscard]] std::uint64_t affected() const;

private:
    PGresult* r_;
};

// Parameter values in text format, owned; NULL for add_null().
class params {
public:
    params& add(std::string_view text);
    params& add(std::string&& text);
    params& add(std::int64_t value);
    params& add(std::uint64_t value);
    params& add_null();

    [[nodiscard]] int size() const noexcept { return static_cast<int>(values_.size()); }
    // Pointers into this object; valid until the next add().
    [[nodiscard]] const char* const* pointers();

private:
    std::vector<std::string> values_;
    std::vector<bool> null_;
    std::vector<const char*> pointers_;
};

class session {
public:
    // Connects to a libpq URI or key=value string. Throws storage_error.
    explicit session(const std::string& conninfo);
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    // Runs one or more statements by the simple protocol (DDL, BEGIN/COMMIT).
    result exec(const std::string& sql);
    // Runs `sql` as a statement prepared on this session on first use. Keep `sql` to a fixed set
    // of texts: prepared statements are never deallocated.
    result run(std::string_view sql, params& values);
    // An unnamed statement: not cached.
    result run_once(const std::string& sql, params& values);

    [[nodiscard]] bool in_transaction() const noexcept;

private:
    void ensure_connected();
    result check(PGresult* r, std::string_view what);

    PGconn* conn_ = nullptr;
    std::map<std::string, std::string, std::less<>> prepared_;  // sql → statement name
};

// BEGIN … COMMIT on a session; rolls back unless committed.
class transaction {
public:
    explicit transaction(session& s);
    ~transaction();
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    void commit();

private:
    session& s_;
    bool open_ = true;
};

// Appends `text` as one element of a PostgreSQL array literal (quoted, escaped).
void append_array_element(std::string& out, std::string_view text);

}  // namespace sb::storage::postgres::detail
