// PostgreSQL schema, one step per version, the same steps as sqlite/migrations.cpp. Append new
// steps at the end (the webhook outbox and conversations come as their own versions); never edit
// one that has shipped. Steps only add, so nodes still on the previous build keep working during
// a rolling upgrade.
//
// Every text column that is compared or sorted is COLLATE "C": ids must order bytewise (a ULID's
// order is its time), whatever locale the database was created with.

#include "storage/postgres/migrations.hpp"

#include <array>
#include <set>
#include <string>
#include <vector>

#include "storage/postgres/detail/pg.hpp"

namespace sb::storage::postgres {
namespace {

constexpr std::array<migration, 4> steps{{
    {1, "messages and channel positions", R"sql(
CREATE TABLE messages (
    tenant text COLLATE "C" NOT NULL,
    channel text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    channel_offset bigint NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    event text NOT NULL,
    data text NOT NULL,
    created_at_ms bigint NOT NULL,
    idempotency_key text COLLATE "C",  -- NULL when none
    PRIMARY KEY (tenant, id)           -- find(); ids are unique per tenant
);
-- page(): a range scan in id order, no sort. INCLUDE user_id makes unread_count() an index-only
-- count.
CREATE INDEX messages_by_channel_id ON messages (tenant, channel, id) INCLUDE (user_id);
-- since_offset(): a range scan in offset order.
CREATE INDEX messages_by_channel_offset ON messages (tenant, channel, channel_offset);
-- prune(): old messages of a tenant without scanning the new ones.
CREATE INDEX messages_by_created_at ON messages (tenant, created_at_ms);
-- append() skips a message whose key exists; find_by_idempotency_key().
CREATE UNIQUE INDEX messages_by_idempotency_key ON messages (tenant, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- One row per channel ever used. last_offset never goes down (prune keeps it), so offsets are
-- never reused; epoch is random and changes only if the row is deleted and made again.
CREATE TABLE channel_positions (
    tenant text COLLATE "C" NOT NULL,
    channel text COLLATE "C" NOT NULL,
    epoch text NOT NULL,
    last_offset bigint NOT NULL,
    PRIMARY KEY (tenant, channel)
);
)sql"},

    {2, "read watermarks", R"sql(
CREATE TABLE read_watermarks (
    tenant text COLLATE "C" NOT NULL,
    channel text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    message_id text COLLATE "C" NOT NULL,  -- the newest message the user has read
    read_at_ms bigint NOT NULL,
    PRIMARY KEY (tenant, channel, user_id)
);
)sql"},

    {3, "full-text search", R"sql(
-- The text a message contributes to search, by the rules of sqlite/detail/search_text.hpp: data
-- that starts like JSON ({, [ or ") and parses yields its string values; anything else is itself.
-- The EXCEPTION block costs a subtransaction, so only data that looks like JSON enters it; and
-- subtransactions are forbidden in parallel mode, hence PARALLEL UNSAFE.
CREATE FUNCTION sb_search_text(data text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL UNSAFE AS $fn$
DECLARE
    doc jsonb;
BEGIN
    IF data !~ '^[[:space:]]*[\[{"]' THEN
        RETURN data;
    END IF;
    BEGIN
        doc := data::jsonb;
    EXCEPTION WHEN others THEN
        RETURN data;
    END;
    RETURN coalesce((SELECT string_agg(v #>> '{}', E'\n')
                     FROM jsonb_path_query(doc, 'strict $.** ? (@.type() == "string")') AS v), '');
END
$fn$;

-- Punctuation becomes blanks before the `simple` parser sees the text, so that it splits words
-- as SQLite's unicode61 does (it would keep alice@example.com or foo-bar whole).
ALTER TABLE messages ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig, regexp_replace(sb_search_text(data), '[[:punct:]]+', ' ', 'g'))
) STORED;
CREATE INDEX messages_search ON messages USING gin (search_vector);
)sql"},
    {4, "delivery watermarks", R"sql(
-- Like read_watermarks, for channels with delivery receipts: the newest message each user's
-- device confirmed it received.
CREATE TABLE delivery_watermarks (
    tenant text COLLATE "C" NOT NULL,
    channel text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    message_id text COLLATE "C" NOT NULL,
    delivered_at_ms bigint NOT NULL,
    PRIMARY KEY (tenant, channel, user_id)
);
)sql"},
}};

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

void migrate(detail::session& session) {
    detail::transaction tx(session);
    // Keyed by schema, so that databases with one schema per test migrate independently.
    // 0x53420001: "SB" and a 1 for "schema migrations".
    session.exec("SELECT pg_advisory_xact_lock(1396834305, hashtext(current_schema()))");
    session.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    std::set<std::int64_t> applied;
    {
        const detail::result r = session.exec("SELECT version FROM schema_migrations");
        for (int row = 0; row < r.rows(); ++row) applied.insert(r.int64(row, 0));
    }
    for (const migration& step : migrations()) {
        if (applied.contains(step.version)) continue;
        try {
            session.exec(std::string(step.sql));
        } catch (const storage_error& e) {
            throw storage_error("migration " + std::to_string(step.version) + " (" +
                                std::string(step.name) + "): " + e.what());
        }
        detail::params p;
        p.add(std::int64_t{step.version}).add(step.name);
        session.run_once("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", p);
    }
    tx.commit();
}

}  // namespace sb::storage::postgres
