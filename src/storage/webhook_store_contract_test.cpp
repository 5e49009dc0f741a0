// The contract of storage::webhook_store (webhook_store.hpp), run against every backend through
// the factories of store_contract_test.hpp: sqlite/webhook_store_test.cpp and
// postgres/webhook_store_test.cpp instantiate it.
#include "storage/webhook_store_contract_test.hpp"

#include <algorithm>
#include <set>
#include <thread>

#include "storage/webhook_store.hpp"

namespace sb::storage::testing {

void webhook_store_contract::SetUp() {
    if (const std::string reason = GetParam().unavailable(); !reason.empty())
        GTEST_SKIP() << reason;
    db_ = GetParam().create();
    store_ = db_->open();
    conn_ = store_->connect();
}

void webhook_store_contract::TearDown() {
    conn_.reset();
    store_.reset();
    db_.reset();
}

namespace {

constexpr std::string_view tenant = "app1/production";
constexpr std::string_view other_tenant = "app1/staging";
constexpr std::uint64_t t0 = 1'700'000'000'000;  // tests pass times, never read clocks

webhook_record hook(std::string id, std::string_view in_tenant = tenant) {
    webhook_record w;
    w.id = std::move(id);
    w.tenant = in_tenant;
    w.url = "https://example.com/hooks/" + w.id;
    w.events = {"message.sent", "presence.join"};
    w.channels = {"chat:*", "presence:lobby"};
    w.secret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0";
    w.created_at_ms = t0;
    w.updated_at_ms = t0;
    return w;
}

// Builds outbox events with increasing ids and times.
class event_factory {
public:
    outbox_event make(std::string_view channel, std::vector<std::string> webhooks,
                      std::string_view in_tenant = tenant) {
        ++n_;
        outbox_event e;
        e.tenant = in_tenant;
        e.event_id = "evt_" + std::to_string(1000 + n_);
        e.event_type = "message.sent";
        e.channel = channel;
        e.body = R"({"n":)" + std::to_string(n_) + "}";
        e.created_at_ms = t0 + n_;
        for (auto& w : webhooks)
            e.targets.push_back({w, "dlv_" + std::to_string(1000 + n_) + "_" + w});
        return e;
    }

private:
    int n_ = 0;
};

std::string delivery_of(const outbox_event& e, std::size_t target = 0) {
    return e.targets.at(target).delivery_id;
}

attempt_result success(std::string delivery_id, std::uint32_t number, std::uint64_t now) {
    attempt_result r;
    r.delivery_id = std::move(delivery_id);
    r.succeeded = true;
    r.attempt.number = number;
    r.attempt.started_at_ms = now - 12;
    r.attempt.status_code = 204;
    r.attempt.latency_ms = 12;
    r.now_ms = now;
    return r;
}

attempt_result failure(std::string delivery_id, std::uint32_t number, std::uint64_t now,
                       std::uint64_t retry_at) {
    attempt_result r;
    r.delivery_id = std::move(delivery_id);
    r.succeeded = false;
    r.attempt.number = number;
    r.attempt.started_at_ms = now - 30;
    r.attempt.status_code = 500;
    r.attempt.latency_ms = 30;
    r.attempt.response_body = "oops";
    r.next_attempt_at_ms = retry_at;
    r.now_ms = now;
    return r;
}

std::vector<std::string> ids_of(const std::vector<delivery_record>& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds) out.push_back(d.id);
    return out;
}

}  // namespace

TEST_P(webhook_store_contract, a_webhook_is_stored_with_every_field_and_found_in_its_tenant_only) {
    auto& s = conn_->webhooks();
    webhook_record w = hook("wh_a");
    w.format = "pusher";
    w.active = false;
    w.source = "config";
    w.disabled_reason = "failing";
    w.disabled_at_ms = t0 + 5;
    w.consecutive_failures = 7;
    w.failing_since_ms = t0 + 1;
    ASSERT_TRUE(s.insert_webhook(w));
    EXPECT_FALSE(s.insert_webhook(w)) << "ids are unique";
    const auto found = s.find_webhook(tenant, "wh_a");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->url, w.url);
    EXPECT_EQ(found->events, w.events);
    EXPECT_EQ(found->channels, w.channels);
    EXPECT_EQ(found->secret, w.secret);
    EXPECT_EQ(found->format, "pusher");
    EXPECT_FALSE(found->active);
    EXPECT_EQ(found->source, "config");
    EXPECT_EQ(found->disabled_reason, "failing");
    EXPECT_EQ(found->disabled_at_ms, t0 + 5);
    EXPECT_EQ(found->created_at_ms, t0);
    EXPECT_EQ(found->consecutive_failures, 7U);
    EXPECT_EQ(found->failing_since_ms, t0 + 1);
    EXPECT_FALSE(s.find_webhook(other_tenant, "wh_a")) << "another tenant never sees it";
    EXPECT_FALSE(s.find_webhook(tenant, "wh_missing"));
}

