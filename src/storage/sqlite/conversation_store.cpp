#include "storage/sqlite/conversation_store.hpp"

#include <array>
#include <string>

#include "storage/detail/role_list.hpp"
#include "storage/sqlite/migrations.hpp"

namespace sb::storage::sqlite {
namespace {

constexpr std::array<migration, 1> steps{{
    {200, "conversations, members and AI caches", R"sql(
-- A conversation is a history channel (uid = channel name) with members and a custom object.
-- notify_roles: roles joined by '\n' ('' = every member is notified).
CREATE TABLE conversations (
    tenant TEXT NOT NULL,
    uid TEXT NOT NULL,
    custom TEXT NOT NULL DEFAULT '{}',
    notify_roles TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant, uid)
) WITHOUT ROWID;

-- notify is derived (role in notify_roles, or notify_roles empty) and rewritten whenever either
-- changes, so unread() filters members without reading the conversation's JSON.
CREATE TABLE conversation_members (
    tenant TEXT NOT NULL,
    conversation_uid TEXT NOT NULL,
    user_uid TEXT NOT NULL,
    role TEXT NOT NULL,
    notify INTEGER NOT NULL,
    joined_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant, conversation_uid, user_uid)
) WITHOUT ROWID;
-- A user's conversations (unread summaries, digests, listing): one range scan.
CREATE INDEX conversation_members_by_user
    ON conversation_members (tenant, user_uid, conversation_uid, role, notify);

-- One row per conversation with a summary or a regeneration claim.
CREATE TABLE ai_summaries (
    tenant TEXT NOT NULL,
    conversation_uid TEXT NOT NULL,
    summary_json TEXT NOT NULL DEFAULT '',
    last_message_id TEXT NOT NULL DEFAULT '',
    message_count INTEGER NOT NULL DEFAULT 0,
    fingerprint TEXT NOT NULL DEFAULT '',
    generated_at_ms INTEGER NOT NULL DEFAULT 0,
    tokens_used INTEGER NOT NULL DEFAULT 0,
    claimed_at_ms INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, conversation_uid)
) WITHOUT ROWID;

CREATE TABLE ai_digests (
    tenant TEXT NOT NULL,
    user_uid TEXT NOT NULL,
    filter_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    digest_json TEXT NOT NULL,
    generated_at_ms INTEGER NOT NULL,
    tokens_used INTEGER NOT NULL,
    PRIMARY KEY (tenant, user_uid, filter_key)
) WITHOUT ROWID;

CREATE TABLE ai_settings (
    tenant TEXT NOT NULL PRIMARY KEY,
    settings_json TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE ai_profiles (
    tenant TEXT NOT NULL,
    user_uid TEXT NOT NULL,
    preferences_json TEXT NOT NULL DEFAULT '{}',
    registered_at_ms INTEGER NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    tokens_used INTEGER NOT NULL DEFAULT 0,
    last_request_at_ms INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, user_uid)
) WITHOUT ROWID;
)sql"},
}};

using detail::query;

constexpr std::string_view insert_conversation_sql =
    "INSERT INTO conversations (tenant, uid, custom, notify_roles, "
    "created_at_ms, updated_at_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (tenant, uid) DO NOTHING";
constexpr std::string_view upsert_member_sql =
    "INSERT INTO conversation_members (tenant, conversation_uid, user_uid, "
    "role, notify,"
    " joined_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    " ON CONFLICT (tenant, conversation_uid, user_uid) DO UPDATE"
    " SET role = excluded.role, notify = excluded.notify";
constexpr std::string_view select_conversation_sql =
    "SELECT custom, notify_roles, created_at_ms, updated_at_ms FROM "
    "conversations"
    " WHERE tenant = ?1 AND uid = ?2";
constexpr std::string_view select_members_sql =
    "SELECT user_uid, role FROM conversation_members WHERE tenant = ?1 AND "
    "conversation_uid = ?2"
    " ORDER BY user_uid";
constexpr std::string_view select_notify_roles_sql =
    "SELECT notify_roles FROM conversations WHERE tenant = ?1 AND uid = ?2";
constexpr std::string_view update_custom_sql =
    "UPDATE conversations SET custom = ?3, updated_at_ms = ?4 WHERE tenant = "
    "?1 AND uid = ?2";
constexpr std::string_view update_notify_roles_sql =
    "UPDATE conversations SET notify_roles = ?3, updated_at_ms = ?4"
    " WHERE tenant = ?1 AND uid = ?2";
