// The webhook outbox on PostgreSQL: the same tables, states and rules as sqlite/webhook_store.cpp
// (storage/webhook_store.hpp has the contract). Text columns compared or sorted are COLLATE "C".

#include "storage/postgres/webhook_store.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "storage/postgres/migrations.hpp"

namespace sb::storage::postgres {

namespace {

constexpr std::array<migration, 1> steps{{
    {100, "webhooks, outbox and delivery log", R"sql(
CREATE TABLE webhooks (
    id text COLLATE "C" PRIMARY KEY,
    tenant text COLLATE "C" NOT NULL,
    url text NOT NULL,
    events text NOT NULL,               -- event type names, space-separated
    channels text NOT NULL,             -- channel patterns, space-separated ('' = every channel)
    secret text NOT NULL,
    format text NOT NULL,               -- native | pusher
    active boolean NOT NULL,
    source text NOT NULL,               -- api | config
    disabled_reason text NOT NULL,
    disabled_at_ms bigint NOT NULL,
    created_at_ms bigint NOT NULL,
    updated_at_ms bigint NOT NULL,
    consecutive_failures bigint NOT NULL,
    failing_since_ms bigint NOT NULL
);
CREATE INDEX webhooks_by_tenant ON webhooks (tenant, created_at_ms);

-- The outbox and the delivery log in one table: a row per (event, webhook), seq in enqueue order.
CREATE TABLE webhook_deliveries (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    webhook_id text COLLATE "C" NOT NULL,
    tenant text COLLATE "C" NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    event_type text NOT NULL,
    channel text COLLATE "C" NOT NULL,
    body text NOT NULL,
    event_created_at_ms bigint NOT NULL,
    status text NOT NULL,               -- queued | pending | in_flight | succeeded | failed | skipped
    attempts bigint NOT NULL,
    next_attempt_at_ms bigint NOT NULL,
    lease_owner text NOT NULL,
    lease_until_ms bigint NOT NULL,
    last_status_code bigint NOT NULL,
    last_error text NOT NULL,
    last_latency_ms bigint NOT NULL,
    created_at_ms bigint NOT NULL,
    updated_at_ms bigint NOT NULL,
    completed_at_ms bigint NOT NULL,
    redelivery_of text NOT NULL
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, seq);
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (webhook_id, channel, seq)
    WHERE status IN ('queued', 'pending', 'in_flight');
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at_ms, seq)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_in_flight ON webhook_deliveries (lease_until_ms)
    WHERE status = 'in_flight';
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (completed_at_ms)
    WHERE status IN ('succeeded', 'failed', 'skipped');

CREATE TABLE webhook_attempts (
    delivery_id text COLLATE "C" NOT NULL,
    number bigint NOT NULL,
    started_at_ms bigint NOT NULL,
    status_code bigint NOT NULL,
    error text NOT NULL,
    latency_ms bigint NOT NULL,
    response_body text NOT NULL,
    PRIMARY KEY (delivery_id, number)
);
)sql"},
}};

using detail::params;
using detail::result;

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) {
        if (!out.empty()) out += ' ';
        out += s;
    }
    return out;
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto space = text.find(' ', start);
        const auto end = space == std::string::npos ? text.size() : space;
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// A PostgreSQL array literal, built element by element.
class array_literal {
public:
    void add(std::string_view text) {
        if (text_.size() > 1) text_ += ',';
        detail::append_array_element(text_, text);
    }
    void add(std::uint64_t value) {
        if (text_.size() > 1) text_ += ',';
        text_ += std::to_string(std::min<std::uint64_t>(value, INT64_MAX));
    }
    std::string take() && {
        text_ += '}';
        return std::move(text_);
    }

private:
    std::string text_ = "{";
};

#define SB_PG_WEBHOOK_COLUMNS                                                              \
    "id, tenant, url, events, channels, secret, format, active, source, disabled_reason, " \
    "disabled_at_ms, created_at_ms, updated_at_ms, consecutive_failures, failing_since_ms"

webhook_record read_webhook(const result& r, int row) {
    webhook_record w;
    w.id = r.text(row, 0);
    w.tenant = r.text(row, 1);
    w.url = r.text(row, 2);
    w.events = split(r.text(row, 3));
    w.channels = split(r.text(row, 4));
    w.secret = r.text(row, 5);
    w.format = r.text(row, 6);
    w.active = r.text(row, 7) == "t";
    w.source = r.text(row, 8);
    w.disabled_reason = r.text(row, 9);
    w.disabled_at_ms = r.uint64(row, 10);
    w.created_at_ms = r.uint64(row, 11);
    w.updated_at_ms = r.uint64(row, 12);
    w.consecutive_failures = static_cast<std::uint32_t>(r.uint64(row, 13));
    w.failing_since_ms = r.uint64(row, 14);
    return w;
}

