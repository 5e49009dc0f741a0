// SQLite schema, one step per version. Append new steps at the end (the webhook outbox and
// conversations will come as their own versions); never edit a step that has shipped, since
// databases in the field have already applied it. Steps only add tables, columns and indexes,
// so a node still running the previous build keeps working while another has migrated.

#include "storage/sqlite/migrations.hpp"

#include <array>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "storage/sqlite/detail/database.hpp"

namespace sb::storage::sqlite {
namespace {

constexpr std::array<migration, 4> steps{{
    {1, "messages and channel positions", R"sql(
-- seq is the rowid: it is what the full-text index refers to (content_rowid), and it keeps the
-- table a plain rowid B-tree with rows appended at its right edge.
CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    channel TEXT NOT NULL,
    id TEXT NOT NULL,
    channel_offset INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    event TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    idempotency_key TEXT               -- NULL when none
);
-- find(); ids are unique per tenant.
CREATE UNIQUE INDEX messages_by_id ON messages (tenant, id);
-- page(): a range scan in id order, no sort. user_id rides along so that unread_count() is an
-- index-only count.
CREATE INDEX messages_by_channel_id ON messages (tenant, channel, id, user_id);
-- since_offset(): a range scan in offset order.
CREATE INDEX messages_by_channel_offset ON messages (tenant, channel, channel_offset);
-- prune(): old messages of a tenant without scanning the new ones.
CREATE INDEX messages_by_created_at ON messages (tenant, created_at_ms);
-- append() skips a message whose key exists; find_by_idempotency_key().
CREATE UNIQUE INDEX messages_by_idempotency_key ON messages (tenant, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- One row per channel that was ever used. last_offset never goes down (prune keeps it), so
-- offsets are never reused; epoch is random and changes only if the row is deleted and made again.
CREATE TABLE channel_positions (
    tenant TEXT NOT NULL,
    channel TEXT NOT NULL,
    epoch TEXT NOT NULL,
    last_offset INTEGER NOT NULL,
    PRIMARY KEY (tenant, channel)
) WITHOUT ROWID;
)sql"},

    {2, "read watermarks", R"sql(
CREATE TABLE read_watermarks (
    tenant TEXT NOT NULL,
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    message_id TEXT NOT NULL,          -- the newest message the user has read
    read_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant, channel, user_id)
) WITHOUT ROWID;
)sql"},

    {3, "full-text search", R"sql(
-- The indexed text of a message is sb_search_text(data) (C++, registered on every connection:
-- JSON string values, or the data as it is). The external content is a view computing it, so the
-- index stores no copy of the text and 'rebuild' and 'integrity-check' work.
CREATE VIEW message_search_documents AS
    SELECT seq, sb_search_text(data) AS body FROM messages;
-- remove_diacritics 0: PostgreSQL's `simple` configuration does not fold accents either, and
-- both backends must find the same messages.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    body,
    content = 'message_search_documents',
    content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 0'
);
-- Kept in sync inside the transaction that changes the message. New messages are indexed by
-- append() with one INSERT … SELECT per batch (index_appended_sql), not by a trigger: SQLite
-- opens a statement savepoint around every statement that writes a virtual table, FTS5 (3.40)
-- flushes its pending terms at each savepoint, and so an insert trigger would write one index
-- segment per message, 4x the cost of the whole append. Deletes and edits are rarer and go
-- through triggers. 'delete' must be given the text that was indexed, which sb_search_text
-- recomputes from the old data.
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body)
        VALUES ('delete', old.seq, sb_search_text(old.data));
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF data ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body)
        VALUES ('delete', old.seq, sb_search_text(old.data));
    INSERT INTO messages_fts (rowid, body) VALUES (new.seq, sb_search_text(new.data));
END;
)sql"},
    {4, "delivery watermarks", R"sql(
-- Like read_watermarks, for channels with delivery receipts: the newest message each user's
-- device confirmed it received.
CREATE TABLE delivery_watermarks (
    tenant TEXT NOT NULL,
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    delivered_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant, channel, user_id)
) WITHOUT ROWID;
)sql"},
}};

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::span<const migration> migrations() noexcept {
    // Each feature keeps its steps in its own file and version range (core 1-99, webhooks
    // 100-199, conversations 200-299): the list is their concatenation, ascending.
    static const std::vector<migration> all = [] {
        std::vector<migration> v(steps.begin(), steps.end());
        for (const auto& m : webhook_migrations()) v.push_back(m);
        for (const auto& m : conversation_migrations()) v.push_back(m);
        return v;
    }();
    return all;
}

void migrate(detail::database& db) {
    detail::write_transaction tx(db);
    db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)");
    std::set<std::int64_t> applied;
    {
        auto q = db.prepare("SELECT version FROM schema_migrations");
        while (q.step()) applied.insert(q.int64(0));
    }
    for (const migration& step : migrations()) {
        if (applied.contains(step.version)) continue;
        try {
            db.exec(std::string(step.sql).c_str());
        } catch (const storage_error& e) {
            throw storage_error("migration " + std::to_string(step.version) + " (" +
                                std::string(step.name) + "): " + e.what());
        }
        db.prepare(
              "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?1, ?2, ?3)")
            .bind(1, std::int64_t{step.version})
            .bind(2, step.name)
            .bind(3, now_ms())
            .run();
    }
    tx.commit();
}

}  // namespace sb::storage::sqlite
