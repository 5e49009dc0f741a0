// The webhook outbox on SQLite (storage/webhook_store.hpp has the contract and the state
// machine). Lists (events, channel patterns) are stored as one text of space-separated names:
// neither event names nor channel names may contain a space.

#include "storage/sqlite/webhook_store.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "storage/sqlite/migrations.hpp"

namespace sb::storage::sqlite {

namespace {

constexpr std::array<migration, 1> steps{{
    {100, "webhooks, outbox and delivery log", R"sql(
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,               -- event type names, space-separated
    channels TEXT NOT NULL,             -- channel patterns, space-separated ('' = every channel)
    secret TEXT NOT NULL,
    format TEXT NOT NULL,               -- native | pusher
    active INTEGER NOT NULL,
    source TEXT NOT NULL,               -- api | config
    disabled_reason TEXT NOT NULL,
    disabled_at_ms INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    consecutive_failures INTEGER NOT NULL,
    failing_since_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhooks_by_tenant ON webhooks (tenant, created_at_ms);

-- The outbox and the delivery log in one table: a row per (event, webhook). seq is the rowid,
-- so rows are appended at the right edge in enqueue order, which is the order per channel.
CREATE TABLE webhook_deliveries (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    webhook_id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    channel TEXT NOT NULL,
    body TEXT NOT NULL,
    event_created_at_ms INTEGER NOT NULL,
    status TEXT NOT NULL,               -- queued | pending | in_flight | succeeded | failed | skipped
    attempts INTEGER NOT NULL,
    next_attempt_at_ms INTEGER NOT NULL,
    lease_owner TEXT NOT NULL,
    lease_until_ms INTEGER NOT NULL,
    last_status_code INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    last_latency_ms INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    completed_at_ms INTEGER NOT NULL,
    redelivery_of TEXT NOT NULL
);
-- The log (newest first) and deleting a webhook's rows.
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, seq);
-- Open deliveries of one channel in order: is one open (enqueue), which is next (promotion).
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (webhook_id, channel, seq)
    WHERE status IN ('queued', 'pending', 'in_flight');
-- What is due (claim, next_due).
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at_ms, seq)
    WHERE status = 'pending';
-- Leases to release after a restart or a dead node.
CREATE INDEX webhook_deliveries_in_flight ON webhook_deliveries (lease_until_ms)
    WHERE status = 'in_flight';
-- Pruning the log.
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (completed_at_ms)
    WHERE status IN ('succeeded', 'failed', 'skipped');

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    started_at_ms INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    error TEXT NOT NULL,
    latency_ms INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    PRIMARY KEY (delivery_id, number)
) WITHOUT ROWID;
)sql"},
}};

using detail::query;

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

constexpr const char* webhook_columns =
    "id, tenant, url, events, channels, secret, format, active, source, disabled_reason, "
    "disabled_at_ms, created_at_ms, updated_at_ms, consecutive_failures, failing_since_ms";

webhook_record read_webhook(const query& q) {
    webhook_record w;
    w.id = q.text(0);
    w.tenant = q.text(1);
    w.url = q.text(2);
    w.events = split(q.text(3));
    w.channels = split(q.text(4));
    w.secret = q.text(5);
    w.format = q.text(6);
    w.active = q.int64(7) != 0;
    w.source = q.text(8);
    w.disabled_reason = q.text(9);
    w.disabled_at_ms = q.uint64(10);
    w.created_at_ms = q.uint64(11);
    w.updated_at_ms = q.uint64(12);
    w.consecutive_failures = static_cast<std::uint32_t>(q.uint64(13));
    w.failing_since_ms = q.uint64(14);
    return w;
}

#define SB_DELIVERY_COLUMNS                                                                   \
    "seq, id, webhook_id, tenant, event_id, event_type, channel, body, event_created_at_ms, " \
    "status, attempts, next_attempt_at_ms, last_status_code, last_error, last_latency_ms, "   \
    "created_at_ms, updated_at_ms, completed_at_ms, redelivery_of"