#define SB_PG_DELIVERY_COLUMNS                                                                \
    "seq, id, webhook_id, tenant, event_id, event_type, channel, body, event_created_at_ms, " \
    "status, attempts, next_attempt_at_ms, last_status_code, last_error, last_latency_ms, "   \
    "created_at_ms, updated_at_ms, completed_at_ms, redelivery_of"

delivery_record read_delivery(const result& r, int row) {
    delivery_record d;
    d.seq = r.int64(row, 0);
    d.id = r.text(row, 1);
    d.webhook_id = r.text(row, 2);
    d.tenant = r.text(row, 3);
    d.event_id = r.text(row, 4);
    d.event_type = r.text(row, 5);
    d.channel = r.text(row, 6);
    d.body = r.text(row, 7);
    d.event_created_at_ms = r.uint64(row, 8);
    d.status = parse_delivery_status(r.text(row, 9)).value_or(delivery_status::pending);
    d.attempts = static_cast<std::uint32_t>(r.uint64(row, 10));
    d.next_attempt_at_ms = r.uint64(row, 11);
    d.last_status_code = static_cast<int>(r.int64(row, 12));
    d.last_error = r.text(row, 13);
    d.last_latency_ms = r.uint64(row, 14);
    d.created_at_ms = r.uint64(row, 15);
    d.updated_at_ms = r.uint64(row, 16);
    d.completed_at_ms = r.uint64(row, 17);
    d.redelivery_of = r.text(row, 18);
    return d;
}

std::vector<delivery_record> read_deliveries(const result& r) {
    std::vector<delivery_record> out;
    for (int row = 0; row < r.rows(); ++row) out.push_back(read_delivery(r, row));
    return out;
}

std::vector<webhook_record> read_webhooks(const result& r) {
    std::vector<webhook_record> out;
    for (int row = 0; row < r.rows(); ++row) out.push_back(read_webhook(r, row));
    return out;
}

// One statement for a whole batch. A row is queued when an earlier row of the batch, or an open
// delivery already stored, has its webhook and channel; rows of deleted webhooks are dropped.
constexpr std::string_view enqueue_sql =
    "WITH input AS ("
    " SELECT t.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
    " $6::text[], $7::text[], $8::bigint[], $9::text[])"
    " WITH ORDINALITY AS t(id, webhook_id, tenant, event_id, event_type, channel, body,"
    " event_created_at_ms, requested, ord)"
    " WHERE EXISTS (SELECT 1 FROM webhooks w WHERE w.id = t.webhook_id)),"
    " ranked AS ("
    " SELECT input.*, row_number() OVER (PARTITION BY webhook_id, channel, requested = 'skipped'"
    " ORDER BY ord) AS rn FROM input),"
    " decided AS ("
    " SELECT ranked.*, CASE WHEN requested = 'skipped' THEN 'skipped'"
    " WHEN rn > 1 OR EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = "
    "ranked.webhook_id"
    " AND d.channel = ranked.channel AND d.status IN ('queued', 'pending', 'in_flight'))"
    " THEN 'queued' ELSE 'pending' END AS status FROM ranked)"
    " INSERT INTO webhook_deliveries (id, webhook_id, tenant, event_id, event_type, channel, body,"
    " event_created_at_ms, status, attempts, next_attempt_at_ms, lease_owner, lease_until_ms,"
    " last_status_code, last_error, last_latency_ms, created_at_ms, updated_at_ms,"
    " completed_at_ms, redelivery_of)"
    " SELECT id, webhook_id, tenant, event_id, event_type, channel, body, event_created_at_ms,"
    " status, 0, CASE WHEN status = 'pending' THEN event_created_at_ms ELSE 0 END, '', 0, 0, '', 0,"
    " $10::bigint, $10::bigint, CASE WHEN status = 'skipped' THEN $10::bigint ELSE 0 END, ''"
    " FROM decided ORDER BY ord";