TEST_P(webhook_store_contract, an_empty_channel_list_reads_back_empty) {
    auto& s = conn_->webhooks();
    webhook_record w = hook("wh_a");
    w.channels.clear();
    ASSERT_TRUE(s.insert_webhook(w));
    EXPECT_TRUE(s.find_webhook(tenant, "wh_a")->channels.empty());
}

TEST_P(webhook_store_contract, webhooks_are_listed_oldest_first_per_tenant_and_all_together) {
    auto& s = conn_->webhooks();
    auto b = hook("wh_b");
    b.created_at_ms = t0 + 2;
    auto a = hook("wh_a");
    a.created_at_ms = t0 + 1;
    auto c = hook("wh_c", other_tenant);
    ASSERT_TRUE(s.insert_webhook(b));
    ASSERT_TRUE(s.insert_webhook(a));
    ASSERT_TRUE(s.insert_webhook(c));
    const auto mine = s.list_webhooks(tenant);
    ASSERT_EQ(mine.size(), 2U);
    EXPECT_EQ(mine[0].id, "wh_a");
    EXPECT_EQ(mine[1].id, "wh_b");
    EXPECT_EQ(s.all_webhooks().size(), 3U);
}

TEST_P(webhook_store_contract, update_replaces_fields_within_the_tenant_only) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    auto w = hook("wh_a");
    w.url = "http://127.0.0.1:9/new";
    w.events = {"channel.subscribed"};
    w.channels = {};
    w.active = false;
    w.updated_at_ms = t0 + 9;
    ASSERT_TRUE(s.update_webhook(w));
    const auto found = s.find_webhook(tenant, "wh_a");
    EXPECT_EQ(found->url, "http://127.0.0.1:9/new");
    EXPECT_EQ(found->events, std::vector<std::string>{"channel.subscribed"});
    EXPECT_TRUE(found->channels.empty());
    EXPECT_FALSE(found->active);
    EXPECT_EQ(found->updated_at_ms, t0 + 9);
    w.tenant = other_tenant;
    EXPECT_FALSE(s.update_webhook(w));
    w.id = "wh_missing";
    EXPECT_FALSE(s.update_webhook(w));
}

TEST_P(webhook_store_contract, the_first_delivery_of_a_channel_is_pending_and_later_ones_queue) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    event_factory f;
    const auto e1 = f.make("chat:a", {"wh_a"});
    const auto e2 = f.make("chat:a", {"wh_a"});
    const auto e3 = f.make("chat:b", {"wh_a"});
    std::vector<outbox_event> batch{e1, e2, e3};
    s.enqueue(batch, t0 + 100);
    const auto d1 = s.find_delivery(tenant, delivery_of(e1));
    const auto d2 = s.find_delivery(tenant, delivery_of(e2));
    const auto d3 = s.find_delivery(tenant, delivery_of(e3));
    ASSERT_TRUE(d1 && d2 && d3);
    EXPECT_EQ(d1->status, delivery_status::pending);
    EXPECT_EQ(d1->next_attempt_at_ms, e1.created_at_ms) << "due when the event happened";
    EXPECT_EQ(d2->status, delivery_status::queued) << "behind d1 on the same channel";
    EXPECT_EQ(d3->status, delivery_status::pending) << "channels never wait for each other";
    EXPECT_EQ(d1->event_id, e1.event_id);
    EXPECT_EQ(d1->event_type, "message.sent");
    EXPECT_EQ(d1->body, e1.body);
    EXPECT_EQ(d1->channel, "chat:a");
    EXPECT_EQ(d1->attempts, 0U);
    EXPECT_EQ(d1->created_at_ms, t0 + 100);
    EXPECT_LT(d1->seq, d2->seq);
    EXPECT_LT(d2->seq, d3->seq);
    EXPECT_EQ(s.backlog("wh_a"), 3U);
}