delivery_record read_delivery(const query& q) {
    delivery_record d;
    d.seq = q.int64(0);
    d.id = q.text(1);
    d.webhook_id = q.text(2);
    d.tenant = q.text(3);
    d.event_id = q.text(4);
    d.event_type = q.text(5);
    d.channel = q.text(6);
    d.body = q.text(7);
    d.event_created_at_ms = q.uint64(8);
    d.status = parse_delivery_status(q.text(9)).value_or(delivery_status::pending);
    d.attempts = static_cast<std::uint32_t>(q.uint64(10));
    d.next_attempt_at_ms = q.uint64(11);
    d.last_status_code = static_cast<int>(q.int64(12));
    d.last_error = q.text(13);
    d.last_latency_ms = q.uint64(14);
    d.created_at_ms = q.uint64(15);
    d.updated_at_ms = q.uint64(16);
    d.completed_at_ms = q.uint64(17);
    d.redelivery_of = q.text(18);
    return d;
}

constexpr std::string_view insert_delivery_sql =
    "INSERT INTO webhook_deliveries (id, webhook_id, tenant, event_id, event_type, channel, body,"
    " event_created_at_ms, status, attempts, next_attempt_at_ms, lease_owner, lease_until_ms,"
    " last_status_code, last_error, last_latency_ms, created_at_ms, updated_at_ms,"
    " completed_at_ms, redelivery_of)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, '', 0, 0, '', 0, ?11, ?11, ?12, ?13)";

void insert_attempt(detail::database& db, std::string_view delivery_id, const attempt_record& a) {
    db.prepare(
          "INSERT OR REPLACE INTO webhook_attempts (delivery_id, number, started_at_ms,"
          " status_code, error, latency_ms, response_body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(1, delivery_id)
        .bind(2, std::int64_t{a.number})
        .bind(3, a.started_at_ms)
        .bind(4, std::int64_t{a.status_code})
        .bind(5, a.error)
        .bind(6, a.latency_ms)
        .bind(7, a.response_body)
        .run();
}

}  // namespace

std::span<const migration> webhook_migrations() noexcept { return steps; }

// --- webhooks ----------------------------------------------------------------------------------

bool sqlite_webhook_store::insert_webhook(const webhook_record& w) {
    detail::write_transaction tx(db_);
    if (webhook_by_id(w.id)) return false;
    const std::string events = join(w.events);
    const std::string channels = join(w.channels);
    db_.prepare(
           "INSERT INTO webhooks (id, tenant, url, events, channels, secret, format, active, "
           "source,"
           " disabled_reason, disabled_at_ms, created_at_ms, updated_at_ms, consecutive_failures,"
           " failing_since_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
           " ?15)")
        .bind(1, w.id)
        .bind(2, w.tenant)
        .bind(3, w.url)
        .bind(4, events)
        .bind(5, channels)
        .bind(6, w.secret)
        .bind(7, w.format)
        .bind(8, std::int64_t{w.active ? 1 : 0})
        .bind(9, w.source)
        .bind(10, w.disabled_reason)
        .bind(11, w.disabled_at_ms)
        .bind(12, w.created_at_ms)
        .bind(13, w.updated_at_ms)
        .bind(14, std::int64_t{w.consecutive_failures})
        .bind(15, w.failing_since_ms)
        .run();
    tx.commit();
    return true;
}

bool sqlite_webhook_store::update_webhook(const webhook_record& w) {
    const std::string events = join(w.events);
    const std::string channels = join(w.channels);
    detail::write_transaction tx(db_);
    db_.prepare(
           "UPDATE webhooks SET url = ?3, events = ?4, channels = ?5, secret = ?6, format = ?7,"
           " active = ?8, source = ?9, disabled_reason = ?10, disabled_at_ms = ?11,"
           " updated_at_ms = ?12, consecutive_failures = ?13, failing_since_ms = ?14"
           " WHERE id = ?1 AND tenant = ?2")
        .bind(1, w.id)
        .bind(2, w.tenant)
        .bind(3, w.url)
        .bind(4, events)
        .bind(5, channels)
        .bind(6, w.secret)
        .bind(7, w.format)
        .bind(8, std::int64_t{w.active ? 1 : 0})
        .bind(9, w.source)
        .bind(10, w.disabled_reason)
        .bind(11, w.disabled_at_ms)
        .bind(12, w.updated_at_ms)
        .bind(13, std::int64_t{w.consecutive_failures})
        .bind(14, w.failing_since_ms)
        .run();
    const bool changed = db_.changes() > 0;
    tx.commit();
    return changed;
}

