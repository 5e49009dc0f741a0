#include "storage/postgres/conversation_store.hpp"

#include <array>
#include <string>

#include "storage/detail/role_list.hpp"
#include "storage/postgres/migrations.hpp"

namespace sb::storage::postgres {
namespace {

using detail::params;
using detail::result;

// The same tables as sqlite/conversation_store.cpp; custom is jsonb here
// (custom[key] filters use ->>), and text that is compared or sorted is COLLATE
// "C" as in the core steps.
constexpr std::array<migration, 1> steps{{
    {200, "conversations, members and AI caches", R"sql(
CREATE TABLE conversations (
    tenant text COLLATE "C" NOT NULL,
    uid text COLLATE "C" NOT NULL,
    custom jsonb NOT NULL DEFAULT '{}',
    notify_roles text NOT NULL DEFAULT '',
    created_at_ms bigint NOT NULL,
    updated_at_ms bigint NOT NULL,
    PRIMARY KEY (tenant, uid)
);

CREATE TABLE conversation_members (
    tenant text COLLATE "C" NOT NULL,
    conversation_uid text COLLATE "C" NOT NULL,
    user_uid text COLLATE "C" NOT NULL,
    role text NOT NULL,
    notify boolean NOT NULL,
    joined_at_ms bigint NOT NULL,
    PRIMARY KEY (tenant, conversation_uid, user_uid)
);
CREATE INDEX conversation_members_by_user
    ON conversation_members (tenant, user_uid, conversation_uid) INCLUDE (role, notify);

CREATE TABLE ai_summaries (
    tenant text COLLATE "C" NOT NULL,
    conversation_uid text COLLATE "C" NOT NULL,
    summary_json text NOT NULL DEFAULT '',
    last_message_id text COLLATE "C" NOT NULL DEFAULT '',
    message_count bigint NOT NULL DEFAULT 0,
    fingerprint text NOT NULL DEFAULT '',
    generated_at_ms bigint NOT NULL DEFAULT 0,
    tokens_used bigint NOT NULL DEFAULT 0,
    claimed_at_ms bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, conversation_uid)
);

CREATE TABLE ai_digests (
    tenant text COLLATE "C" NOT NULL,
    user_uid text COLLATE "C" NOT NULL,
    filter_key text COLLATE "C" NOT NULL,
    fingerprint text NOT NULL,
    digest_json text NOT NULL,
    generated_at_ms bigint NOT NULL,
    tokens_used bigint NOT NULL,
    PRIMARY KEY (tenant, user_uid, filter_key)
);

CREATE TABLE ai_settings (
    tenant text COLLATE "C" PRIMARY KEY,
    settings_json text NOT NULL,
    updated_at_ms bigint NOT NULL
);

CREATE TABLE ai_profiles (
    tenant text COLLATE "C" NOT NULL,
    user_uid text COLLATE "C" NOT NULL,
    preferences_json text NOT NULL DEFAULT '{}',
    registered_at_ms bigint NOT NULL,
    requests bigint NOT NULL DEFAULT 0,
    tokens_used bigint NOT NULL DEFAULT 0,
    last_request_at_ms bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, user_uid)
);
)sql"},
}};

constexpr std::string_view insert_conversation_sql =
    "INSERT INTO conversations (tenant, uid, custom, notify_roles, "
    "created_at_ms, updated_at_ms)"
    " VALUES ($1, $2, $3::jsonb, $4, $5::bigint, $5::bigint) ON CONFLICT "
    "(tenant, uid) DO NOTHING";
constexpr std::string_view upsert_member_sql =
    "INSERT INTO conversation_members (tenant, conversation_uid, user_uid, "
    "role, notify,"
    " joined_at_ms) VALUES ($1, $2, $3, $4, $5::boolean, $6::bigint)"
    " ON CONFLICT (tenant, conversation_uid, user_uid) DO UPDATE"
    " SET role = excluded.role, notify = excluded.notify";
constexpr std::string_view select_conversation_sql =
    "SELECT custom::text, notify_roles, created_at_ms, updated_at_ms FROM "
    "conversations"
    " WHERE tenant = $1 AND uid = $2";
constexpr std::string_view select_members_sql =
    "SELECT user_uid, role FROM conversation_members WHERE tenant = $1 AND "
    "conversation_uid = $2"
    " ORDER BY user_uid";