constexpr std::string_view insert_attempt_sql =
    "INSERT INTO webhook_attempts (delivery_id, number, started_at_ms, status_code, error,"
    " latency_ms, response_body) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (delivery_id, number) DO UPDATE SET started_at_ms = excluded.started_at_ms,"
    " status_code = excluded.status_code, error = excluded.error,"
    " latency_ms = excluded.latency_ms, response_body = excluded.response_body";

void insert_attempt(detail::session& s, const std::string& delivery_id, const attempt_record& a) {
    params p;
    p.add(delivery_id)
        .add(std::int64_t{a.number})
        .add(a.started_at_ms)
        .add(std::int64_t{a.status_code})
        .add(a.error)
        .add(a.latency_ms)
        .add(a.response_body);
    s.run(insert_attempt_sql, p);
}

}  // namespace

std::span<const migration> webhook_migrations() noexcept { return steps; }

void postgres_webhook_store::lock_webhooks(std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (const auto& id : ids) {
        params p;
        p.add(id);
        // 0x53420064: "SB" and 100, the webhook migrations' range.
        session_.run("SELECT pg_advisory_xact_lock(1396834404, hashtext($1))", p);
    }
}

// --- webhooks ----------------------------------------------------------------------------------

bool postgres_webhook_store::insert_webhook(const webhook_record& w) {
    params p;
    p.add(w.id)
        .add(w.tenant)
        .add(w.url)
        .add(join(w.events))
        .add(join(w.channels))
        .add(w.secret)
        .add(w.format)
        .add(std::string_view(w.active ? "true" : "false"))
        .add(w.source)
        .add(w.disabled_reason)
        .add(w.disabled_at_ms)
        .add(w.created_at_ms)
        .add(w.updated_at_ms)
        .add(std::int64_t{w.consecutive_failures})
        .add(w.failing_since_ms);
    return session_
               .run("INSERT INTO webhooks (" SB_PG_WEBHOOK_COLUMNS
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
                    " ON CONFLICT (id) DO NOTHING",
                    p)
               .affected() > 0;
}

bool postgres_webhook_store::update_webhook(const webhook_record& w) {
    params p;
    p.add(w.id)
        .add(w.tenant)
        .add(w.url)
        .add(join(w.events))
        .add(join(w.channels))
        .add(w.secret)
        .add(w.format)
        .add(std::string_view(w.active ? "true" : "false"))
        .add(w.source)
        .add(w.disabled_reason)
        .add(w.disabled_at_ms)
        .add(w.updated_at_ms)
        .add(std::int64_t{w.consecutive_failures})
        .add(w.failing_since_ms);
    return session_
               .run(
                   "UPDATE webhooks SET url = $3, events = $4, channels = $5, secret = $6,"
                   " format = $7, active = $8, source = $9, disabled_reason = $10,"
                   " disabled_at_ms = $11, updated_at_ms = $12, consecutive_failures = $13,"
                   " failing_since_ms = $14 WHERE id = $1 AND tenant = $2",
                   p)
               .affected() > 0;
}

bool postgres_webhook_store::delete_webhook(std::string_view tenant, std::string_view id) {
    detail::transaction tx(session_);
    params p;
    p.add(id).add(tenant);
    if (session_.run("DELETE FROM webhooks WHERE id = $1 AND tenant = $2", p).affected() == 0)
        return false;
    params q;
    q.add(id);
    session_.run(
        "DELETE FROM webhook_attempts WHERE delivery_id IN"
        " (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)",
        q);
    session_.run("DELETE FROM webhook_deliveries WHERE webhook_id = $1", q);
    tx.commit();
    return true;
}

std::optional<webhook_record> postgres_webhook_store::find_webhook(std::string_view tenant,
                                                                   std::string_view id) {
    params p;
    p.add(id).add(tenant);
    const result r = session_.run(
        "SELECT " SB_PG_WEBHOOK_COLUMNS " FROM webhooks WHERE id = $1 AND tenant = $2", p);
    if (r.rows() == 0) return std::nullopt;
    return read_webhook(r, 0);
}

std::vector<webhook_record> postgres_webhook_store::list_webhooks(std::string_view tenant) {
    params p;
    p.add(tenant);
    return read_webhooks(session_.run("SELECT " SB_PG_WEBHOOK_COLUMNS
                                      " FROM webhooks WHERE tenant = $1 ORDER BY created_at_ms, id",
                                      p));
}

std::vector<webhook_record> postgres_webhook_store::all_webhooks() {
    params p;
    return read_webhooks(session_.run(
        "SELECT " SB_PG_WEBHOOK_COLUMNS " FROM webhooks ORDER BY created_at_ms, id", p));
}