bool sqlite_webhook_store::delete_webhook(std::string_view tenant, std::string_view id) {
    detail::write_transaction tx(db_);
    db_.prepare("DELETE FROM webhooks WHERE id = ?1 AND tenant = ?2")
        .bind(1, id)
        .bind(2, tenant)
        .run();
    if (db_.changes() == 0) return false;
    db_.prepare(
           "DELETE FROM webhook_attempts WHERE delivery_id IN"
           " (SELECT id FROM webhook_deliveries WHERE webhook_id = ?1)")
        .bind(1, id)
        .run();
    db_.prepare("DELETE FROM webhook_deliveries WHERE webhook_id = ?1").bind(1, id).run();
    tx.commit();
    return true;
}

std::optional<webhook_record> sqlite_webhook_store::webhook_by_id(std::string_view id) {
    auto q = db_.prepare(std::string("SELECT ") + webhook_columns + " FROM webhooks WHERE id = ?1");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return read_webhook(q);
}

std::optional<webhook_record> sqlite_webhook_store::find_webhook(std::string_view tenant,
                                                                 std::string_view id) {
    auto w = webhook_by_id(id);
    if (!w || w->tenant != tenant) return std::nullopt;
    return w;
}

std::vector<webhook_record> sqlite_webhook_store::list_webhooks(std::string_view tenant) {
    auto q = db_.prepare(std::string("SELECT ") + webhook_columns +
                         " FROM webhooks WHERE tenant = ?1 ORDER BY created_at_ms, id");
    q.bind(1, tenant);
    std::vector<webhook_record> out;
    while (q.step()) out.push_back(read_webhook(q));
    return out;
}

std::vector<webhook_record> sqlite_webhook_store::all_webhooks() {
    auto q = db_.prepare(std::string("SELECT ") + webhook_columns +
                         " FROM webhooks ORDER BY created_at_ms, id");
    std::vector<webhook_record> out;
    while (q.step()) out.push_back(read_webhook(q));
    return out;
}

bool sqlite_webhook_store::disable_webhook(std::string_view webhook_id, std::string_view reason,
                                           std::uint64_t now_ms) {
    detail::write_transaction tx(db_);
    db_.prepare(
           "UPDATE webhooks SET active = 0, disabled_reason = ?2, disabled_at_ms = ?3,"
           " updated_at_ms = ?3 WHERE id = ?1 AND active = 1")
        .bind(1, webhook_id)
        .bind(2, reason)
        .bind(3, now_ms)
        .run();
    const bool changed = db_.changes() > 0;
    tx.commit();
    return changed;
}

// --- outbox --------------------------------------------------------------------------------------

delivery_status sqlite_webhook_store::first_status(std::string_view webhook_id,
                                                   std::string_view channel) {
    auto q = db_.prepare(
        "SELECT 1 FROM webhook_deliveries WHERE webhook_id = ?1 AND channel = ?2"
        " AND status IN ('queued', 'pending', 'in_flight') LIMIT 1");
    q.bind(1, webhook_id).bind(2, channel);
    return q.step() ? delivery_status::queued : delivery_status::pending;
}

void sqlite_webhook_store::promote(std::string_view webhook_id, std::string_view channel,
                                   std::uint64_t now_ms) {
    db_.prepare(
           "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at_ms = ?3,"
           " updated_at_ms = ?3 WHERE seq = (SELECT seq FROM webhook_deliveries"
           " WHERE webhook_id = ?1 AND channel = ?2 AND status IN ('queued', 'pending', "
           "'in_flight')"
           " ORDER BY seq LIMIT 1) AND status = 'queued'")
        .bind(1, webhook_id)
        .bind(2, channel)
        .bind(3, now_ms)
        .run();
}