constexpr std::string_view select_notify_roles_sql =
    "SELECT notify_roles FROM conversations WHERE tenant = $1 AND uid = $2";
// Locks the conversation row so that concurrent role and notify_roles changes
// serialize.
constexpr std::string_view lock_notify_roles_sql =
    "SELECT notify_roles FROM conversations WHERE tenant = $1 AND uid = $2 FOR "
    "UPDATE";
constexpr std::string_view update_custom_sql =
    "UPDATE conversations SET custom = $3::jsonb, updated_at_ms = $4::bigint"
    " WHERE tenant = $1 AND uid = $2";
constexpr std::string_view update_notify_roles_sql =
    "UPDATE conversations SET notify_roles = $3, updated_at_ms = $4::bigint"
    " WHERE tenant = $1 AND uid = $2";
constexpr std::string_view touch_conversation_sql =
    "UPDATE conversations SET updated_at_ms = $3::bigint WHERE tenant = $1 AND "
    "uid = $2";
constexpr std::string_view set_notify_sql =
    "UPDATE conversation_members SET notify = $4::boolean"
    " WHERE tenant = $1 AND conversation_uid = $2 AND user_uid = $3";
constexpr std::string_view delete_conversation_sql =
    "DELETE FROM conversations WHERE tenant = $1 AND uid = $2";
constexpr std::string_view delete_members_sql =
    "DELETE FROM conversation_members WHERE tenant = $1 AND conversation_uid = "
    "$2";
constexpr std::string_view delete_summary_sql =
    "DELETE FROM ai_summaries WHERE tenant = $1 AND conversation_uid = $2";
constexpr std::string_view delete_member_sql =
    "DELETE FROM conversation_members WHERE tenant = $1 AND conversation_uid = "
    "$2"
    " AND user_uid = $3";
constexpr std::string_view member_role_sql =
    "SELECT role FROM conversation_members WHERE tenant = $1 AND "
    "conversation_uid = $2"
    " AND user_uid = $3";
constexpr std::string_view list_for_user_sql =
    "SELECT mb.conversation_uid, mb.role, mb.notify, c.custom::text, "
    "c.notify_roles,"
    " c.created_at_ms, c.updated_at_ms FROM conversation_members mb"
    " JOIN conversations c ON c.tenant = mb.tenant AND c.uid = "
    "mb.conversation_uid"
    " WHERE mb.tenant = $1 AND mb.user_uid = $2 AND mb.conversation_uid > $3"
    " ORDER BY mb.conversation_uid LIMIT $4::bigint";

constexpr std::string_view stats_sql =
    "SELECT count(*), count(DISTINCT nullif(user_id, '')), "
    "coalesce(min(created_at_ms), 0),"
    " coalesce(max(created_at_ms), 0), coalesce(max(id), ''), count(*) FILTER "
    "(WHERE id <= $3)"
    " FROM messages WHERE tenant = $1 AND channel = $2";

#define SB_PG_SUMMARY_COLUMNS                                     \
    "summary_json, last_message_id, message_count, fingerprint, " \
    "generated_at_ms, tokens_used,"                               \
    " claimed_at_ms"
constexpr std::string_view select_summary_sql =
    "SELECT " SB_PG_SUMMARY_COLUMNS
    " FROM ai_summaries WHERE tenant = $1 AND conversation_uid = $2";
constexpr std::string_view claim_sql =
    "INSERT INTO ai_summaries AS s (tenant, conversation_uid, claimed_at_ms)"
    " VALUES ($1, $2, $3::bigint)"
    " ON CONFLICT (tenant, conversation_uid) DO UPDATE SET claimed_at_ms = "
    "excluded.claimed_at_ms"
    " WHERE s.claimed_at_ms <= $3::bigint - $4::bigint";
constexpr std::string_view store_summary_sql =
    "INSERT INTO ai_summaries (tenant, conversation_uid, summary_json, "
    "last_message_id,"
    " message_count, fingerprint, generated_at_ms, tokens_used)"
    " VALUES ($1, $2, $3, $4, $5::bigint, $6, $7::bigint, $8::bigint)"
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
    " WHERE tenant = $1 AND user_uid = $2 AND filter_key = $3";