constexpr std::string_view touch_conversation_sql =
    "UPDATE conversations SET updated_at_ms = ?3 WHERE tenant = ?1 AND uid = "
    "?2";
constexpr std::string_view set_notify_sql =
    "UPDATE conversation_members SET notify = ?4"
    " WHERE tenant = ?1 AND conversation_uid = ?2 AND user_uid = ?3";
constexpr std::string_view delete_conversation_sql =
    "DELETE FROM conversations WHERE tenant = ?1 AND uid = ?2";
constexpr std::string_view delete_members_sql =
    "DELETE FROM conversation_members WHERE tenant = ?1 AND conversation_uid = "
    "?2";
constexpr std::string_view delete_summary_sql =
    "DELETE FROM ai_summaries WHERE tenant = ?1 AND conversation_uid = ?2";
constexpr std::string_view delete_member_sql =
    "DELETE FROM conversation_members WHERE tenant = ?1 AND conversation_uid = "
    "?2"
    " AND user_uid = ?3";
constexpr std::string_view member_role_sql =
    "SELECT role FROM conversation_members WHERE tenant = ?1 AND "
    "conversation_uid = ?2"
    " AND user_uid = ?3";
constexpr std::string_view list_for_user_sql =
    "SELECT mb.conversation_uid, mb.role, mb.notify, c.custom, c.notify_roles, "
    "c.created_at_ms,"
    " c.updated_at_ms FROM conversation_members mb"
    " JOIN conversations c ON c.tenant = mb.tenant AND c.uid = "
    "mb.conversation_uid"
    " WHERE mb.tenant = ?1 AND mb.user_uid = ?2 AND mb.conversation_uid > ?3"
    " ORDER BY mb.conversation_uid LIMIT ?4";

// ?1 tenant, ?2 uid, ?3 upto_id.
constexpr std::string_view stats_sql =
    "SELECT count(*), count(DISTINCT nullif(user_id, '')), min(created_at_ms),"
    " max(created_at_ms), max(id), count(*) FILTER (WHERE id <= ?3)"
    " FROM messages WHERE tenant = ?1 AND channel = ?2";

#define SB_SQLITE_SUMMARY_COLUMNS                                 \
    "summary_json, last_message_id, message_count, fingerprint, " \
    "generated_at_ms, tokens_used,"                               \
    " claimed_at_ms"
constexpr std::string_view select_summary_sql =
    "SELECT " SB_SQLITE_SUMMARY_COLUMNS
    " FROM ai_summaries WHERE tenant = ?1 AND conversation_uid = ?2";
// The claim moves only when the previous one is at least ?4 ms old: one winner
// per window.
constexpr std::string_view claim_sql =
    "INSERT INTO ai_summaries (tenant, conversation_uid, claimed_at_ms) VALUES "
    "(?1, ?2, ?3)"
    " ON CONFLICT (tenant, conversation_uid) DO UPDATE SET claimed_at_ms = "
    "excluded.claimed_at_ms"
    " WHERE ai_summaries.claimed_at_ms <= ?3 - ?4";
constexpr std::string_view store_summary_sql =
    "INSERT INTO ai_summaries (tenant, conversation_uid, summary_json, "
    "last_message_id,"
    " message_count, fingerprint, generated_at_ms, tokens_used)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    " ON CONFLICT (tenant, conversation_uid) DO UPDATE SET summary_json = "
    "excluded.summary_json,"
    " last_message_id = excluded.last_message_id, message_count = "
    "excluded.message_count,"
    " fingerprint = excluded.fingerprint, generated_at_ms = "
    "excluded.generated_at_ms,"
    " tokens_used = excluded.tokens_used";

constexpr std::string_view select_digest_sql =
    "SELECT fingerprint, digest_json, generated_at_ms, tokens_used FROM "
    "ai_digests"
    " WHERE tenant = ?1 AND user_uid = ?2 AND filter_key = ?3";
constexpr std::string_view store_digest_sql =
    "INSERT INTO ai_digests (tenant, user_uid, filter_key, fingerprint, "
    "digest_json,"
    " generated_at_ms, tokens_used) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT (tenant, user_uid, filter_key) DO UPDATE SET fingerprint = "
    "excluded.fingerprint,"
    " digest_json = excluded.digest_json, generated_at_ms = "
    "excluded.generated_at_ms,"
    " tokens_used = excluded.tokens_used";