void sqlite_webhook_store::enqueue(std::span<const outbox_event> events, std::uint64_t now_ms) {
    if (events.empty()) return;
    detail::write_transaction tx(db_);
    std::map<std::string, bool, std::less<>> exists;
    for (const outbox_event& e : events) {
        for (const auto& t : e.targets) {
            auto it = exists.find(t.webhook_id);
            if (it == exists.end())
                it = exists.emplace(t.webhook_id, webhook_by_id(t.webhook_id).has_value()).first;
            if (!it->second) continue;
            delivery_status status = t.status;
            if (status != delivery_status::skipped) status = first_status(t.webhook_id, e.channel);
            const std::string_view status_text = to_string(status);
            const std::uint64_t due = status == delivery_status::pending ? e.created_at_ms : 0;
            const std::uint64_t completed = status == delivery_status::skipped ? now_ms : 0;
            db_.prepare(insert_delivery_sql)
                .bind(1, t.delivery_id)
                .bind(2, t.webhook_id)
                .bind(3, e.tenant)
                .bind(4, e.event_id)
                .bind(5, e.event_type)
                .bind(6, e.channel)
                .bind(7, e.body)
                .bind(8, e.created_at_ms)
                .bind(9, status_text)
                .bind(10, due)
                .bind(11, now_ms)
                .bind(12, completed)
                .bind(13, std::string_view{})
                .run();
        }
    }
    tx.commit();
}

std::vector<delivery_record> sqlite_webhook_store::claim(std::string_view webhook_id,
                                                         std::size_t limit, std::uint64_t now_ms,
                                                         std::string_view owner,
                                                         std::uint64_t lease_until_ms) {
    std::vector<delivery_record> out;
    if (limit == 0) return out;
    detail::write_transaction tx(db_);
    {
        auto q =
            db_.prepare("SELECT " SB_DELIVERY_COLUMNS
                        " FROM webhook_deliveries WHERE webhook_id = ?1 AND status = 'pending'"
                        " AND next_attempt_at_ms <= ?2 ORDER BY next_attempt_at_ms, seq LIMIT ?3");
        q.bind(1, webhook_id).bind(2, now_ms).bind(3, static_cast<std::int64_t>(limit));
        while (q.step()) out.push_back(read_delivery(q));
    }
    for (auto& d : out) {
        db_.prepare(
               "UPDATE webhook_deliveries SET status = 'in_flight', attempts = attempts + 1,"
               " next_attempt_at_ms = 0, lease_owner = ?2, lease_until_ms = ?3, updated_at_ms = ?4"
               " WHERE seq = ?1")
            .bind(1, d.seq)
            .bind(2, owner)
            .bind(3, lease_until_ms)
            .bind(4, now_ms)
            .run();
        d.status = delivery_status::in_flight;
        d.attempts += 1;
        d.next_attempt_at_ms = 0;
        d.updated_at_ms = now_ms;
    }
    tx.commit();
    return out;
}

std::optional<std::uint64_t> sqlite_webhook_store::next_due(std::string_view webhook_id) {
    auto q = db_.prepare(
        "SELECT next_attempt_at_ms FROM webhook_deliveries WHERE webhook_id = ?1"
        " AND status = 'pending' ORDER BY next_attempt_at_ms LIMIT 1");
    q.bind(1, webhook_id);
    if (!q.step()) return std::nullopt;
    return q.uint64(0);
}