constexpr std::string_view store_digest_sql =
    "INSERT INTO ai_digests (tenant, user_uid, filter_key, fingerprint, "
    "digest_json,"
    " generated_at_ms, tokens_used) VALUES ($1, $2, $3, $4, $5, $6::bigint, "
    "$7::bigint)"
    " ON CONFLICT (tenant, user_uid, filter_key) DO UPDATE SET fingerprint = "
    "excluded.fingerprint,"
    " digest_json = excluded.digest_json, generated_at_ms = "
    "excluded.generated_at_ms,"
    " tokens_used = excluded.tokens_used";

constexpr std::string_view select_settings_sql =
    "SELECT settings_json FROM ai_settings WHERE tenant = $1";
constexpr std::string_view store_settings_sql =
    "INSERT INTO ai_settings (tenant, settings_json, updated_at_ms) VALUES "
    "($1, $2, $3::bigint)"
    " ON CONFLICT (tenant) DO UPDATE SET settings_json = "
    "excluded.settings_json,"
    " updated_at_ms = excluded.updated_at_ms";

constexpr std::string_view register_profile_sql =
    "INSERT INTO ai_profiles (tenant, user_uid, registered_at_ms) VALUES ($1, "
    "$2, $3::bigint)"
    " ON CONFLICT (tenant, user_uid) DO NOTHING";
constexpr std::string_view select_profile_sql =
    "SELECT preferences_json, registered_at_ms, requests, tokens_used, "
    "last_request_at_ms"
    " FROM ai_profiles WHERE tenant = $1 AND user_uid = $2";
constexpr std::string_view record_usage_sql =
    "UPDATE ai_profiles SET requests = requests + 1, tokens_used = tokens_used "
    "+ $3::bigint,"
    " last_request_at_ms = $4::bigint WHERE tenant = $1 AND user_uid = $2";

// unread(): $1 tenant, $2 user, then (key, value) per filter from $3. One text
// per (digest columns, number of filters). Per conversation: the watermark
// (primary key), an index-only count from it on messages_by_channel_id, and the
// newest message by the same index.
std::string_view unread_sql(bool digest, std::size_t filters) {
    static const std::array<std::array<std::string, max_custom_filters + 1>, 2> texts = [] {
        std::array<std::array<std::string, max_custom_filters + 1>, 2> out;
        for (int d = 0; d < 2; ++d) {
            for (std::size_t n = 0; n <= max_custom_filters; ++n) {
                std::string sql =
                    "SELECT mb.conversation_uid, mb.role, mb.notify,"
                    " CASE WHEN mb.notify THEN (SELECT count(*) FROM messages m"
                    " WHERE m.tenant = $1 AND m.channel = mb.conversation_uid"
                    " AND m.id > coalesce(w.message_id, '') AND m.user_id <> $2) "
                    "ELSE 0 END,"
                    " coalesce(l.id, ''), coalesce(l.created_at_ms, 0)";
                if (d == 1) {
                    sql +=
                        ", coalesce(CASE WHEN mb.notify THEN (SELECT m.created_at_ms "
                        "FROM messages m"
                        " WHERE m.tenant = $1 AND m.channel = mb.conversation_uid"
                        " AND m.id > coalesce(w.message_id, '') AND m.user_id <> $2"
                        " ORDER BY m.id LIMIT 1) END, 0),"
                        " s.conversation_uid IS NOT NULL, coalesce(s.summary_json, "
                        "''),"
                        " coalesce(s.last_message_id, ''), coalesce(s.message_count, "
                        "0),"
                        " coalesce(s.fingerprint, ''), coalesce(s.generated_at_ms, "
                        "0),"
                        " coalesce(s.tokens_used, 0), coalesce(s.claimed_at_ms, 0)";
                }
                sql +=
                    " FROM conversation_members mb"
                    " JOIN conversations c ON c.tenant = mb.tenant AND c.uid = "
                    "mb.conversation_uid"
                    " LEFT JOIN read_watermarks w ON w.tenant = mb.tenant"
                    " AND w.channel = mb.conversation_uid AND w.user_id = "
                    "mb.user_uid"
                    " LEFT JOIN LATERAL (SELECT m2.id, m2.created_at_ms FROM "
                    "messages m2"
                    " WHERE m2.tenant = $1 AND m2.channel = mb.conversation_uid"
                    " ORDER BY m2.id DESC LIMIT 1) l ON true";
                if (d == 1)
                    sql +=
                        " LEFT JOIN ai_summaries s ON s.tenant = mb.tenant"
                        " AND s.conversation_uid = mb.conversation_uid";
                sql += " WHERE mb.tenant = $1 AND mb.user_uid = $2";
                for (std::size_t i = 0; i < n; ++i) {
                    sql += " AND (c.custom ->> $" + std::to_string(3 + 2 * i) + "::text) = $" +
                           std::to_string(4 + 2 * i) + "::text";
                }
                out[static_cast<std::size_t>(d)][n] = std::move(sql);
            }
        }
        return out;
    }();
    return texts[digest ? 1 : 0][filters];
}

