#include "storage/sqlite/sqlite_connection.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "storage/sqlite/detail/queries.hpp"
#include "storage/sqlite/detail/search_text.hpp"

namespace sb::storage::sqlite {
namespace {

using detail::query;

// Rows deleted per prune transaction: long enough to amortise the commit, short enough that the
// history writer waiting for the lock is not held up noticeably.
constexpr std::int64_t prune_chunk = 2000;

message_record read_message(const query& q) {
    message_record m;
    m.tenant = q.text(0);
    m.channel = q.text(1);
    m.id = q.text(2);
    m.offset = q.uint64(3);
    m.user_id = q.text(4);
    m.event = q.text(5);
    m.data = q.text(6);
    m.created_at_ms = q.uint64(7);
    if (!q.is_null(8)) m.idempotency_key = q.text(8);
    return m;
}

std::int64_t to_int64(std::size_t n) {
    return n > static_cast<std::size_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(n);
}

// sb_search_text(data): the text the full-text index holds for a message (search_text.hpp).
// Deterministic and innocuous: the triggers and the view in the schema call it.
void search_text_function(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(context);
        return;
    }
    const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    const std::string_view data(p, static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
    if (!detail::looks_like_json(data)) {
        sqlite3_result_value(context, argv[0]);
        return;
    }
    try {
        const std::string text = detail::search_document(data);
        sqlite3_result_text64(context, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } catch (const std::bad_alloc&) {
        sqlite3_result_error_nomem(context);
    }
}

}  // namespace

void register_functions(detail::database& db) {
    const int rc = sqlite3_create_function_v2(
        db.handle(), "sb_search_text", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
        nullptr, &search_text_function, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) detail::throw_error(db.handle(), rc, "create function sb_search_text");
}

sqlite_connection::sqlite_connection(const std::string& path, const detail::open_options& options,
                                     std::shared_ptr<detail::checkpointer> checkpointer)
    : checkpointer_(std::move(checkpointer)), db_(path, options) {
    register_functions(db_);
    sqlite3_wal_hook(db_.handle(), &detail::wal_hook, checkpointer_.get());
}

void sqlite_connection::append(std::span<const message_record> messages) {
    if (messages.empty()) return;
    // The highest stored offset per channel, written once per channel at the end of the batch.
    std::map<std::pair<std::string_view, std::string_view>, std::uint64_t> last_offsets;
    std::int64_t first_seq = 0;
    const detail::write_gate gate(checkpointer_.get());
    detail::write_transaction tx(db_);
    for (const message_record& m : messages) {
        db_.prepare(detail::insert_message_sql)
            .bind(1, m.tenant)
            .bind(2, m.channel)
            .bind(3, m.id)
            .bind(4, m.offset)
            .bind(5, m.user_id)
            .bind(6, m.event)
            .bind(7, m.data)
            .bind(8, m.created_at_ms)
            .bind_or_null(9, m.idempotency_key)
            .run();
        if (db_.changes() == 0) continue;  // idempotency key already stored: skipped
        if (first_seq == 0) first_seq = sqlite3_last_insert_rowid(db_.handle());
        auto& last = last_offsets[{m.tenant, m.channel}];
        last = std::max(last, m.offset);
    }
    if (first_seq != 0) db_.prepare(detail::index_appended_sql).bind(1, first_seq).run();
    for (const auto& [key, last] : last_offsets) {
        db_.prepare(detail::advance_position_sql)
            .bind(1, key.first)
            .bind(2, key.second)
            .bind(3, last)
            .run();
    }
    tx.commit();
}

channel_position sqlite_connection::position(std::string_view tenant, std::string_view channel) {
    const auto read = [&]() -> std::optional<channel_position> {
        auto q = db_.prepare(detail::select_position_sql);
        q.bind(1, tenant).bind(2, channel);
        if (!q.step()) return std::nullopt;
        return channel_position{q.uint64(0), q.text(1)};
    };
    if (auto found = read()) return *std::move(found);
    // First use: create the epoch. Another connection may do the same at once; ON CONFLICT keeps
    // whichever came first and both read it back.
    const detail::write_gate gate(checkpointer_.get());
    detail::write_transaction tx(db_);
    db_.prepare(detail::create_position_sql).bind(1, tenant).bind(2, channel).run();
    auto created = read();
    tx.commit();
    if (!created) throw storage_error("sqlite: channel position vanished after insert");
    return *std::move(created);
}

page_result sqlite_connection::page(const page_query& query) {
    auto q = db_.prepare(
        detail::page_sql(query.before_id.has_value(), query.after_id.has_value(), query.order));
    q.bind(1, query.tenant).bind(2, query.channel);
    int index = 3;
    if (query.before_id) q.bind(index++, *query.before_id);
    if (query.after_id) q.bind(index++, *query.after_id);
    // One row more than asked tells whether more lie beyond the page.
    q.bind(index, to_int64(query.limit) + 1);
    page_result result;
    result.messages.reserve(query.limit);
    while (q.step()) {
        if (result.messages.size() == query.limit) {
            result.has_more = true;
            break;
        }
        result.messages.push_back(read_message(q));
    }
    return result;
}

std::vector<message_record> sqlite_connection::since_offset(std::string_view tenant,
                                                            std::string_view channel,
                                                            std::uint64_t after_offset,
                                                            std::size_t limit) {
    auto q = db_.prepare(detail::since_offset_sql);
    q.bind(1, tenant).bind(2, channel).bind(3, after_offset).bind(4, to_int64(limit));
    std::vector<message_record> out;
    while (q.step()) out.push_back(read_message(q));
    return out;
}

std::optional<message_record> sqlite_connection::find(std::string_view tenant,
                                                      std::string_view message_id) {
    auto q = db_.prepare(detail::find_sql);
    q.bind(1, tenant).bind(2, message_id);
    if (!q.step()) return std::nullopt;
    return read_message(q);
}

std::optional<message_record> sqlite_connection::find_by_idempotency_key(std::string_view tenant,
                                                                         std::string_view key,
                                                                         std::uint64_t since_ms) {
    if (key.empty()) return std::nullopt;
    auto q = db_.prepare(detail::find_by_idempotency_key_sql);
    q.bind(1, tenant).bind(2, key).bind(3, since_ms);
    if (!q.step()) return std::nullopt;
    return read_message(q);
}

search_result sqlite_connection::search(const search_query& query) {
    search_result result;
    const std::string expression = detail::fts5_query(query.text);
    if (expression.empty() || query.limit == 0) return result;
    auto q = db_.prepare(query.channel ? detail::search_in_channel_sql : detail::search_sql);
    q.bind(1, expression)
        .bind(2, query.tenant)
        .bind(3, to_int64(query.limit) + 1)
        .bind(4, to_int64(query.skip));
    if (query.channel) q.bind(5, *query.channel);
    result.messages.reserve(query.limit);
    while (q.step()) {
        if (result.messages.size() == query.limit) {
            result.has_more = true;
            break;
        }
        result.messages.push_back(read_message(q));
    }
    return result;
}

std::size_t sqlite_connection::prune(std::string_view tenant, std::string_view channel_prefix,
                                     std::uint64_t before_ms) {
    // In chunks, each its own transaction, so that a large prune never holds the write lock for
    // long. The cursor (created_at_ms, seq) moves past rows the prefix skipped, so no row is
    // examined twice.
    std::size_t deleted = 0;
    std::int64_t cursor_ms = 0;
    std::int64_t cursor_seq = -1;
    for (;;) {
        const detail::write_gate gate(checkpointer_.get());
        detail::write_transaction tx(db_);
        std::int64_t rows = 0;
        std::int64_t end_ms = cursor_ms;
        std::int64_t end_seq = cursor_seq;
        {
            auto q = db_.prepare(detail::prune_candidates_sql);
            q.bind(1, tenant)
                .bind(2, before_ms)
                .bind(3, cursor_ms)
                .bind(4, cursor_seq)
                .bind(5, channel_prefix);
            q.bind(6, prune_chunk);
            while (q.step()) {
                ++rows;
                end_ms = q.int64(1);
                end_seq = q.int64(0);
            }
        }
        if (rows > 0) {
            db_.prepare(detail::prune_chunk_sql)
                .bind(1, tenant)
                .bind(2, before_ms)
                .bind(3, cursor_ms)
                .bind(4, cursor_seq)
                .bind(5, channel_prefix)
                .bind(6, end_ms)
                .bind(7, end_seq)
                .run();
            deleted += static_cast<std::size_t>(db_.changes());
        }
        tx.commit();
        cursor_ms = end_ms;
        cursor_seq = end_seq;
        if (rows < prune_chunk) return deleted;
    }
}

bool sqlite_connection::mark_read(std::string_view tenant, std::string_view channel,
                                  std::string_view user_id, std::string_view message_id,
                                  std::uint64_t read_at_ms) {
    db_.prepare(detail::mark_read_sql)
        .bind(1, tenant)
        .bind(2, channel)
        .bind(3, user_id)
        .bind(4, message_id)
        .bind(5, read_at_ms)
        .run();
    return db_.changes() > 0;
}

std::optional<read_watermark> sqlite_connection::watermark(std::string_view tenant,
                                                           std::string_view channel,
                                                           std::string_view user_id) {
    auto q = db_.prepare(detail::watermark_sql);
    q.bind(1, tenant).bind(2, channel).bind(3, user_id);
    if (!q.step()) return std::nullopt;
    return read_watermark{std::string(user_id), q.text(0), q.uint64(1)};
}

read_status sqlite_connection::status_of(std::string_view tenant, std::string_view channel,
                                         std::string_view message_id) {
    auto q = db_.prepare(detail::status_of_sql);
    q.bind(1, tenant).bind(2, channel).bind(3, message_id);
    read_status status;
    while (q.step()) status.read_by.push_back(q.text(0));
    status.read_count = status.read_by.size();
    auto d = db_.prepare(detail::delivered_count_sql);
    d.bind(1, tenant).bind(2, channel).bind(3, message_id);
    if (d.step()) status.delivered_count = static_cast<std::size_t>(d.uint64(0));
    return status;
}

bool sqlite_connection::mark_delivered(std::string_view tenant, std::string_view channel,
                                       std::string_view user_id, std::string_view message_id,
                                       std::uint64_t delivered_at_ms) {
    db_.prepare(detail::mark_delivered_sql)
        .bind(1, tenant)
        .bind(2, channel)
        .bind(3, user_id)
        .bind(4, message_id)
        .bind(5, delivered_at_ms)
        .run();
    return db_.changes() > 0;
}

std::size_t sqlite_connection::unread_count(std::string_view tenant, std::string_view channel,
                                            std::string_view user_id) {
    auto q = db_.prepare(detail::unread_count_sql);
    q.bind(1, tenant).bind(2, channel).bind(3, user_id);
    if (!q.step()) return 0;
    return static_cast<std::size_t>(q.uint64(0));
}

}  // namespace sb::storage::sqlite