TEST_P(webhook_store_contract, an_event_for_two_webhooks_gives_each_its_own_delivery_and_order) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    ASSERT_TRUE(s.insert_webhook(hook("wh_b")));
    event_factory f;
    const auto e1 = f.make("chat:a", {"wh_a", "wh_b"});
    std::vector<outbox_event> batch{e1};
    s.enqueue(batch, t0);
    EXPECT_EQ(s.find_delivery(tenant, delivery_of(e1, 0))->status, delivery_status::pending);
    EXPECT_EQ(s.find_delivery(tenant, delivery_of(e1, 1))->status, delivery_status::pending)
        << "webhooks never wait for each other";
    EXPECT_EQ(s.find_delivery(tenant, delivery_of(e1, 1))->event_id, e1.event_id);
}

TEST_P(webhook_store_contract, targets_of_deleted_webhooks_are_dropped_and_records_are_skipped) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    event_factory f;
    auto e1 = f.make("", {"wh_a", "wh_gone"});
    e1.targets[0].status = delivery_status::skipped;
    std::vector<outbox_event> batch{e1};
    s.enqueue(batch, t0 + 50);
    const auto d = s.find_delivery(tenant, delivery_of(e1, 0));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->status, delivery_status::skipped);
    EXPECT_EQ(d->completed_at_ms, t0 + 50);
    EXPECT_FALSE(s.find_delivery(tenant, delivery_of(e1, 1)));
    EXPECT_TRUE(s.claim("wh_a", 10, t0 + 1000, "node", t0 + 2000).empty())
        << "a skipped record is never sent";
    EXPECT_EQ(s.backlog("wh_a"), 0U);
}

TEST_P(webhook_store_contract, claim_takes_due_deliveries_oldest_first_and_counts_the_attempt) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    event_factory f;
    std::vector<outbox_event> batch;
    for (int i = 0; i < 5; ++i) batch.push_back(f.make("chat:" + std::to_string(i), {"wh_a"}));
    s.enqueue(batch, t0);
    EXPECT_TRUE(s.claim("wh_a", 10, t0, "node", t0 + 100).empty()) << "not due before created";
    EXPECT_EQ(s.next_due("wh_a"), batch[0].created_at_ms);
    const auto claimed = s.claim("wh_a", 3, t0 + 1000, "node", t0 + 2000);
    ASSERT_EQ(claimed.size(), 3U);
    EXPECT_EQ(ids_of(claimed),
              (std::vector<std::string>{delivery_of(batch[0]), delivery_of(batch[1]),
                                        delivery_of(batch[2])}));
    for (const auto& d : claimed) {
        EXPECT_EQ(d.status, delivery_status::in_flight);
        EXPECT_EQ(d.attempts, 1U);
        EXPECT_EQ(d.body, s.find_delivery(tenant, d.id)->body);
    }
    EXPECT_EQ(s.find_delivery(tenant, delivery_of(batch[0]))->status, delivery_status::in_flight);
    EXPECT_EQ(s.claim("wh_a", 10, t0 + 1000, "node", t0 + 2000).size(), 2U);
    EXPECT_TRUE(s.claim("wh_a", 10, t0 + 1000, "node", t0 + 2000).empty());
    EXPECT_FALSE(s.next_due("wh_a"));
    EXPECT_TRUE(s.claim("wh_other", 10, t0 + 1000, "node", t0 + 2000).empty());
}