constexpr std::string_view select_settings_sql =
    "SELECT settings_json FROM ai_settings WHERE tenant = ?1";
constexpr std::string_view store_settings_sql =
    "INSERT INTO ai_settings (tenant, settings_json, updated_at_ms) VALUES "
    "(?1, ?2, ?3)"
    " ON CONFLICT (tenant) DO UPDATE SET settings_json = "
    "excluded.settings_json,"
    " updated_at_ms = excluded.updated_at_ms";

constexpr std::string_view register_profile_sql =
    "INSERT INTO ai_profiles (tenant, user_uid, registered_at_ms) VALUES (?1, "
    "?2, ?3)"
    " ON CONFLICT (tenant, user_uid) DO NOTHING";
constexpr std::string_view select_profile_sql =
    "SELECT preferences_json, registered_at_ms, requests, tokens_used, "
    "last_request_at_ms"
    " FROM ai_profiles WHERE tenant = ?1 AND user_uid = ?2";
constexpr std::string_view record_usage_sql =
    "UPDATE ai_profiles SET requests = requests + 1, tokens_used = tokens_used "
    "+ ?3,"
    " last_request_at_ms = ?4 WHERE tenant = ?1 AND user_uid = ?2";

// unread(): ?1 tenant, ?2 user, then (path, value) per filter from ?3. One text
// per (digest columns, number of filters), so the statement cache holds at most
// 2 * 9 of them.
//  - the count is index-only on messages_by_channel_id (tenant, channel, id,
//  user_id), from the
//    watermark on: linear in the unread messages;
//  - the newest message: the last entry of the same index, then its row by seq;
//  - the oldest unread message (digests): the first entry after the watermark.
std::string_view unread_sql(bool digest, std::size_t filters) {
    static const std::array<std::array<std::string, max_custom_filters + 1>, 2> texts = [] {
        std::array<std::array<std::string, max_custom_filters + 1>, 2> out;
        for (int d = 0; d < 2; ++d) {
            for (std::size_t n = 0; n <= max_custom_filters; ++n) {
                std::string sql =
                    "SELECT mb.conversation_uid, mb.role, mb.notify,"
                    " CASE WHEN mb.notify THEN (SELECT count(*) FROM messages m"
                    " WHERE m.tenant = ?1 AND m.channel = mb.conversation_uid"
                    " AND m.id > coalesce(w.message_id, '') AND m.user_id <> ?2) "
                    "ELSE 0 END,"
                    " l.id, l.created_at_ms";
                if (d == 1) {
                    sql +=
                        ", CASE WHEN mb.notify THEN (SELECT m.created_at_ms FROM "
                        "messages m"
                        " WHERE m.tenant = ?1 AND m.channel = mb.conversation_uid"
                        " AND m.id > coalesce(w.message_id, '') AND m.user_id <> ?2"
                        " ORDER BY m.id LIMIT 1) END,"
                        " s.conversation_uid, s.summary_json, s.last_message_id, "
                        "s.message_count,"
                        " s.fingerprint, s.generated_at_ms, s.tokens_used, "
                        "s.claimed_at_ms";
                }
                sql +=
                    " FROM conversation_members mb"
                    " JOIN conversations c ON c.tenant = mb.tenant AND c.uid = "
                    "mb.conversation_uid"
                    " LEFT JOIN read_watermarks w ON w.tenant = mb.tenant"
                    " AND w.channel = mb.conversation_uid AND w.user_id = "
                    "mb.user_uid"
                    " LEFT JOIN messages l ON l.seq = (SELECT m2.seq FROM "
                    "messages m2"
                    " WHERE m2.tenant = ?1 AND m2.channel = mb.conversation_uid"
                    " ORDER BY m2.id DESC LIMIT 1)";
                if (d == 1)
                    sql +=
                        " LEFT JOIN ai_summaries s ON s.tenant = mb.tenant"
                        " AND s.conversation_uid = mb.conversation_uid";
                sql += " WHERE mb.tenant = ?1 AND mb.user_uid = ?2";
                for (std::size_t i = 0; i < n; ++i) {
                    // Appended, not "?" + std::to_string(…): g++ 12 -O3 warns falsely on that (-Wrestrict).
                    std::string p = "?";
                    p += std::to_string(3 + 2 * i);
                    std::string v = "?";
                    v += std::to_string(4 + 2 * i);
                    sql += " AND (CASE json_type(c.custom, " + p +
                           ") WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
                           " WHEN 'null' THEN NULL ELSE CAST(json_extract(c.custom, " +
                           p + ") AS TEXT) END) = " + v;
                }
                out[static_cast<std::size_t>(d)][n] = std::move(sql);
            }
        }
        return out;
    }();
    return texts[digest ? 1 : 0][filters];
}

