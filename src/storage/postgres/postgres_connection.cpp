#include "storage/postgres/postgres_connection.hpp"

#include <array>

namespace sb::storage::postgres {
namespace {

using detail::params;
using detail::result;

#define SB_PG_MESSAGE_COLUMNS \
    "tenant, channel, id, channel_offset, user_id, event, data, created_at_ms, idempotency_key"

constexpr std::string_view append_sql =
    "WITH inserted AS ("
    " INSERT INTO messages (" SB_PG_MESSAGE_COLUMNS
    ")"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[],"
    " $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[])"
    " ON CONFLICT (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
    " RETURNING tenant, channel, channel_offset)"
    // Sorted so that concurrent appends lock position rows in one order and cannot deadlock.
    " INSERT INTO channel_positions (tenant, channel, epoch, last_offset)"
    " SELECT tenant, channel, substr(md5(gen_random_uuid()::text), 1, 16), max(channel_offset)"
    " FROM inserted GROUP BY tenant, channel ORDER BY tenant, channel"
    " ON CONFLICT (tenant, channel) DO UPDATE"
    " SET last_offset = greatest(channel_positions.last_offset, excluded.last_offset)";

constexpr std::string_view select_position_sql =
    "SELECT last_offset, epoch FROM channel_positions WHERE tenant = $1 AND channel = $2";
constexpr std::string_view create_position_sql =
    "INSERT INTO channel_positions (tenant, channel, epoch, last_offset)"
    " VALUES ($1, $2, substr(md5(gen_random_uuid()::text), 1, 16), 0)"
    " ON CONFLICT (tenant, channel) DO NOTHING";

// One text per combination of bounds and order, so each plan has the exact range bounds.
// Parameters: $1 tenant, $2 channel, $3 limit, $4 before_id, $5 after_id (when present).
std::string_view page_sql(bool has_before, bool has_after, sort_order order) {
    static const std::array<std::string, 8> texts = [] {
        std::array<std::string, 8> out;
        for (int i = 0; i < 8; ++i) {
            const bool before = (i & 4) != 0;
            const bool after = (i & 2) != 0;
            const bool desc = (i & 1) != 0;
            std::string sql =
                "SELECT " SB_PG_MESSAGE_COLUMNS " FROM messages WHERE tenant = $1 AND channel = $2";
            int next = 4;
            if (before) sql += " AND id < $" + std::to_string(next++);
            if (after) sql += " AND id > $" + std::to_string(next++);
            sql += desc ? " ORDER BY id DESC LIMIT $3" : " ORDER BY id ASC LIMIT $3";
            out[static_cast<std::size_t>(i)] = std::move(sql);
        }
        return out;
    }();
    return texts[(has_before ? 4U : 0U) + (has_after ? 2U : 0U) +
                 (order == sort_order::desc ? 1U : 0U)];
}

constexpr std::string_view since_offset_sql =
    "SELECT " SB_PG_MESSAGE_COLUMNS
    " FROM messages WHERE tenant = $1 AND channel = $2 AND channel_offset > $3"
    " ORDER BY channel_offset LIMIT $4";

constexpr std::string_view find_sql =
    "SELECT " SB_PG_MESSAGE_COLUMNS " FROM messages WHERE tenant = $1 AND id = $2";

constexpr std::string_view find_by_idempotency_key_sql =
    "SELECT " SB_PG_MESSAGE_COLUMNS
    " FROM messages WHERE tenant = $1 AND idempotency_key = $2 AND created_at_ms >= $3";

// The query text gets the same punctuation-to-blank rule as the indexed text (migration 3), and
// plainto_tsquery ANDs its words.
#define SB_PG_SEARCH(channel_filter)                                                             \
    "SELECT " SB_PG_MESSAGE_COLUMNS                                                              \
    " FROM messages, plainto_tsquery('simple'::regconfig, regexp_replace($2, '[[:punct:]]+', ' " \
    "', 'g')) AS q"                                                                              \
    " WHERE tenant = $1 AND search_vector @@ q" channel_filter                                   \
    " ORDER BY ts_rank(search_vector, q) DESC, id DESC LIMIT $3 OFFSET $4"
constexpr std::string_view search_sql = SB_PG_SEARCH("");
constexpr std::string_view search_in_channel_sql = SB_PG_SEARCH(" AND channel = $5");
#undef SB_PG_SEARCH

constexpr std::string_view prune_sql =
    "DELETE FROM messages WHERE tenant = $1 AND created_at_ms < $2 AND starts_with(channel, $3)";

constexpr std::string_view mark_read_sql =
    "INSERT INTO read_watermarks (tenant, channel, user_id, message_id, read_at_ms)"
    " VALUES ($1, $2, $3, $4, $5)"
    " ON CONFLICT (tenant, channel, user_id) DO UPDATE"
    " SET message_id = excluded.message_id, read_at_ms = excluded.read_at_ms"
    " WHERE excluded.message_id > read_watermarks.message_id";

constexpr std::string_view watermark_sql =
    "SELECT message_id, read_at_ms FROM read_watermarks"
    " WHERE tenant = $1 AND channel = $2 AND user_id = $3";

constexpr std::string_view mark_delivered_sql =
    "INSERT INTO delivery_watermarks (tenant, channel, user_id, message_id, delivered_at_ms)"
    " VALUES ($1, $2, $3, $4, $5)"
    " ON CONFLICT (tenant, channel, user_id) DO UPDATE"
    " SET message_id = excluded.message_id, delivered_at_ms = excluded.delivered_at_ms"
    " WHERE excluded.message_id > delivery_watermarks.message_id";

constexpr std::string_view delivered_count_sql =
    "SELECT count(*) FROM (SELECT user_id FROM delivery_watermarks"
    " WHERE tenant = $1 AND channel = $2 AND message_id >= $3"
    " UNION SELECT user_id FROM read_watermarks WHERE tenant = $1 AND channel = $2 AND message_id >= $3) AS d";

constexpr std::string_view status_of_sql =
    "SELECT user_id FROM read_watermarks WHERE tenant = $1 AND channel = $2 AND message_id >= $3"
    " ORDER BY user_id";

constexpr std::string_view unread_count_sql =
    "SELECT count(*) FROM messages WHERE tenant = $1 AND channel = $2 AND user_id <> $3"
    " AND id > coalesce((SELECT message_id FROM read_watermarks"
    " WHERE tenant = $1 AND channel = $2 AND user_id = $3), '')";

message_record read_message(const result& r, int row) {
    message_record m;
    m.tenant = r.text(row, 0);
    m.channel = r.text(row, 1);
    m.id = r.text(row, 2);
    m.offset = r.uint64(row, 3);
    m.user_id = r.text(row, 4);
    m.event = r.text(row, 5);
    m.data = r.text(row, 6);
    m.created_at_ms = r.uint64(row, 7);
    if (!r.is_null(row, 8)) m.idempotency_key = r.text(row, 8);
    return m;
}

std::vector<message_record> read_messages(const result& r, std::size_t at_most) {
    std::vector<message_record> out;
    const auto rows = static_cast<std::size_t>(r.rows());
    out.reserve(std::min(rows, at_most));
    for (std::size_t row = 0; row < rows && row < at_most; ++row)
        out.push_back(read_message(r, static_cast<int>(row)));
    return out;
}

std::int64_t to_int64(std::size_t n) {
    return n > static_cast<std::size_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(n);
}

// True when `text` holds something the parser could take for a word (see SB_PG_SEARCH).
bool has_word(std::string_view text) noexcept {
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80 || (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z'))
            return true;
    }
    return false;
}

// Array literals for unnest(): {"a","b"} with NULL for absent keys.
class array_literal {
public:
    void add(std::string_view text) {
        separate();
        detail::append_array_element(text_, text);
    }
    void add(std::uint64_t value) {
        if (value > static_cast<std::uint64_t>(INT64_MAX)) {
            throw storage_error("postgres: integer " + std::to_string(value) + " is out of range");
        }
        separate();
        text_ += std::to_string(value);
    }
    void add_null() {
        separate();
        text_ += "NULL";
    }
    std::string take() && {
        text_ += '}';
        return std::move(text_);
    }

private:
    void separate() { text_ += text_.size() == 1 ? "" : ","; }
    std::string text_ = "{";
};

}  // namespace

postgres_connection::postgres_connection(const std::string& url) : session_(url) {}

void postgres_connection::append(std::span<const message_record> messages) {
    if (messages.empty()) return;
    std::array<array_literal, 9> columns;
    for (const message_record& m : messages) {
        columns[0].add(m.tenant);
        columns[1].add(m.channel);
        columns[2].add(m.id);
        columns[3].add(m.offset);
        columns[4].add(m.user_id);
        columns[5].add(m.event);
        columns[6].add(m.data);
        columns[7].add(m.created_at_ms);
        if (m.idempotency_key.empty()) {
            columns[8].add_null();
        } else {
            columns[8].add(m.idempotency_key);
        }
    }
    params p;
    for (auto& column : columns) p.add(std::move(column).take());
    session_.run(append_sql, p);
}

channel_position postgres_connection::position(std::string_view tenant, std::string_view channel) {
    params p;
    p.add(tenant).add(channel);
    for (int attempt = 0; attempt < 2; ++attempt) {
        const result r = session_.run(select_position_sql, p);
        if (r.rows() > 0) return channel_position{r.uint64(0, 0), r.text(0, 1)};
        // First use: create the epoch. A concurrent creator wins the conflict and the second
        // SELECT (a new snapshot) reads its row.
        session_.run(create_position_sql, p);
    }
    throw storage_error("postgres: channel position vanished after insert");
}

page_result postgres_connection::page(const page_query& query) {
    params p;
    // One row more than asked tells whether more lie beyond the page.
    p.add(query.tenant).add(query.channel).add(to_int64(query.limit) + 1);
    if (query.before_id) p.add(*query.before_id);
    if (query.after_id) p.add(*query.after_id);
    const result r = session_.run(
        page_sql(query.before_id.has_value(), query.after_id.has_value(), query.order), p);
    page_result out;
    out.messages = read_messages(r, query.limit);
    out.has_more = static_cast<std::size_t>(r.rows()) > query.limit;
    return out;
}

std::vector<message_record> postgres_connection::since_offset(std::string_view tenant,
                                                              std::string_view channel,
                                                              std::uint64_t after_offset,
                                                              std::size_t limit) {
    params p;
    p.add(tenant).add(channel).add(after_offset).add(to_int64(limit));
    return read_messages(session_.run(since_offset_sql, p), limit);
}

std::optional<message_record> postgres_connection::find(std::string_view tenant,
                                                        std::string_view message_id) {
    params p;
    p.add(tenant).add(message_id);
    const result r = session_.run(find_sql, p);
    if (r.rows() == 0) return std::nullopt;
    return read_message(r, 0);
}

std::optional<message_record> postgres_connection::find_by_idempotency_key(std::string_view tenant,
                                                                           std::string_view key,
                                                                           std::uint64_t since_ms) {
    if (key.empty()) return std::nullopt;
    params p;
    p.add(tenant).add(key).add(since_ms);
    const result r = session_.run(find_by_idempotency_key_sql, p);
    if (r.rows() == 0) return std::nullopt;
    return read_message(r, 0);
}

search_result postgres_connection::search(const search_query& query) {
    search_result out;
    if (!has_word(query.text) || query.limit == 0) return out;
    params p;
    p.add(query.tenant).add(query.text).add(to_int64(query.limit) + 1).add(to_int64(query.skip));
    if (query.channel) p.add(*query.channel);
    const result r = session_.run(query.channel ? search_in_channel_sql : search_sql, p);
    out.messages = read_messages(r, query.limit);
    out.has_more = static_cast<std::size_t>(r.rows()) > query.limit;
    return out;
}

std::size_t postgres_connection::prune(std::string_view tenant, std::string_view channel_prefix,
                                       std::uint64_t before_ms) {
    // One statement: under MVCC, deleting old rows blocks neither readers nor the appends of
    // new ones.
    params p;
    p.add(tenant).add(before_ms).add(channel_prefix);
    return static_cast<std::size_t>(session_.run(prune_sql, p).affected());
}

bool postgres_connection::mark_read(std::string_view tenant, std::string_view channel,
                                    std::string_view user_id, std::string_view message_id,
                                    std::uint64_t read_at_ms) {
    params p;
    p.add(tenant).add(channel).add(user_id).add(message_id).add(read_at_ms);
    return session_.run(mark_read_sql, p).affected() > 0;
}

bool postgres_connection::mark_delivered(std::string_view tenant, std::string_view channel,
                                         std::string_view user_id, std::string_view message_id,
                                         std::uint64_t delivered_at_ms) {
    params p;
    p.add(tenant).add(channel).add(user_id).add(message_id).add(delivered_at_ms);
    return session_.run(mark_delivered_sql, p).affected() > 0;
}

std::optional<read_watermark> postgres_connection::watermark(std::string_view tenant,
                                                             std::string_view channel,
                                                             std::string_view user_id) {
    params p;
    p.add(tenant).add(channel).add(user_id);
    const result r = session_.run(watermark_sql, p);
    if (r.rows() == 0) return std::nullopt;
    return read_watermark{std::string(user_id), r.text(0, 0), r.uint64(0, 1)};
}

read_status postgres_connection::status_of(std::string_view tenant, std::string_view channel,
                                           std::string_view message_id) {
    params p;
    p.add(tenant).add(channel).add(message_id);
    const result r = session_.run(status_of_sql, p);
    read_status status;
    for (int row = 0; row < r.rows(); ++row) status.read_by.push_back(r.text(row, 0));
    status.read_count = status.read_by.size();
    const result d = session_.run(delivered_count_sql, p);
    if (d.rows() > 0) status.delivered_count = static_cast<std::size_t>(d.uint64(0, 0));
    return status;
}

std::size_t postgres_connection::unread_count(std::string_view tenant, std::string_view channel,
                                              std::string_view user_id) {
    params p;
    p.add(tenant).add(channel).add(user_id);
    const result r = session_.run(unread_count_sql, p);
    return r.rows() == 0 ? 0 : static_cast<std::size_t>(r.uint64(0, 0));
}

}  // namespace sb::storage::postgres