TEST_P(webhook_store_contract, a_channel_delivers_in_order_through_retries_and_failures) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    event_factory f;
    const auto e1 = f.make("chat:a", {"wh_a"});
    const auto e2 = f.make("chat:a", {"wh_a"});
    const auto e3 = f.make("chat:a", {"wh_a"});
    std::vector<outbox_event> batch{e1, e2, e3};
    s.enqueue(batch, t0);

    auto c = s.claim("wh_a", 10, t0 + 100, "node", t0 + 10'000);
    ASSERT_EQ(ids_of(c), std::vector<std::string>{delivery_of(e1)}) << "only the head is due";
    std::vector<attempt_result> r{success(delivery_of(e1), 1, t0 + 110)};
    s.complete(r);
    EXPECT_EQ(s.find_delivery(tenant, delivery_of(e1))->status, delivery_status::succeeded);
    EXPECT_EQ(s.find_delivery(tenant, delivery_of(e2))->status, delivery_status::pending)
        << "the next one is promoted";
    EXPECT_EQ(s.find_delivery(tenant, delivery_of(e2))->next_attempt_at_ms, t0 + 110);

    c = s.claim("wh_a", 10, t0 + 200, "node", t0 + 10'000);
    ASSERT_EQ(ids_of(c), std::vector<std::string>{delivery_of(e2)});
    r = {failure(delivery_of(e2), 1, t0 + 210, t0 + 5'000)};
    s.complete(r);
    const auto retrying = s.find_delivery(tenant, delivery_of(e2));
    EXPECT_EQ(retrying->status, delivery_status::pending);
    EXPECT_EQ(retrying->next_attempt_at_ms, t0 + 5'000);
    EXPECT_EQ(retrying->last_status_code, 500);
    EXPECT_EQ(s.find_delivery(tenant, delivery_of(e3))->status, delivery_status::queued)
        << "e3 waits while e2 retries";
    EXPECT_TRUE(s.claim("wh_a", 10, t0 + 4'999, "node", t0 + 10'000).empty());

    c = s.claim("wh_a", 10, t0 + 5'000, "node", t0 + 10'000);
    ASSERT_EQ(ids_of(c), std::vector<std::string>{delivery_of(e2)});
    EXPECT_EQ(c[0].attempts, 2U);
    r = {failure(delivery_of(e2), 2, t0 + 5'010, 0)};
    s.complete(r);
    const auto failed = s.find_delivery(tenant, delivery_of(e2));
    EXPECT_EQ(failed->status, delivery_status::failed);
    EXPECT_EQ(failed->completed_at_ms, t0 + 5'010);
    EXPECT_EQ(failed->next_attempt_at_ms, 0U);
    EXPECT_EQ(s.find_delivery(tenant, delivery_of(e3))->status, delivery_status::pending)
        << "a failed delivery lets the channel go on";
    EXPECT_EQ(s.backlog("wh_a"), 1U);
}

TEST_P(webhook_store_contract, attempts_are_recorded_with_every_field) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    event_factory f;
    const auto e1 = f.make("chat:a", {"wh_a"});
    std::vector<outbox_event> batch{e1};
    s.enqueue(batch, t0);
    (void)s.claim("wh_a", 1, t0 + 100, "node", t0 + 10'000);
    std::vector<attempt_result> r{failure(delivery_of(e1), 1, t0 + 130, t0 + 200)};
    r[0].attempt.error = "";
    s.complete(r);
    (void)s.claim("wh_a", 1, t0 + 200, "node", t0 + 10'000);
    r = {success(delivery_of(e1), 2, t0 + 260)};
    s.complete(r);
    const auto attempts = s.attempts(delivery_of(e1));
    ASSERT_EQ(attempts.size(), 2U);
    EXPECT_EQ(attempts[0].number, 1U);
    EXPECT_EQ(attempts[0].started_at_ms, t0 + 100);
    EXPECT_EQ(attempts[0].status_code, 500);
    EXPECT_EQ(attempts[0].latency_ms, 30U);
    EXPECT_EQ(attempts[0].response_body, "oops");
    EXPECT_EQ(attempts[1].number, 2U);
    EXPECT_EQ(attempts[1].status_code, 204);
    const auto d = s.find_delivery(tenant, delivery_of(e1));
    EXPECT_EQ(d->status, delivery_status::succeeded);
    EXPECT_EQ(d->attempts, 2U);
    EXPECT_EQ(d->last_status_code, 204);
    EXPECT_EQ(d->last_latency_ms, 12U);
    EXPECT_TRUE(s.attempts("dlv_unknown").empty());
}

TEST_P(webhook_store_contract, results_for_deliveries_not_in_flight_are_ignored) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    event_factory f;
    const auto e1 = f.make("chat:a", {"wh_a"});
    std::vector<outbox_event> batch{e1};
    s.enqueue(batch, t0);
    std::vector<attempt_result> r{success(delivery_of(e1), 1, t0 + 10),
                                  success("dlv_unknown", 1, t0)};
    EXPECT_TRUE(s.complete(r).empty());
    EXPECT_EQ(s.find_delivery(tenant, delivery_of(e1))->status, delivery_status::pending);
    EXPECT_TRUE(s.attempts(delivery_of(e1)).empty());
}

TEST_P(webhook_store_contract, health_counts_failures_since_the_last_success) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    event_factory f;
    std::vector<outbox_event> batch;
    for (int i = 0; i < 3; ++i) batch.push_back(f.make("chat:" + std::to_string(i), {"wh_a"}));
    s.enqueue(batch, t0);
    (void)s.claim("wh_a", 3, t0 + 100, "node", t0 + 10'000);
    std::vector<attempt_result> r{failure(delivery_of(batch[0]), 1, t0 + 200, t0 + 900),
                                  failure(delivery_of(batch[1]), 1, t0 + 300, t0 + 900)};
    auto health = s.complete(r);
    ASSERT_EQ(health.size(), 1U);
    EXPECT_EQ(health[0].id, "wh_a");
    EXPECT_EQ(health[0].consecutive_failures, 2U);
    EXPECT_EQ(health[0].failing_since_ms, t0 + 170) << "when the first failed attempt started";
    r = {success(delivery_of(batch[2]), 1, t0 + 400)};
    health = s.complete(r);
    ASSERT_EQ(health.size(), 1U);
    EXPECT_EQ(health[0].consecutive_failures, 0U);
    EXPECT_EQ(health[0].failing_since_ms, 0U);
}

TEST_P(webhook_store_contract, release_frees_the_owners_and_expired_leases_only) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    event_factory f;
    const auto mine = f.make("chat:a", {"wh_a"});
    const auto theirs = f.make("chat:b", {"wh_a"});
    const auto expired = f.make("chat:c", {"wh_a"});
    std::vector<outbox_event> a{mine}, b{theirs}, c{expired};
    s.enqueue(a, t0);
    ASSERT_EQ(s.claim("wh_a", 1, t0 + 10, "node-1", t0 + 60'000).size(), 1U);
    s.enqueue(b, t0);
    ASSERT_EQ(s.claim("wh_a", 1, t0 + 20, "node-2", t0 + 60'000).size(), 1U);
    s.enqueue(c, t0);
    ASSERT_EQ(s.claim("wh_a", 1, t0 + 30, "node-3", t0 + 1'000).size(), 1U);

    EXPECT_EQ(s.release("node-1", t0 + 5'000), 2U);
    const auto released = s.find_delivery(tenant, delivery_of(mine));
    EXPECT_EQ(released->status, delivery_status::pending);
    EXPECT_EQ(released->next_attempt_at_ms, t0 + 5'000) << "resumed at once";
    EXPECT_EQ(released->attempts, 1U);
    EXPECT_EQ(s.find_delivery(tenant, delivery_of(theirs))->status, delivery_status::in_flight)
        << "a live node's lease is kept";
    EXPECT_EQ(s.find_delivery(tenant, delivery_of(expired))->status, delivery_status::pending);
    const auto attempts = s.attempts(delivery_of(mine));
    ASSERT_EQ(attempts.size(), 1U);
    EXPECT_EQ(attempts[0].number, 1U);
    EXPECT_EQ(attempts[0].status_code, 0);
    EXPECT_NE(attempts[0].error.find("interrupted"), std::string::npos);
    const auto again = s.claim("wh_a", 10, t0 + 5'000, "node-1", t0 + 60'000);
    EXPECT_EQ(again.size(), 2U);
    for (const auto& d : again) EXPECT_EQ(d.attempts, 2U);
    EXPECT_EQ(s.release("*", t0 + 6'000), 3U) << "'*' releases every lease";
}

TEST_P(webhook_store_contract, redelivery_repeats_the_event_at_the_back_of_its_channel) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    event_factory f;
    const auto e1 = f.make("chat:a", {"wh_a"});
    std::vector<outbox_event> batch{e1};
    s.enqueue(batch, t0);
    (void)s.claim("wh_a", 1, t0 + 10, "node", t0 + 60'000);
    std::vector<attempt_result> r{success(delivery_of(e1), 1, t0 + 20)};
    s.complete(r);

    const auto again = s.redeliver(tenant, delivery_of(e1), "dlv_again", t0 + 100);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->id, "dlv_again");
    EXPECT_EQ(again->event_id, e1.event_id) << "the receiver can de-duplicate by event id";
    EXPECT_EQ(again->body, e1.body);
    EXPECT_EQ(again->redelivery_of, delivery_of(e1));
    EXPECT_EQ(again->status, delivery_status::pending);
    EXPECT_EQ(again->next_attempt_at_ms, t0 + 100);
    EXPECT_EQ(again->attempts, 0U);

    const auto behind = s.redeliver(tenant, delivery_of(e1), "dlv_behind", t0 + 200);
    ASSERT_TRUE(behind);
    EXPECT_EQ(behind->status, delivery_status::queued) << "behind the open dlv_again";
    EXPECT_FALSE(s.redeliver(other_tenant, delivery_of(e1), "dlv_x", t0));
    EXPECT_FALSE(s.redeliver(tenant, "dlv_unknown", "dlv_y", t0));
}

TEST_P(webhook_store_contract, disabling_switches_a_webhook_off_once) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    EXPECT_TRUE(s.disable_webhook("wh_a", "failing for 3 days", t0 + 7));
    EXPECT_FALSE(s.disable_webhook("wh_a", "again", t0 + 8));
    EXPECT_FALSE(s.disable_webhook("wh_missing", "x", t0));
    const auto w = s.find_webhook(tenant, "wh_a");
    EXPECT_FALSE(w->active);
    EXPECT_EQ(w->disabled_reason, "failing for 3 days");
    EXPECT_EQ(w->disabled_at_ms, t0 + 7);
}

TEST_P(webhook_store_contract, the_log_pages_newest_first_with_a_status_filter) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    ASSERT_TRUE(s.insert_webhook(hook("wh_b")));
    event_factory f;
    std::vector<outbox_event> batch;
    for (int i = 0; i < 5; ++i) batch.push_back(f.make("chat:" + std::to_string(i), {"wh_a"}));
    batch.push_back(f.make("chat:x", {"wh_b"}));
    s.enqueue(batch, t0);
    (void)s.claim("wh_a", 1, t0 + 10, "node", t0 + 60'000);
    std::vector<attempt_result> r{success(delivery_of(batch[0]), 1, t0 + 20)};
    s.complete(r);

    delivery_query q;
    q.tenant = tenant;
    q.webhook_id = "wh_a";
    q.limit = 3;
    auto page = s.list_deliveries(q);
    ASSERT_EQ(page.size(), 3U);
    EXPECT_EQ(page[0].id, delivery_of(batch[4]));
    EXPECT_EQ(page[2].id, delivery_of(batch[2]));
    q.before_seq = page.back().seq;
    page = s.list_deliveries(q);
    ASSERT_EQ(page.size(), 2U);
    EXPECT_EQ(page[1].id, delivery_of(batch[0]));
    q.before_seq.reset();
    q.status = delivery_status::succeeded;
    page = s.list_deliveries(q);
    ASSERT_EQ(page.size(), 1U);
    EXPECT_EQ(page[0].id, delivery_of(batch[0]));
    q.status.reset();
    q.tenant = other_tenant;
    EXPECT_TRUE(s.list_deliveries(q).empty());
    EXPECT_FALSE(s.find_delivery(other_tenant, delivery_of(batch[0])));
}

TEST_P(webhook_store_contract, deleting_a_webhook_deletes_its_deliveries_and_attempts) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    event_factory f;
    const auto e1 = f.make("chat:a", {"wh_a"});
    std::vector<outbox_event> batch{e1};
    s.enqueue(batch, t0);
    (void)s.claim("wh_a", 1, t0 + 10, "node", t0 + 60'000);
    EXPECT_FALSE(s.delete_webhook(other_tenant, "wh_a"));
    EXPECT_TRUE(s.delete_webhook(tenant, "wh_a"));
    EXPECT_FALSE(s.delete_webhook(tenant, "wh_a"));
    EXPECT_FALSE(s.find_webhook(tenant, "wh_a"));
    EXPECT_FALSE(s.find_delivery(tenant, delivery_of(e1)));
    std::vector<attempt_result> r{success(delivery_of(e1), 1, t0 + 20)};
    EXPECT_TRUE(s.complete(r).empty()) << "an answer arriving after the delete changes nothing";
    EXPECT_TRUE(s.attempts(delivery_of(e1)).empty());
    EXPECT_EQ(s.backlog("wh_a"), 0U);
}

TEST_P(webhook_store_contract, pruning_deletes_finished_deliveries_before_the_cutoff_only) {
    auto& s = conn_->webhooks();
    ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
    event_factory f;
    std::vector<outbox_event> batch;
    for (int i = 0; i < 4; ++i) batch.push_back(f.make("chat:" + std::to_string(i), {"wh_a"}));
    s.enqueue(batch, t0);
    (void)s.claim("wh_a", 3, t0 + 10, "node", t0 + 60'000);
    std::vector<attempt_result> r{success(delivery_of(batch[0]), 1, t0 + 100),
                                  failure(delivery_of(batch[1]), 1, t0 + 200, 0),
                                  success(delivery_of(batch[2]), 1, t0 + 900)};
    s.complete(r);
    EXPECT_EQ(s.prune_deliveries(t0 + 500, 100), 2U);
    EXPECT_FALSE(s.find_delivery(tenant, delivery_of(batch[0])));
    EXPECT_FALSE(s.find_delivery(tenant, delivery_of(batch[1])));
    EXPECT_TRUE(s.attempts(delivery_of(batch[0])).empty());
    EXPECT_TRUE(s.find_delivery(tenant, delivery_of(batch[2]))) << "completed after the cutoff";
    EXPECT_TRUE(s.find_delivery(tenant, delivery_of(batch[3]))) << "still open";
    EXPECT_EQ(s.prune_deliveries(t0 + 5'000, 100), 1U);
}

TEST_P(webhook_store_contract, the_outbox_survives_reopening_the_store) {
    {
        auto& s = conn_->webhooks();
        ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
        event_factory f;
        std::vector<outbox_event> batch{f.make("chat:a", {"wh_a"}), f.make("chat:a", {"wh_a"})};
        s.enqueue(batch, t0);
    }
    conn_.reset();
    store_.reset();
    store_ = db_->open();
    conn_ = store_->connect();
    EXPECT_EQ(conn_->webhooks().backlog("wh_a"), 2U);
    EXPECT_EQ(conn_->webhooks().claim("wh_a", 10, t0 + 10, "n", t0 + 100).size(), 1U);
}

TEST_P(webhook_store_contract, nodes_claiming_at_once_never_take_the_same_delivery) {
    {
        auto& s = conn_->webhooks();
        ASSERT_TRUE(s.insert_webhook(hook("wh_a")));
        event_factory f;
        std::vector<outbox_event> batch;
        for (int i = 0; i < 200; ++i)
            batch.push_back(f.make("chat:" + std::to_string(i), {"wh_a"}));
        s.enqueue(batch, t0);
    }
    constexpr int nodes = 4;
    std::vector<std::vector<std::string>> got(nodes);
    std::vector<std::thread> threads;
    for (int n = 0; n < nodes; ++n) {
        threads.emplace_back([&, n] {
            auto c = store_->connect();
            for (;;) {
                auto claimed = c->webhooks().claim("wh_a", 7, t0 + 1000,
                                                   "node-" + std::to_string(n), t0 + 9000);
                if (claimed.empty()) break;
                for (auto& d : claimed) got[static_cast<std::size_t>(n)].push_back(d.id);
            }
        });
    }
    for (auto& t : threads) t.join();
    std::set<std::string> all;
    std::size_t total = 0;
    for (const auto& g : got) {
        total += g.size();
        all.insert(g.begin(), g.end());
    }
    EXPECT_EQ(total, 200U);
    EXPECT_EQ(all.size(), 200U) << "no delivery was claimed twice";
}

}  // namespace sb::storage::testing