summary_cache read_summary(const query& q, int first, std::string_view tenant,
                           std::string_view uid) {
    summary_cache s;
    s.tenant = tenant;
    s.conversation_uid = uid;
    s.summary_json = q.text(first);
    s.last_message_id = q.text(first + 1);
    s.message_count = q.uint64(first + 2);
    s.fingerprint = q.text(first + 3);
    s.generated_at_ms = q.uint64(first + 4);
    s.tokens_used = q.uint64(first + 5);
    s.claimed_at_ms = q.uint64(first + 6);
    return s;
}

}  // namespace

std::span<const migration> conversation_migrations() noexcept { return steps; }

bool sqlite_conversation_store::create(const conversation_record& c) {
    detail::write_transaction tx(db_);
    const std::string roles = storage::detail::join_roles(c.notify_roles);
    db_.prepare(insert_conversation_sql)
        .bind(1, c.tenant)
        .bind(2, c.uid)
        .bind(3, c.custom_json)
        .bind(4, roles)
        .bind(5, c.created_at_ms)
        .run();
    if (db_.changes() == 0) return false;
    for (const auto& m : c.members) {
        db_.prepare(upsert_member_sql)
            .bind(1, c.tenant)
            .bind(2, c.uid)
            .bind(3, m.user_uid)
            .bind(4, m.role)
            .bind(5, std::int64_t{storage::detail::is_notified(c.notify_roles, m.role) ? 1 : 0})
            .bind(6, c.created_at_ms)
            .run();
    }
    tx.commit();
    return true;
}

std::optional<conversation_record> sqlite_conversation_store::get(std::string_view tenant,
                                                                  std::string_view uid) {
    conversation_record c;
    {
        auto q = db_.prepare(select_conversation_sql);
        q.bind(1, tenant).bind(2, uid);
        if (!q.step()) return std::nullopt;
        c.tenant = tenant;
        c.uid = uid;
        c.custom_json = q.text(0);
        c.notify_roles = storage::detail::split_roles(q.text(1));
        c.created_at_ms = q.uint64(2);
        c.updated_at_ms = q.uint64(3);
    }
    auto q = db_.prepare(select_members_sql);
    q.bind(1, tenant).bind(2, uid);
    while (q.step()) c.members.push_back({q.text(0), q.text(1)});
    return c;
}

std::optional<std::vector<std::string>> sqlite_conversation_store::notify_roles_of(
    std::string_view tenant, std::string_view uid) {
    auto q = db_.prepare(select_notify_roles_sql);
    q.bind(1, tenant).bind(2, uid);
    if (!q.step()) return std::nullopt;
    return storage::detail::split_roles(q.text(0));
}

bool sqlite_conversation_store::update(std::string_view tenant, std::string_view uid,
                                       const std::optional<std::string>& custom_json,
                                       const std::optional<std::vector<std::string>>& notify_roles,
                                       std::uint64_t now_ms) {
    detail::write_transaction tx(db_);
    if (!notify_roles_of(tenant, uid)) return false;
    if (custom_json) {
        db_.prepare(update_custom_sql)
            .bind(1, tenant)
            .bind(2, uid)
            .bind(3, *custom_json)
            .bind(4, now_ms)
            .run();
    }
    if (notify_roles) {
        const std::string roles = storage::detail::join_roles(*notify_roles);
        db_.prepare(update_notify_roles_sql)
            .bind(1, tenant)
            .bind(2, uid)
            .bind(3, roles)
            .bind(4, now_ms)
            .run();
        std::vector<conversation_member> members;
        {
            auto q = db_.prepare(select_members_sql);
            q.bind(1, tenant).bind(2, uid);
            while (q.step()) members.push_back({q.text(0), q.text(1)});
        }
        for (const auto& m : members) {
            db_.prepare(set_notify_sql)
                .bind(1, tenant)
                .bind(2, uid)
                .bind(3, m.user_uid)
                .bind(4, std::int64_t{storage::detail::is_notified(*notify_roles, m.role) ? 1 : 0})
                .run();
        }
    }
    if (!custom_json && !notify_roles)
        db_.prepare(touch_conversation_sql).bind(1, tenant).bind(2, uid).bind(3, now_ms).run();
    tx.commit();
    return true;
}