std::vector<webhook_record> sqlite_webhook_store::complete(
    std::span<const attempt_result> results) {
    std::vector<webhook_record> health;
    if (results.empty()) return health;
    std::set<std::string> touched;
    detail::write_transaction tx(db_);
    for (const attempt_result& r : results) {
        std::string webhook_id, channel;
        std::int64_t seq = 0;
        {
            auto q = db_.prepare(
                "SELECT seq, webhook_id, channel FROM webhook_deliveries WHERE id = ?1"
                " AND status = 'in_flight'");
            q.bind(1, r.delivery_id);
            if (!q.step()) continue;
            seq = q.int64(0);
            webhook_id = q.text(1);
            channel = q.text(2);
        }
        insert_attempt(db_, r.delivery_id, r.attempt);
        const bool retry = !r.succeeded && r.next_attempt_at_ms != 0;
        const std::string_view status = r.succeeded ? "succeeded" : retry ? "pending" : "failed";
        db_.prepare(
               "UPDATE webhook_deliveries SET status = ?2, next_attempt_at_ms = ?3,"
               " lease_owner = '', lease_until_ms = 0, last_status_code = ?4, last_error = ?5,"
               " last_latency_ms = ?6, updated_at_ms = ?7, completed_at_ms = ?8 WHERE seq = ?1")
            .bind(1, seq)
            .bind(2, status)
            .bind(3, retry ? r.next_attempt_at_ms : std::uint64_t{0})
            .bind(4, std::int64_t{r.attempt.status_code})
            .bind(5, r.attempt.error)
            .bind(6, r.attempt.latency_ms)
            .bind(7, r.now_ms)
            .bind(8, retry ? std::uint64_t{0} : r.now_ms)
            .run();
        if (!retry) promote(webhook_id, channel, r.now_ms);
        if (r.succeeded) {
            db_.prepare(
                   "UPDATE webhooks SET consecutive_failures = 0, failing_since_ms = 0 WHERE id = "
                   "?1")
                .bind(1, webhook_id)
                .run();
        } else {
            db_.prepare(
                   "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1,"
                   " failing_since_ms = CASE WHEN failing_since_ms = 0 THEN ?2"
                   " ELSE failing_since_ms END WHERE id = ?1")
                .bind(1, webhook_id)
                .bind(2, r.attempt.started_at_ms)
                .run();
        }
        touched.insert(std::move(webhook_id));
    }
    for (const auto& id : touched)
        if (auto w = webhook_by_id(id)) health.push_back(std::move(*w));
    tx.commit();
    return health;
}

std::size_t sqlite_webhook_store::release(std::string_view owner, std::uint64_t now_ms) {
    struct lease {
        std::int64_t seq;
        std::string id;
        std::uint32_t attempts;
        std::uint64_t claimed_at_ms;
    };
    std::vector<lease> leases;
    detail::write_transaction tx(db_);
    {
        auto q = db_.prepare(
            "SELECT seq, id, attempts, updated_at_ms FROM webhook_deliveries"
            " WHERE status = 'in_flight' AND (lease_owner = ?1 OR ?1 = '*' OR lease_until_ms < "
            "?2)");
        q.bind(1, owner).bind(2, now_ms);
        while (q.step())
            leases.push_back(
                {q.int64(0), q.text(1), static_cast<std::uint32_t>(q.uint64(2)), q.uint64(3)});
    }
    for (const auto& l : leases) {
        attempt_record a;
        a.number = l.attempts;
        a.started_at_ms = l.claimed_at_ms;
        a.error = "interrupted: the server stopped before the receiver answered";
        insert_attempt(db_, l.id, a);
        db_.prepare(
               "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at_ms = ?2,"
               " lease_owner = '', lease_until_ms = 0, last_error = ?3, updated_at_ms = ?2"
               " WHERE seq = ?1")
            .bind(1, l.seq)
            .bind(2, now_ms)
            .bind(3, a.error)
            .run();
    }
    tx.commit();
    return leases.size();
}

std::optional<delivery_record> sqlite_webhook_store::redeliver(std::string_view tenant,
                                                               std::string_view delivery_id,
                                                               std::string_view new_delivery_id,
                                                               std::uint64_t now_ms) {
    detail::write_transaction tx(db_);
    auto original = find_delivery(tenant, delivery_id);
    if (!original || !webhook_by_id(original->webhook_id)) return std::nullopt;
    const delivery_status status = first_status(original->webhook_id, original->channel);
    const std::string_view status_text = to_string(status);
    db_.prepare(insert_delivery_sql)
        .bind(1, new_delivery_id)
        .bind(2, original->webhook_id)
        .bind(3, original->tenant)
        .bind(4, original->event_id)
        .bind(5, original->event_type)
        .bind(6, original->channel)
        .bind(7, original->body)
        .bind(8, original->event_created_at_ms)
        .bind(9, status_text)
        .bind(10, status == delivery_status::pending ? now_ms : std::uint64_t{0})
        .bind(11, now_ms)
        .bind(12, std::uint64_t{0})
        .bind(13, original->id)
        .run();
    auto created = find_delivery(tenant, new_delivery_id);
    tx.commit();
    return created;
}