summary_cache read_summary(const result& r, int row, int first, std::string_view tenant,
                           std::string_view uid) {
    summary_cache s;
    s.tenant = tenant;
    s.conversation_uid = uid;
    s.summary_json = r.text(row, first);
    s.last_message_id = r.text(row, first + 1);
    s.message_count = r.uint64(row, first + 2);
    s.fingerprint = r.text(row, first + 3);
    s.generated_at_ms = r.uint64(row, first + 4);
    s.tokens_used = r.uint64(row, first + 5);
    s.claimed_at_ms = r.uint64(row, first + 6);
    return s;
}

bool is_true(const result& r, int row, int column) { return r.text(row, column) == "t"; }

}  // namespace

std::span<const migration> conversation_migrations() noexcept { return steps; }

bool postgres_conversation_store::create(const conversation_record& c) {
    detail::transaction tx(session_);
    params p;
    p.add(c.tenant)
        .add(c.uid)
        .add(c.custom_json)
        .add(storage::detail::join_roles(c.notify_roles))
        .add(c.created_at_ms);
    if (session_.run(insert_conversation_sql, p).affected() == 0) return false;
    for (const auto& m : c.members) {
        params mp;
        mp.add(c.tenant)
            .add(c.uid)
            .add(m.user_uid)
            .add(m.role)
            .add(std::string_view(storage::detail::is_notified(c.notify_roles, m.role) ? "true"
                                                                                       : "false"))
            .add(c.created_at_ms);
        session_.run(upsert_member_sql, mp);
    }
    tx.commit();
    return true;
}

std::optional<conversation_record> postgres_conversation_store::get(std::string_view tenant,
                                                                    std::string_view uid) {
    params p;
    p.add(tenant).add(uid);
    const result r = session_.run(select_conversation_sql, p);
    if (r.rows() == 0) return std::nullopt;
    conversation_record c;
    c.tenant = tenant;
    c.uid = uid;
    c.custom_json = r.text(0, 0);
    c.notify_roles = storage::detail::split_roles(r.text(0, 1));
    c.created_at_ms = r.uint64(0, 2);
    c.updated_at_ms = r.uint64(0, 3);
    params mp;
    mp.add(tenant).add(uid);
    const result m = session_.run(select_members_sql, mp);
    for (int row = 0; row < m.rows(); ++row) c.members.push_back({m.text(row, 0), m.text(row, 1)});
    return c;
}

std::optional<std::vector<std::string>> postgres_conversation_store::notify_roles_of(
    std::string_view tenant, std::string_view uid, bool lock) {
    params p;
    p.add(tenant).add(uid);
    const result r = session_.run(lock ? lock_notify_roles_sql : select_notify_roles_sql, p);
    if (r.rows() == 0) return std::nullopt;
    return storage::detail::split_roles(r.text(0, 0));
}

bool postgres_conversation_store::update(
    std::string_view tenant, std::string_view uid, const std::optional<std::string>& custom_json,
    const std::optional<std::vector<std::string>>& notify_roles, std::uint64_t now_ms) {
    detail::transaction tx(session_);
    if (!notify_roles_of(tenant, uid, true)) return false;
    if (custom_json) {
        params p;
        p.add(tenant).add(uid).add(*custom_json).add(now_ms);
        session_.run(update_custom_sql, p);
    }
    if (notify_roles) {
        params p;
        p.add(tenant).add(uid).add(storage::detail::join_roles(*notify_roles)).add(now_ms);
        session_.run(update_notify_roles_sql, p);
        params mp;
        mp.add(tenant).add(uid);
        const result members = session_.run(select_members_sql, mp);
        for (int row = 0; row < members.rows(); ++row) {
            params np;
            np.add(tenant).add(uid).add(members.text(row, 0));
            np.add(std::string_view(
                storage::detail::is_notified(*notify_roles, members.text(row, 1)) ? "true"
                                                                                  : "false"));
            session_.run(set_notify_sql, np);
        }
    }
    if (!custom_json && !notify_roles) {
        params p;
        p.add(tenant).add(uid).add(now_ms);
        session_.run(touch_conversation_sql, p);
    }
    tx.commit();
    return true;
}