bool sqlite_conversation_store::remove(std::string_view tenant, std::string_view uid) {
    detail::write_transaction tx(db_);
    db_.prepare(delete_conversation_sql).bind(1, tenant).bind(2, uid).run();
    const bool removed = db_.changes() > 0;
    db_.prepare(delete_members_sql).bind(1, tenant).bind(2, uid).run();
    db_.prepare(delete_summary_sql).bind(1, tenant).bind(2, uid).run();
    tx.commit();
    return removed;
}

bool sqlite_conversation_store::upsert_members(std::string_view tenant, std::string_view uid,
                                               std::span<const conversation_member> members,
                                               std::uint64_t now_ms) {
    detail::write_transaction tx(db_);
    const auto roles = notify_roles_of(tenant, uid);
    if (!roles) return false;
    for (const auto& m : members) {
        db_.prepare(upsert_member_sql)
            .bind(1, tenant)
            .bind(2, uid)
            .bind(3, m.user_uid)
            .bind(4, m.role)
            .bind(5, std::int64_t{storage::detail::is_notified(*roles, m.role) ? 1 : 0})
            .bind(6, now_ms)
            .run();
    }
    db_.prepare(touch_conversation_sql).bind(1, tenant).bind(2, uid).bind(3, now_ms).run();
    tx.commit();
    return true;
}

bool sqlite_conversation_store::remove_member(std::string_view tenant, std::string_view uid,
                                              std::string_view user_uid) {
    db_.prepare(delete_member_sql).bind(1, tenant).bind(2, uid).bind(3, user_uid).run();
    return db_.changes() > 0;
}

std::optional<std::string> sqlite_conversation_store::member_role(std::string_view tenant,
                                                                  std::string_view uid,
                                                                  std::string_view user_uid) {
    auto q = db_.prepare(member_role_sql);
    q.bind(1, tenant).bind(2, uid).bind(3, user_uid);
    if (!q.step()) return std::nullopt;
    return q.text(0);
}