bool postgres_webhook_store::disable_webhook(std::string_view webhook_id, std::string_view reason,
                                             std::uint64_t now_ms) {
    params p;
    p.add(webhook_id).add(reason).add(now_ms);
    return session_
               .run(
                   "UPDATE webhooks SET active = false, disabled_reason = $2, disabled_at_ms = $3,"
                   " updated_at_ms = $3 WHERE id = $1 AND active",
                   p)
               .affected() > 0;
}

// --- outbox --------------------------------------------------------------------------------------

void postgres_webhook_store::promote(const std::string& webhook_id, const std::string& channel,
                                     std::uint64_t now_ms) {
    params p;
    p.add(webhook_id).add(channel).add(now_ms);
    session_.run(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at_ms = $3,"
        " updated_at_ms = $3 WHERE seq = (SELECT seq FROM webhook_deliveries"
        " WHERE webhook_id = $1 AND channel = $2 AND status IN ('queued', 'pending', 'in_flight')"
        " ORDER BY seq LIMIT 1) AND status = 'queued'",
        p);
}

void postgres_webhook_store::enqueue(std::span<const outbox_event> events, std::uint64_t now_ms) {
    std::array<array_literal, 9> columns;
    std::vector<std::string> webhooks;
    for (const outbox_event& e : events) {
        for (const auto& t : e.targets) {
            columns[0].add(t.delivery_id);
            columns[1].add(t.webhook_id);
            columns[2].add(e.tenant);
            columns[3].add(e.event_id);
            columns[4].add(e.event_type);
            columns[5].add(e.channel);
            columns[6].add(e.body);
            columns[7].add(e.created_at_ms);
            columns[8].add(t.status == delivery_status::skipped ? "skipped" : "pending");
            webhooks.push_back(t.webhook_id);
        }
    }
    if (webhooks.empty()) return;
    detail::transaction tx(session_);
    lock_webhooks(std::move(webhooks));
    params p;
    for (auto& c : columns) p.add(std::move(c).take());
    p.add(now_ms);
    session_.run(enqueue_sql, p);
    tx.commit();
}

std::vector<delivery_record> postgres_webhook_store::claim(std::string_view webhook_id,
                                                           std::size_t limit, std::uint64_t now_ms,
                                                           std::string_view owner,
                                                           std::uint64_t lease_until_ms) {
    if (limit == 0) return {};
    params p;
    p.add(webhook_id)
        .add(now_ms)
        .add(static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)))
        .add(owner)
        .add(lease_until_ms);
    auto out = read_deliveries(session_.run(
        "UPDATE webhook_deliveries SET status = 'in_flight', attempts = attempts + 1,"
        " next_attempt_at_ms = 0, lease_owner = $4, lease_until_ms = $5, updated_at_ms = $2"
        " WHERE seq IN (SELECT seq FROM webhook_deliveries WHERE webhook_id = $1"
        " AND status = 'pending' AND next_attempt_at_ms <= $2"
        " ORDER BY next_attempt_at_ms, seq LIMIT $3 FOR UPDATE SKIP LOCKED)"
        " RETURNING " SB_PG_DELIVERY_COLUMNS,
        p));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    return out;
}

std::optional<std::uint64_t> postgres_webhook_store::next_due(std::string_view webhook_id) {
    params p;
    p.add(webhook_id);
    const result r = session_.run(
        "SELECT next_attempt_at_ms FROM webhook_deliveries WHERE webhook_id = $1"
        " AND status = 'pending' ORDER BY next_attempt_at_ms LIMIT 1",
        p);
    if (r.rows() == 0) return std::nullopt;
    return r.uint64(0, 0);
}

