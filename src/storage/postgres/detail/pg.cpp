#include "storage/postgres/detail/pg.hpp"

#include <charconv>
#include <string>

namespace sb::storage::postgres::detail {
namespace {

// libpq prints NOTICEs (`relation already exists, skipping`, `text-search query contains only
// stop words`) to stderr by default; none of them is actionable here.
void ignore_notice(void* /*arg*/, const char* /*message*/) {}

std::string error_of(const PGresult* r, PGconn* conn) {
    std::string message = r != nullptr ? PQresultErrorMessage(r) : "";
    if (message.empty() && conn != nullptr) message = PQerrorMessage(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
    if (r != nullptr) {
        if (const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE)) {
            message += " [SQLSTATE ";
            message += state;
            message += ']';
        }
    }
    return message;
}

std::int64_t parse_int64(const char* text, int size) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text, text + size, value);
    if (ec != std::errc() || end != text + size) {
        throw storage_error("postgres: expected an integer, got \"" +
                            std::string(text, static_cast<std::size_t>(size)) + '"');
    }
    return value;
}

}  // namespace

std::string result::text(int row, int column) const {
    return {PQgetvalue(r_, row, column), static_cast<std::size_t>(PQgetlength(r_, row, column))};
}

std::int64_t result::int64(int row, int column) const {
    return parse_int64(PQgetvalue(r_, row, column), PQgetlength(r_, row, column));
}

std::uint64_t result::uint64(int row, int column) const {
    const std::int64_t value = int64(row, column);
    return value < 0 ? 0 : static_cast<std::uint64_t>(value);
}

std::uint64_t result::affected() const {
    const char* text = PQcmdTuples(r_);
    const std::string_view view(text);
    if (view.empty()) return 0;
    return static_cast<std::uint64_t>(parse_int64(view.data(), static_cast<int>(view.size())));
}

params& params::add(std::string_view text) { return add(std::string(text)); }

params& params::add(std::string&& text) {
    values_.push_back(std::move(text));
    null_.push_back(false);
    return *this;
}

params& params::add(std::int64_t value) { return add(std::to_string(value)); }

params& params::add(std::uint64_t value) {
    if (value > static_cast<std::uint64_t>(INT64_MAX)) {
        throw storage_error("postgres: integer " + std::to_string(value) + " is out of range");
    }
    return add(std::to_string(value));
}

params& params::add_null() {
    values_.emplace_back();
    null_.push_back(true);
    return *this;
}

const char* const* params::pointers() {
    pointers_.clear();
    for (std::size_t i = 0; i < values_.size(); ++i)
        pointers_.push_back(null_[i] ? nullptr : values_[i].c_str());
    return pointers_.data();
}

session::session(const std::string& conninfo) {
    // Keywords are processed in order and later ones win, so the URL (dbname, expanded) can
    // override the timeout, and the fallback name applies only when the URL names none.
    const char* keywords[] = {"connect_timeout", "dbname", "fallback_application_name", nullptr};
    const char* values[] = {"10", conninfo.c_str(), "switchboard", nullptr};
    conn_ = PQconnectdbParams(keywords, values, 1);
    if (conn_ == nullptr) throw storage_error("postgres: out of memory connecting");
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string message = "postgres: connect: " + error_of(nullptr, conn_);
        PQfinish(conn_);
        throw storage_error(message);
    }
    PQsetNoticeProcessor(conn_, &ignore_notice, nullptr);
}

session::~session() { PQfinish(conn_); }

void session::ensure_connected() {
    if (PQstatus(conn_) == CONNECTION_OK) return;
    PQreset(conn_);
    prepared_.clear();
    if (PQstatus(conn_) != CONNECTION_OK)
        throw storage_error("postgres: reconnect: " + error_of(nullptr, conn_));
}

result session::check(PGresult* r, std::string_view what) {
    result owned(r);
    const ExecStatusType status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw storage_error("postgres: " + std::string(what) + ": " + error_of(r, conn_));
    }
    return owned;
}

result session::exec(const std::string& sql) {
    ensure_connected();
    return check(PQexec(conn_, sql.c_str()), "exec");
}

result session::run(std::string_view sql, params& values) {
    ensure_connected();
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
        const std::string name = "sb" + std::to_string(prepared_.size());
        const std::string text(sql);
        check(PQprepare(conn_, name.c_str(), text.c_str(), values.size(), nullptr), "prepare");
        it = prepared_.emplace(text, name).first;
    }
    return check(PQexecPrepared(conn_, it->second.c_str(), values.size(), values.pointers(),
                                nullptr, nullptr, 0),
                 it->second);
}

result session::run_once(const std::string& sql, params& values) {
    ensure_connected();
    return check(PQexecParams(conn_, sql.c_str(), values.size(), nullptr, values.pointers(),
                              nullptr, nullptr, 0),
                 "query");
}

bool session::in_transaction() const noexcept {
    const PGTransactionStatusType status = PQtransactionStatus(conn_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

transaction::transaction(session& s) : s_(s) { s_.exec("BEGIN"); }

transaction::~transaction() {
    if (!open_ || !s_.in_transaction()) return;
    try {
        s_.exec("ROLLBACK");
    } catch (const storage_error&) {
        // The link is gone, and the server rolls back with it.
    }
}

void transaction::commit() {
    s_.exec("COMMIT");
    open_ = false;
}

void append_array_element(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
}

}  // namespace sb::storage::postgres::detail