// --- delivery log --------------------------------------------------------------------------------

std::vector<delivery_record> sqlite_webhook_store::list_deliveries(const delivery_query& query) {
    // Four fixed texts (status filter or not, cursor or not) keep the statement cache bounded.
    std::string sql = "SELECT " SB_DELIVERY_COLUMNS
                      " FROM webhook_deliveries WHERE webhook_id = ?1 AND tenant = ?2";
    if (query.status) sql += " AND status = ?3";
    if (query.before_seq) sql += " AND seq < ?4";
    sql += " ORDER BY seq DESC LIMIT ?5";
    auto q = db_.prepare(sql);
    const std::string_view status = query.status ? to_string(*query.status) : std::string_view{};
    q.bind(1, query.webhook_id).bind(2, query.tenant);
    if (query.status) q.bind(3, status);
    if (query.before_seq) q.bind(4, *query.before_seq);
    q.bind(5, static_cast<std::int64_t>(query.limit));
    std::vector<delivery_record> out;
    while (q.step()) out.push_back(read_delivery(q));
    return out;
}

std::optional<delivery_record> sqlite_webhook_store::find_delivery(std::string_view tenant,
                                                                   std::string_view delivery_id) {
    auto q = db_.prepare("SELECT " SB_DELIVERY_COLUMNS " FROM webhook_deliveries WHERE id = ?1");
    q.bind(1, delivery_id);
    if (!q.step()) return std::nullopt;
    auto d = read_delivery(q);
    if (d.tenant != tenant) return std::nullopt;
    return d;
}

std::vector<attempt_record> sqlite_webhook_store::attempts(std::string_view delivery_id) {
    auto q = db_.prepare(
        "SELECT number, started_at_ms, status_code, error, latency_ms, response_body"
        " FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY number");
    q.bind(1, delivery_id);
    std::vector<attempt_record> out;
    while (q.step()) {
        attempt_record a;
        a.number = static_cast<std::uint32_t>(q.uint64(0));
        a.started_at_ms = q.uint64(1);
        a.status_code = static_cast<int>(q.int64(2));
        a.error = q.text(3);
        a.latency_ms = q.uint64(4);
        a.response_body = q.text(5);
        out.push_back(std::move(a));
    }
    return out;
}

std::size_t sqlite_webhook_store::backlog(std::string_view webhook_id) {
    auto q = db_.prepare(
        "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = ?1"
        " AND status IN ('queued', 'pending', 'in_flight')");
    q.bind(1, webhook_id);
    return q.step() ? static_cast<std::size_t>(q.uint64(0)) : 0;
}

std::size_t sqlite_webhook_store::prune_deliveries(std::uint64_t before_ms, std::size_t limit) {
    std::vector<std::pair<std::int64_t, std::string>> rows;
    detail::write_transaction tx(db_);
    {
        auto q = db_.prepare(
            "SELECT seq, id FROM webhook_deliveries WHERE status IN ('succeeded', 'failed', "
            "'skipped')"
            " AND completed_at_ms < ?1 ORDER BY completed_at_ms LIMIT ?2");
        q.bind(1, before_ms).bind(2, static_cast<std::int64_t>(limit));
        while (q.step()) rows.emplace_back(q.int64(0), q.text(1));
    }
    for (const auto& [seq, id] : rows) {
        db_.prepare("DELETE FROM webhook_attempts WHERE delivery_id = ?1").bind(1, id).run();
        db_.prepare("DELETE FROM webhook_deliveries WHERE seq = ?1").bind(1, seq).run();
    }
    tx.commit();
    return rows.size();
}

#undef SB_DELIVERY_COLUMNS

}  // namespace sb::storage::sqlite