std::vector<webhook_record> postgres_webhook_store::complete(
    std::span<const attempt_result> results) {
    if (results.empty()) return {};
    detail::transaction tx(session_);
    {
        array_literal ids;
        for (const auto& r : results) ids.add(r.delivery_id);
        params p;
        p.add(std::move(ids).take());
        const result owners = session_.run(
            "SELECT DISTINCT webhook_id FROM webhook_deliveries WHERE id = ANY($1::text[])", p);
        std::vector<std::string> webhooks;
        for (int row = 0; row < owners.rows(); ++row) webhooks.push_back(owners.text(row, 0));
        lock_webhooks(std::move(webhooks));
    }
    std::set<std::string> touched;
    for (const attempt_result& r : results) {
        params find;
        find.add(r.delivery_id);
        const result row = session_.run(
            "SELECT seq, webhook_id, channel FROM webhook_deliveries WHERE id = $1"
            " AND status = 'in_flight' FOR UPDATE",
            find);
        if (row.rows() == 0) continue;
        const std::int64_t seq = row.int64(0, 0);
        std::string webhook_id = row.text(0, 1);
        const std::string channel = row.text(0, 2);
        insert_attempt(session_, r.delivery_id, r.attempt);
        const bool retry = !r.succeeded && r.next_attempt_at_ms != 0;
        params u;
        u.add(seq)
            .add(std::string_view(r.succeeded ? "succeeded"
                                  : retry     ? "pending"
                                              : "failed"))
            .add(retry ? r.next_attempt_at_ms : std::uint64_t{0})
            .add(std::int64_t{r.attempt.status_code})
            .add(r.attempt.error)
            .add(r.attempt.latency_ms)
            .add(r.now_ms)
            .add(retry ? std::uint64_t{0} : r.now_ms);
        session_.run(
            "UPDATE webhook_deliveries SET status = $2, next_attempt_at_ms = $3, lease_owner = '',"
            " lease_until_ms = 0, last_status_code = $4, last_error = $5, last_latency_ms = $6,"
            " updated_at_ms = $7, completed_at_ms = $8 WHERE seq = $1",
            u);
        if (!retry) promote(webhook_id, channel, r.now_ms);
        params h;
        h.add(webhook_id);
        if (r.succeeded) {
            session_.run(
                "UPDATE webhooks SET consecutive_failures = 0, failing_since_ms = 0 WHERE id = $1",
                h);
        } else {
            h.add(r.attempt.started_at_ms);
            session_.run(
                "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1,"
                " failing_since_ms = CASE WHEN failing_since_ms = 0 THEN $2"
                " ELSE failing_since_ms END WHERE id = $1",
                h);
        }
        touched.insert(std::move(webhook_id));
    }
    std::vector<webhook_record> health;
    for (const auto& id : touched) {
        params p;
        p.add(id);
        const result r =
            session_.run("SELECT " SB_PG_WEBHOOK_COLUMNS " FROM webhooks WHERE id = $1", p);
        if (r.rows() > 0) health.push_back(read_webhook(r, 0));
    }
    tx.commit();
    return health;
}

std::size_t postgres_webhook_store::release(std::string_view owner, std::uint64_t now_ms) {
    detail::transaction tx(session_);
    params p;
    p.add(owner).add(now_ms);
    const result leases = session_.run(
        "SELECT seq, id, attempts, updated_at_ms FROM webhook_deliveries"
        " WHERE status = 'in_flight' AND (lease_owner = $1 OR $1 = '*' OR lease_until_ms < $2)"
        " FOR UPDATE SKIP LOCKED",
        p);
    const std::string error = "interrupted: the server stopped before the receiver answered";
    for (int row = 0; row < leases.rows(); ++row) {
        attempt_record a;
        a.number = static_cast<std::uint32_t>(leases.uint64(row, 2));
        a.started_at_ms = leases.uint64(row, 3);
        a.error = error;
        insert_attempt(session_, leases.text(row, 1), a);
        params u;
        u.add(leases.int64(row, 0)).add(now_ms).add(error);
        session_.run(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at_ms = $2,"
            " lease_owner = '', lease_until_ms = 0, last_error = $3, updated_at_ms = $2"
            " WHERE seq = $1",
            u);
    }
    tx.commit();
    return static_cast<std::size_t>(leases.rows());
}

std::optional<delivery_record> postgres_webhook_store::redeliver(std::string_view tenant,
                                                                 std::string_view delivery_id,
                                                                 std::string_view new_delivery_id,
                                                                 std::uint64_t now_ms) {
    detail::transaction tx(session_);
    auto original = find_delivery(tenant, delivery_id);
    if (!original) return std::nullopt;
    lock_webhooks({original->webhook_id});
    params p;
    p.add(new_delivery_id).add(original->id).add(now_ms);
    const result r = session_.run(
        "INSERT INTO webhook_deliveries (id, webhook_id, tenant, event_id, event_type, channel,"
        " body, event_created_at_ms, status, attempts, next_attempt_at_ms, lease_owner,"
        " lease_until_ms, last_status_code, last_error, last_latency_ms, created_at_ms,"
        " updated_at_ms, completed_at_ms, redelivery_of)"
        " SELECT $1, o.webhook_id, o.tenant, o.event_id, o.event_type, o.channel, o.body,"
        " o.event_created_at_ms, s.status, 0,"
        " CASE WHEN s.status = 'pending' THEN $3::bigint ELSE 0 END,"
        " '', 0, 0, '', 0, $3::bigint, $3::bigint, 0, o.id"
        " FROM webhook_deliveries o, LATERAL (SELECT CASE WHEN EXISTS (SELECT 1 FROM"
        " webhook_deliveries d WHERE d.webhook_id = o.webhook_id AND d.channel = o.channel"
        " AND d.status IN ('queued', 'pending', 'in_flight')) THEN 'queued' ELSE 'pending' END"
        " AS status) s"
        " WHERE o.id = $2 AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = o.webhook_id)"
        " RETURNING " SB_PG_DELIVERY_COLUMNS,
        p);
    if (r.rows() == 0) return std::nullopt;
    auto created = read_delivery(r, 0);
    tx.commit();
    return created;
}