bool postgres_conversation_store::remove(std::string_view tenant, std::string_view uid) {
    detail::transaction tx(session_);
    params p;
    p.add(tenant).add(uid);
    const bool removed = session_.run(delete_conversation_sql, p).affected() > 0;
    session_.run(delete_members_sql, p);
    session_.run(delete_summary_sql, p);
    tx.commit();
    return removed;
}

bool postgres_conversation_store::upsert_members(std::string_view tenant, std::string_view uid,
                                                 std::span<const conversation_member> members,
                                                 std::uint64_t now_ms) {
    detail::transaction tx(session_);
    const auto roles = notify_roles_of(tenant, uid, true);
    if (!roles) return false;
    for (const auto& m : members) {
        params p;
        p.add(tenant)
            .add(uid)
            .add(m.user_uid)
            .add(m.role)
            .add(std::string_view(storage::detail::is_notified(*roles, m.role) ? "true" : "false"))
            .add(now_ms);
        session_.run(upsert_member_sql, p);
    }
    params t;
    t.add(tenant).add(uid).add(now_ms);
    session_.run(touch_conversation_sql, t);
    tx.commit();
    return true;
}

bool postgres_conversation_store::remove_member(std::string_view tenant, std::string_view uid,
                                                std::string_view user_uid) {
    params p;
    p.add(tenant).add(uid).add(user_uid);
    return session_.run(delete_member_sql, p).affected() > 0;
}

std::optional<std::string> postgres_conversation_store::member_role(std::string_view tenant,
                                                                    std::string_view uid,
                                                                    std::string_view user_uid) {
    params p;
    p.add(tenant).add(uid).add(user_uid);
    const result r = session_.run(member_role_sql, p);
    if (r.rows() == 0) return std::nullopt;
    return r.text(0, 0);
}