std::vector<user_conversation> sqlite_conversation_store::list_for_user(std::string_view tenant,
                                                                        std::string_view user_uid,
                                                                        std::string_view after_uid,
                                                                        std::size_t limit) {
    auto q = db_.prepare(list_for_user_sql);
    const auto n = static_cast<std::int64_t>(std::min<std::size_t>(limit, 1'000'000));
    q.bind(1, tenant).bind(2, user_uid).bind(3, after_uid).bind(4, n);
    std::vector<user_conversation> out;
    while (q.step()) {
        user_conversation c;
        c.uid = q.text(0);
        c.role = q.text(1);
        c.notified = q.int64(2) != 0;
        c.custom_json = q.text(3);
        c.notify_roles = storage::detail::split_roles(q.text(4));
        c.created_at_ms = q.uint64(5);
        c.updated_at_ms = q.uint64(6);
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<unread_row> sqlite_conversation_store::unread(const unread_query& query) {
    if (query.filters.size() > max_custom_filters)
        throw storage_error("unread: at most 8 custom filters");
    auto q = db_.prepare(unread_sql(query.with_digest_columns, query.filters.size()));
    q.bind(1, query.tenant).bind(2, query.user_uid);
    // Bound text must outlive the steps: the paths live here.
    std::vector<std::string> paths;
    paths.reserve(query.filters.size());
    for (std::size_t i = 0; i < query.filters.size(); ++i) {
        paths.push_back("$.\"" + query.filters[i].key + "\"");
        q.bind(static_cast<int>(3 + 2 * i), paths.back());
        q.bind(static_cast<int>(4 + 2 * i), query.filters[i].value);
    }
    std::vector<unread_row> out;
    while (q.step()) {
        unread_row r;
        r.conversation_uid = q.text(0);
        r.role = q.text(1);
        r.notified = q.int64(2) != 0;
        r.unread_count = q.uint64(3);
        r.last_message_id = q.text(4);
        r.last_message_at_ms = q.uint64(5);
        if (query.with_digest_columns) {
            r.oldest_unread_at_ms = q.uint64(6);
            if (!q.is_null(7)) r.summary = read_summary(q, 8, query.tenant, r.conversation_uid);
        }
        out.push_back(std::move(r));
    }
    return out;
}

conversation_stats sqlite_conversation_store::stats(std::string_view tenant, std::string_view uid,
                                                    std::string_view upto_id) {
    auto q = db_.prepare(stats_sql);
    q.bind(1, tenant).bind(2, uid).bind(3, upto_id);
    conversation_stats s;
    if (!q.step()) return s;
    s.total_messages = q.uint64(0);
    s.participants = q.uint64(1);
    s.first_message_at_ms = q.uint64(2);
    s.last_message_at_ms = q.uint64(3);
    s.last_message_id = q.text(4);
    s.messages_upto = q.uint64(5);
    return s;
}

std::optional<summary_cache> sqlite_conversation_store::summary(std::string_view tenant,
                                                                std::string_view uid) {
    auto q = db_.prepare(select_summary_sql);
    q.bind(1, tenant).bind(2, uid);
    if (!q.step()) return std::nullopt;
    return read_summary(q, 0, tenant, uid);
}

bool sqlite_conversation_store::claim_regeneration(std::string_view tenant, std::string_view uid,
                                                   std::uint64_t now_ms, std::uint64_t window_ms) {
    db_.prepare(claim_sql).bind(1, tenant).bind(2, uid).bind(3, now_ms).bind(4, window_ms).run();
    return db_.changes() > 0;
}

void sqlite_conversation_store::store_summary(const summary_cache& s) {
    db_.prepare(store_summary_sql)
        .bind(1, s.tenant)
        .bind(2, s.conversation_uid)
        .bind(3, s.summary_json)
        .bind(4, s.last_message_id)
        .bind(5, s.message_count)
        .bind(6, s.fingerprint)
        .bind(7, s.generated_at_ms)
        .bind(8, s.tokens_used)
        .run();
}

std::optional<digest_cache> sqlite_conversation_store::digest(std::string_view tenant,
                                                              std::string_view user_uid,
                                                              std::string_view filter_key) {
    auto q = db_.prepare(select_digest_sql);
    q.bind(1, tenant).bind(2, user_uid).bind(3, filter_key);
    if (!q.step()) return std::nullopt;
    digest_cache d;
    d.tenant = tenant;
    d.user_uid = user_uid;
    d.filter_key = filter_key;
    d.fingerprint = q.text(0);
    d.digest_json = q.text(1);
    d.generated_at_ms = q.uint64(2);
    d.tokens_used = q.uint64(3);
    return d;
}

void sqlite_conversation_store::store_digest(const digest_cache& d) {
    db_.prepare(store_digest_sql)
        .bind(1, d.tenant)
        .bind(2, d.user_uid)
        .bind(3, d.filter_key)
        .bind(4, d.fingerprint)
        .bind(5, d.digest_json)
        .bind(6, d.generated_at_ms)
        .bind(7, d.tokens_used)
        .run();
}

std::string sqlite_conversation_store::ai_settings(std::string_view tenant) {
    auto q = db_.prepare(select_settings_sql);
    q.bind(1, tenant);
    if (!q.step()) return {};
    return q.text(0);
}

void sqlite_conversation_store::store_ai_settings(std::string_view tenant,
                                                  std::string_view settings_json,
                                                  std::uint64_t now_ms) {
    db_.prepare(store_settings_sql).bind(1, tenant).bind(2, settings_json).bind(3, now_ms).run();
}

bool sqlite_conversation_store::register_profile(std::string_view tenant, std::string_view user_uid,
                                                 std::uint64_t now_ms) {
    db_.prepare(register_profile_sql).bind(1, tenant).bind(2, user_uid).bind(3, now_ms).run();
    return db_.changes() > 0;
}

std::optional<ai_profile> sqlite_conversation_store::profile(std::string_view tenant,
                                                             std::string_view user_uid) {
    auto q = db_.prepare(select_profile_sql);
    q.bind(1, tenant).bind(2, user_uid);
    if (!q.step()) return std::nullopt;
    ai_profile p;
    p.tenant = tenant;
    p.user_uid = user_uid;
    p.preferences_json = q.text(0);
    p.registered_at_ms = q.uint64(1);
    p.requests = q.uint64(2);
    p.tokens_used = q.uint64(3);
    p.last_request_at_ms = q.uint64(4);
    return p;
}

void sqlite_conversation_store::record_usage(std::string_view tenant, std::string_view user_uid,
                                             std::uint64_t tokens, std::uint64_t now_ms) {
    db_.prepare(record_usage_sql)
        .bind(1, tenant)
        .bind(2, user_uid)
        .bind(3, tokens)
        .bind(4, now_ms)
        .run();
}

}  // namespace sb::storage::sqlite