// --- delivery log --------------------------------------------------------------------------------

std::vector<delivery_record> postgres_webhook_store::list_deliveries(const delivery_query& query) {
    params p;
    p.add(query.webhook_id).add(query.tenant).add(static_cast<std::int64_t>(query.limit));
    std::string sql = "SELECT " SB_PG_DELIVERY_COLUMNS
                      " FROM webhook_deliveries WHERE webhook_id = $1 AND tenant = $2";
    int next = 4;
    if (query.status) {
        sql += " AND status = $" + std::to_string(next++);
        p.add(to_string(*query.status));
    }
    if (query.before_seq) {
        sql += " AND seq < $" + std::to_string(next++);
        p.add(*query.before_seq);
    }
    sql += " ORDER BY seq DESC LIMIT $3";
    return read_deliveries(session_.run(sql, p));
}

std::optional<delivery_record> postgres_webhook_store::find_delivery(std::string_view tenant,
                                                                     std::string_view delivery_id) {
    params p;
    p.add(delivery_id).add(tenant);
    const result r = session_.run("SELECT " SB_PG_DELIVERY_COLUMNS
                                  " FROM webhook_deliveries WHERE id = $1 AND tenant = $2",
                                  p);
    if (r.rows() == 0) return std::nullopt;
    return read_delivery(r, 0);
}

std::vector<attempt_record> postgres_webhook_store::attempts(std::string_view delivery_id) {
    params p;
    p.add(delivery_id);
    const result r = session_.run(
        "SELECT number, started_at_ms, status_code, error, latency_ms, response_body"
        " FROM webhook_attempts WHERE delivery_id = $1 ORDER BY number",
        p);
    std::vector<attempt_record> out;
    for (int row = 0; row < r.rows(); ++row) {
        attempt_record a;
        a.number = static_cast<std::uint32_t>(r.uint64(row, 0));
        a.started_at_ms = r.uint64(row, 1);
        a.status_code = static_cast<int>(r.int64(row, 2));
        a.error = r.text(row, 3);
        a.latency_ms = r.uint64(row, 4);
        a.response_body = r.text(row, 5);
        out.push_back(std::move(a));
    }
    return out;
}

std::size_t postgres_webhook_store::backlog(std::string_view webhook_id) {
    params p;
    p.add(webhook_id);
    const result r = session_.run(
        "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1"
        " AND status IN ('queued', 'pending', 'in_flight')",
        p);
    return static_cast<std::size_t>(r.uint64(0, 0));
}

std::size_t postgres_webhook_store::prune_deliveries(std::uint64_t before_ms, std::size_t limit) {
    detail::transaction tx(session_);
    params p;
    p.add(before_ms).add(static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    const result r = session_.run(
        "DELETE FROM webhook_deliveries WHERE seq IN (SELECT seq FROM webhook_deliveries"
        " WHERE status IN ('succeeded', 'failed', 'skipped') AND completed_at_ms < $1"
        " ORDER BY completed_at_ms LIMIT $2) RETURNING id",
        p);
    array_literal ids;
    for (int row = 0; row < r.rows(); ++row) ids.add(r.text(row, 0));
    params q;
    q.add(std::move(ids).take());
    session_.run("DELETE FROM webhook_attempts WHERE delivery_id = ANY($1::text[])", q);
    tx.commit();
    return static_cast<std::size_t>(r.rows());
}

#undef SB_PG_WEBHOOK_COLUMNS
#undef SB_PG_DELIVERY_COLUMNS

}  // namespace sb::storage::postgres