std::vector<user_conversation> postgres_conversation_store::list_for_user(
    std::string_view tenant, std::string_view user_uid, std::string_view after_uid,
    std::size_t limit) {
    params p;
    p.add(tenant).add(user_uid).add(after_uid).add(
        std::uint64_t{std::min<std::size_t>(limit, 1'000'000)});
    const result r = session_.run(list_for_user_sql, p);
    std::vector<user_conversation> out;
    for (int row = 0; row < r.rows(); ++row) {
        user_conversation c;
        c.uid = r.text(row, 0);
        c.role = r.text(row, 1);
        c.notified = is_true(r, row, 2);
        c.custom_json = r.text(row, 3);
        c.notify_roles = storage::detail::split_roles(r.text(row, 4));
        c.created_at_ms = r.uint64(row, 5);
        c.updated_at_ms = r.uint64(row, 6);
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<unread_row> postgres_conversation_store::unread(const unread_query& query) {
    if (query.filters.size() > max_custom_filters)
        throw storage_error("unread: at most 8 custom filters");
    params p;
    p.add(query.tenant).add(query.user_uid);
    for (const auto& f : query.filters) p.add(f.key).add(f.value);
    const result r = session_.run(unread_sql(query.with_digest_columns, query.filters.size()), p);
    std::vector<unread_row> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row) {
        unread_row u;
        u.conversation_uid = r.text(row, 0);
        u.role = r.text(row, 1);
        u.notified = is_true(r, row, 2);
        u.unread_count = r.uint64(row, 3);
        u.last_message_id = r.text(row, 4);
        u.last_message_at_ms = r.uint64(row, 5);
        if (query.with_digest_columns) {
            u.oldest_unread_at_ms = r.uint64(row, 6);
            if (is_true(r, row, 7))
                u.summary = read_summary(r, row, 8, query.tenant, u.conversation_uid);
        }
        out.push_back(std::move(u));
    }
    return out;
}

conversation_stats postgres_conversation_store::stats(std::string_view tenant, std::string_view uid,
                                                      std::string_view upto_id) {
    params p;
    p.add(tenant).add(uid).add(upto_id);
    const result r = session_.run(stats_sql, p);
    conversation_stats s;
    if (r.rows() == 0) return s;
    s.total_messages = r.uint64(0, 0);
    s.participants = r.uint64(0, 1);
    s.first_message_at_ms = r.uint64(0, 2);
    s.last_message_at_ms = r.uint64(0, 3);
    s.last_message_id = r.text(0, 4);
    s.messages_upto = r.uint64(0, 5);
    return s;
}

std::optional<summary_cache> postgres_conversation_store::summary(std::string_view tenant,
                                                                  std::string_view uid) {
    params p;
    p.add(tenant).add(uid);
    const result r = session_.run(select_summary_sql, p);
    if (r.rows() == 0) return std::nullopt;
    return read_summary(r, 0, 0, tenant, uid);
}

bool postgres_conversation_store::claim_regeneration(std::string_view tenant, std::string_view uid,
                                                     std::uint64_t now_ms,
                                                     std::uint64_t window_ms) {
    params p;
    p.add(tenant).add(uid).add(now_ms).add(window_ms);
    return session_.run(claim_sql, p).affected() > 0;
}

void postgres_conversation_store::store_summary(const summary_cache& s) {
    params p;
    p.add(s.tenant)
        .add(s.conversation_uid)
        .add(s.summary_json)
        .add(s.last_message_id)
        .add(s.message_count)
        .add(s.fingerprint)
        .add(s.generated_at_ms)
        .add(s.tokens_used);
    session_.run(store_summary_sql, p);
}

std::optional<digest_cache> postgres_conversation_store::digest(std::string_view tenant,
                                                                std::string_view user_uid,
                                                                std::string_view filter_key) {
    params p;
    p.add(tenant).add(user_uid).add(filter_key);
    const result r = session_.run(select_digest_sql, p);
    if (r.rows() == 0) return std::nullopt;
    digest_cache d;
    d.tenant = tenant;
    d.user_uid = user_uid;
    d.filter_key = filter_key;
    d.fingerprint = r.text(0, 0);
    d.digest_json = r.text(0, 1);
    d.generated_at_ms = r.uint64(0, 2);
    d.tokens_used = r.uint64(0, 3);
    return d;
}

void postgres_conversation_store::store_digest(const digest_cache& d) {
    params p;
    p.add(d.tenant)
        .add(d.user_uid)
        .add(d.filter_key)
        .add(d.fingerprint)
        .add(d.digest_json)
        .add(d.generated_at_ms)
        .add(d.tokens_used);
    session_.run(store_digest_sql, p);
}

std::string postgres_conversation_store::ai_settings(std::string_view tenant) {
    params p;
    p.add(tenant);
    const result r = session_.run(select_settings_sql, p);
    if (r.rows() == 0) return {};
    return r.text(0, 0);
}

void postgres_conversation_store::store_ai_settings(std::string_view tenant,
                                                    std::string_view settings_json,
                                                    std::uint64_t now_ms) {
    params p;
    p.add(tenant).add(settings_json).add(now_ms);
    session_.run(store_settings_sql, p);
}

bool postgres_conversation_store::register_profile(std::string_view tenant,
                                                   std::string_view user_uid,
                                                   std::uint64_t now_ms) {
    params p;
    p.add(tenant).add(user_uid).add(now_ms);
    return session_.run(register_profile_sql, p).affected() > 0;
}

std::optional<ai_profile> postgres_conversation_store::profile(std::string_view tenant,
                                                               std::string_view user_uid) {
    params p;
    p.add(tenant).add(user_uid);
    const result r = session_.run(select_profile_sql, p);
    if (r.rows() == 0) return std::nullopt;
    ai_profile out;
    out.tenant = tenant;
    out.user_uid = user_uid;
    out.preferences_json = r.text(0, 0);
    out.registered_at_ms = r.uint64(0, 1);
    out.requests = r.uint64(0, 2);
    out.tokens_used = r.uint64(0, 3);
    out.last_request_at_ms = r.uint64(0, 4);
    return out;
}

void postgres_conversation_store::record_usage(std::string_view tenant, std::string_view user_uid,
                                               std::uint64_t tokens, std::uint64_t now_ms) {
    params p;
    p.add(tenant).add(user_uid).add(tokens).add(now_ms);
    session_.run(record_usage_sql, p);
}

}  // namespace sb::storage::postgres
