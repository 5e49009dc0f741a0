#pragma once
// The SQL the SQLite connection runs, in one place so that tests can check its query plans
// (sqlite_store_test.cpp asserts the range scans the indexes in migrations.cpp exist for).

#include <string_view>

#include "storage/store.hpp"

namespace sb::storage::sqlite::detail {

// Columns in message_record order; read_message() in sqlite_connection.cpp depends on it.
#define SB_SQLITE_MESSAGE_COLUMNS \
    "tenant, channel, id, channel_offset, user_id, event, data, created_at_ms, idempotency_key"

inline constexpr std::string_view insert_message_sql =
    "INSERT INTO messages (" SB_SQLITE_MESSAGE_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING";

// Indexes for search every message of this append: they are the rows from ?1, the first seq the
// batch inserted (seq grows within the write transaction). See migration 3 for why not a trigger.
inline constexpr std::string_view index_appended_sql =
    "INSERT INTO messages_fts (rowid, body)"
    " SELECT seq, sb_search_text(data) FROM messages WHERE seq >= ?1";

inline constexpr std::string_view advance_position_sql =
    "INSERT INTO channel_positions (tenant, channel, epoch, last_offset)"
    " VALUES (?1, ?2, lower(hex(randomblob(8))), ?3)"
    " ON CONFLICT (tenant, channel) DO UPDATE"
    " SET last_offset = max(last_offset, excluded.last_offset)";

inline constexpr std::string_view select_position_sql =
    "SELECT last_offset, epoch FROM channel_positions WHERE tenant = ?1 AND channel = ?2";

inline constexpr std::string_view create_position_sql =
    "INSERT INTO channel_positions (tenant, channel, epoch, last_offset)"
    " VALUES (?1, ?2, lower(hex(randomblob(8))), 0) ON CONFLICT (tenant, channel) DO NOTHING";

// Parameters: ?1 tenant, ?2 channel, then before_id and/or after_id when present, then the limit.
// One text per combination, so each has a plan with the exact range bounds.
[[nodiscard]] inline std::string_view page_sql(bool has_before, bool has_after,
                                               sort_order order) noexcept {
#define SB_SQLITE_PAGE(bounds, direction)                                                          \
    "SELECT " SB_SQLITE_MESSAGE_COLUMNS " FROM messages WHERE tenant = ?1 AND channel = ?2" bounds \
    " ORDER BY id " direction " LIMIT ?"
    static constexpr std::string_view texts[8] = {
        SB_SQLITE_PAGE("", "ASC"),
        SB_SQLITE_PAGE("", "DESC"),
        SB_SQLITE_PAGE(" AND id > ?", "ASC"),
        SB_SQLITE_PAGE(" AND id > ?", "DESC"),
        SB_SQLITE_PAGE(" AND id < ?", "ASC"),
        SB_SQLITE_PAGE(" AND id < ?", "DESC"),
        SB_SQLITE_PAGE(" AND id < ? AND id > ?", "ASC"),
        SB_SQLITE_PAGE(" AND id < ? AND id > ?", "DESC"),
    };
#undef SB_SQLITE_PAGE
    return texts[(has_before ? 4 : 0) + (has_after ? 2 : 0) + (order == sort_order::desc ? 1 : 0)];
}

inline constexpr std::string_view since_offset_sql =
    "SELECT " SB_SQLITE_MESSAGE_COLUMNS
    " FROM messages WHERE tenant = ?1 AND channel = ?2 AND channel_offset > ?3"
    " ORDER BY channel_offset LIMIT ?4";

inline constexpr std::string_view find_sql =
    "SELECT " SB_SQLITE_MESSAGE_COLUMNS " FROM messages WHERE tenant = ?1 AND id = ?2";

inline constexpr std::string_view find_by_idempotency_key_sql =
    "SELECT " SB_SQLITE_MESSAGE_COLUMNS
    " FROM messages WHERE tenant = ?1 AND idempotency_key = ?2 AND created_at_ms >= ?3";

// ?1 FTS5 expression, ?2 tenant, ?3 limit, ?4 offset, ?5 channel (search_in_channel_sql only).
// bm25() is lower for better matches; ties go to the newest id.
inline constexpr std::string_view search_sql =
    "SELECT m.tenant, m.channel, m.id, m.channel_offset, m.user_id, m.event, m.data,"
    " m.created_at_ms, m.idempotency_key"
    " FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid"
    " WHERE messages_fts MATCH ?1 AND m.tenant = ?2"
    " ORDER BY bm25(messages_fts), m.id DESC LIMIT ?3 OFFSET ?4";
inline constexpr std::string_view search_in_channel_sql =
    "SELECT m.tenant, m.channel, m.id, m.channel_offset, m.user_id, m.event, m.data,"
    " m.created_at_ms, m.idempotency_key"
    " FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid"
    " WHERE messages_fts MATCH ?1 AND m.tenant = ?2 AND m.channel = ?5"
    " ORDER BY bm25(messages_fts), m.id DESC LIMIT ?3 OFFSET ?4";

// One chunk of prune(): the next rows of the tenant older than ?2, in (created_at_ms, seq) order
// after the cursor (?3, ?4), whose channel starts with ?5.
inline constexpr std::string_view prune_candidates_sql =
    "SELECT seq, created_at_ms FROM messages"
    " WHERE tenant = ?1 AND created_at_ms < ?2 AND created_at_ms >= ?3"
    " AND NOT (created_at_ms = ?3 AND seq <= ?4)"
    " AND substr(channel, 1, length(?5)) = ?5"
    " ORDER BY created_at_ms, seq LIMIT ?6";
// One statement per chunk (see index_appended_sql for why statements touching the index are
// few): the rows of the chunk, bounded by the cursor before it (?3, ?4) and after it (?6, ?7).
inline constexpr std::string_view prune_chunk_sql =
    "DELETE FROM messages"
    " WHERE tenant = ?1 AND created_at_ms < ?2 AND created_at_ms >= ?3 AND created_at_ms <= ?6"
    " AND NOT (created_at_ms = ?3 AND seq <= ?4) AND NOT (created_at_ms = ?6 AND seq > ?7)"
    " AND substr(channel, 1, length(?5)) = ?5";

inline constexpr std::string_view mark_read_sql =
    "INSERT INTO read_watermarks (tenant, channel, user_id, message_id, read_at_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (tenant, channel, user_id) DO UPDATE"
    " SET message_id = excluded.message_id, read_at_ms = excluded.read_at_ms"
    " WHERE excluded.message_id > read_watermarks.message_id";

inline constexpr std::string_view watermark_sql =
    "SELECT message_id, read_at_ms FROM read_watermarks"
    " WHERE tenant = ?1 AND channel = ?2 AND user_id = ?3";

inline constexpr std::string_view mark_delivered_sql =
    "INSERT INTO delivery_watermarks (tenant, channel, user_id, message_id, delivered_at_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (tenant, channel, user_id) DO UPDATE"
    " SET message_id = excluded.message_id, delivered_at_ms = excluded.delivered_at_ms"
    " WHERE excluded.message_id > delivery_watermarks.message_id";

inline constexpr std::string_view delivered_count_sql =
    "SELECT count(*) FROM (SELECT user_id FROM delivery_watermarks"
    " WHERE tenant = ?1 AND channel = ?2 AND message_id >= ?3"
    " UNION SELECT user_id FROM read_watermarks WHERE tenant = ?1 AND channel = ?2 AND message_id >= ?3)";

inline constexpr std::string_view status_of_sql =
    "SELECT user_id FROM read_watermarks WHERE tenant = ?1 AND channel = ?2 AND message_id >= ?3"
    " ORDER BY user_id";

// Index-only on messages_by_channel_id (tenant, channel, id, user_id).
inline constexpr std::string_view unread_count_sql =
    "SELECT count(*) FROM messages WHERE tenant = ?1 AND channel = ?2 AND user_id <> ?3"
    " AND id > coalesce((SELECT message_id FROM read_watermarks"
    " WHERE tenant = ?1 AND channel = ?2 AND user_id = ?3), '')";

}  // namespace sb::storage::sqlite::detail
