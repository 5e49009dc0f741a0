#include "broker/broker_contract_fixture.hpp"

namespace sb::broker {
namespace {

TEST_P(broker_contract, publish_reaches_every_subscribed_node_exactly_once) {
    ASSERT_TRUE(subscribe(*a_, "t1").ok);
    ASSERT_TRUE(subscribe(*b_, "t1").ok);
    for (int i = 1; i <= 3; ++i) {
        const auto out = publish(*a_, "t1", "m" + std::to_string(i));
        ASSERT_TRUE(out.ok) << out.error;
        EXPECT_EQ(out.position.offset, static_cast<std::uint64_t>(i));
    }
    ASSERT_TRUE(run_until(context_, [&] { return a_->received.size() >= 3 && b_->received.size() >= 3; }));
    // A later message on the same topic proves nothing more of the first three is on its way.
    ASSERT_TRUE(publish(*b_, "t1", "last").ok);
    ASSERT_TRUE(run_until(context_, [&] { return a_->received.size() >= 4 && b_->received.size() >= 4; }));
    for (node* n : {a_.get(), b_.get()}) {
        ASSERT_EQ(n->received.size(), 4u);
        for (std::size_t i = 0; i < 4; ++i) {
            EXPECT_EQ(n->received[i].offset, i + 1);
            EXPECT_EQ(n->received[i].epoch, n->received[0].epoch);
        }
        EXPECT_EQ(n->received[0].data, "m1");
        EXPECT_EQ(n->received[3].data, "last");
        EXPECT_EQ(n->received[3].origin_node, "b");
    }
}

TEST_P(broker_contract, a_node_receives_only_topics_it_subscribed) {
    ASSERT_TRUE(subscribe(*a_, "t-only-a").ok);
    ASSERT_TRUE(subscribe(*a_, "t-both").ok);
    ASSERT_TRUE(subscribe(*b_, "t-both").ok);
    ASSERT_TRUE(publish(*a_, "t-only-a", "x").ok);
    ASSERT_TRUE(publish(*a_, "t-both", "sentinel").ok);
    ASSERT_TRUE(run_until(context_, [&] { return a_->received.size() >= 2 && !b_->received.empty(); }));
    ASSERT_EQ(b_->received.size(), 1u);
    EXPECT_EQ(b_->received[0].data, "sentinel");
}

TEST_P(broker_contract, unsubscribe_stops_delivery) {
    ASSERT_TRUE(subscribe(*a_, "t-unsub").ok);
    ASSERT_TRUE(subscribe(*b_, "t-unsub").ok);
    ASSERT_TRUE(subscribe(*b_, "t-sentinel").ok);
    b_->b->unsubscribe("t-unsub");
    // Unsubscribing is asynchronous; a round trip through the subscriber connection settles it.
    ASSERT_TRUE(subscribe(*b_, "t-settle").ok);
    ASSERT_TRUE(publish(*a_, "t-unsub", "gone").ok);
    ASSERT_TRUE(publish(*a_, "t-sentinel", "sentinel").ok);
    ASSERT_TRUE(run_until(context_, [&] { return !a_->received.empty() && !b_->received.empty(); }));
    ASSERT_EQ(b_->received.size(), 1u);
    EXPECT_EQ(b_->received[0].data, "sentinel");
}

TEST_P(broker_contract, numbering_continues_from_the_initial_position_only_when_the_broker_has_none) {
    publish_options first;
    first.initial = {41, "stored-epoch"};
    auto out = publish(*a_, "t-initial", "a", first);
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_EQ(out.position.offset, 42u);
    EXPECT_EQ(out.position.epoch, "stored-epoch");
    publish_options stale;
    stale.initial = {5, "other-epoch"};
    out = publish(*b_, "t-initial", "b", stale);
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_EQ(out.position.offset, 43u);
    EXPECT_EQ(out.position.epoch, "stored-epoch");
}

TEST_P(broker_contract, a_required_position_that_the_broker_lacks_publishes_nothing) {
    ASSERT_TRUE(subscribe(*b_, "t-required").ok);
    publish_options strict;
    strict.require_position = true;
    strict.initial = {3, "stale"};
    auto out = publish(*a_, "t-required", "not sent", strict);
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_TRUE(out.needs_position);
    publish_options known;
    known.initial = {10, "stored"};
    out = publish(*a_, "t-required", "sent", known);
    EXPECT_FALSE(out.needs_position);
    EXPECT_EQ(out.position.offset, 11u);
    out = publish(*a_, "t-required", "sent too", strict);  // known now: strict is fine
    EXPECT_FALSE(out.needs_position);
    EXPECT_EQ(out.position.offset, 12u);
    ASSERT_TRUE(run_until(context_, [&] { return b_->received.size() >= 2; }));
    EXPECT_EQ(b_->received[0].data, "sent");
}

TEST_P(broker_contract, offsets_increase_in_delivery_order_with_two_publishers) {
    ASSERT_TRUE(subscribe(*b_, "t-two").ok);
    int answered = 0;
    for (int i = 0; i < 20; ++i)
        for (node* n : {a_.get(), b_.get()}) {
            envelope e;
            e.channel = "t-two";
            e.data = std::to_string(i);
            n->b->publish("t-two", std::move(e), {}, [&](publish_outcome o) { answered += o.ok ? 1 : 0; });
        }
    ASSERT_TRUE(run_until(context_, [&] { return answered == 40 && b_->received.size() >= 40; }));
    ASSERT_EQ(b_->received.size(), 40u);
    for (std::size_t i = 0; i < 40; ++i) EXPECT_EQ(b_->received[i].offset, i + 1);
}

TEST_P(broker_contract, subscribe_reports_the_position_and_the_live_cached_event) {
    publish_options cached;
    cached.cache_ttl_ms = 60'000;
    ASSERT_TRUE(publish(*a_, "t-cache", "first", cached).ok);
    ASSERT_TRUE(publish(*a_, "t-cache", "second", cached).ok);
    const auto out = subscribe(*b_, "t-cache");
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_EQ(out.position.offset, 2u);
    ASSERT_TRUE(out.cached.has_value());
    EXPECT_EQ(out.cached->data, "second");
    EXPECT_EQ(out.cached->offset, 2u);

    const auto fresh = subscribe(*b_, "t-never-published");
    ASSERT_TRUE(fresh.ok);
    EXPECT_EQ(fresh.position.offset, 0u);
    EXPECT_FALSE(fresh.cached.has_value());
}

TEST_P(broker_contract, presence_announces_a_user_once_however_many_nodes_and_connections_join_and_leave) {
    const std::string topic = "app/production:presence-room";
    ASSERT_TRUE(subscribe(*a_, topic).ok);
    ASSERT_TRUE(subscribe(*b_, topic).ok);
    std::vector<presence_outcome> answers;
    // u1 joins twice on a, once on b; u2 once on b.
    answers.push_back(join(*a_, topic, member(topic, envelope_kind::member_added, "u1", R"({"n":1})")));
    answers.push_back(join(*a_, topic, member(topic, envelope_kind::member_added, "u1", R"({"n":1})")));
    answers.push_back(join(*b_, topic, member(topic, envelope_kind::member_added, "u1", R"({"n":1})")));
    answers.push_back(join(*b_, topic, member(topic, envelope_kind::member_added, "u2", R"({"n":2})")));
    for (const auto& o : answers) ASSERT_TRUE(o.ok) << o.error;
    EXPECT_TRUE(answers[0].changed);
    EXPECT_FALSE(answers[1].changed);
    EXPECT_FALSE(answers[2].changed);
    EXPECT_TRUE(answers[3].changed);
    EXPECT_EQ(answers[3].members.size(), 2u);

    EXPECT_FALSE(leave(*a_, topic, member(topic, envelope_kind::member_removed, "u1")).changed);
    EXPECT_FALSE(leave(*b_, topic, member(topic, envelope_kind::member_removed, "u1")).changed);
    EXPECT_TRUE(leave(*a_, topic, member(topic, envelope_kind::member_removed, "u1")).changed);

    // Sentinel: a publication after the presence changes.
    ASSERT_TRUE(publish(*a_, topic, "sentinel").ok);
    for (node* n : {a_.get(), b_.get()}) {
        ASSERT_TRUE(run_until(context_, [&] { return !n->received.empty() && n->received.back().data == "sentinel"; }));
        std::vector<std::string> seen;
        for (const auto& e : n->received)
            if (e.kind != envelope_kind::message) seen.push_back(std::to_string(static_cast<int>(e.kind)) + e.user_id);
        EXPECT_EQ(seen, (std::vector<std::string>{"1u1", "1u2", "2u1"}));
        for (const auto& e : n->received) {
            if (e.kind == envelope_kind::member_removed) {
                EXPECT_EQ(e.data, R"({"n":1})");  // the member's info
            }
        }
    }
    std::optional<presence_outcome> members;
    a_->b->presence_members(topic, [&](presence_outcome o) { members = std::move(o); });
    ASSERT_TRUE(run_until(context_, [&] { return members.has_value(); }));
    ASSERT_EQ(members->members.size(), 1u);
    EXPECT_EQ(members->members[0], (presence_member{"u2", R"({"n":2})"}));
}

TEST_P(broker_contract, presence_refuses_a_new_user_when_the_channel_is_full_cluster_wide) {
    const std::string topic = "app/production:presence-full";
    EXPECT_FALSE(join(*a_, topic, member(topic, envelope_kind::member_added, "u1"), 2).full);
    EXPECT_FALSE(join(*b_, topic, member(topic, envelope_kind::member_added, "u2"), 2).full);
    EXPECT_TRUE(join(*b_, topic, member(topic, envelope_kind::member_added, "u3"), 2).full);
    EXPECT_FALSE(join(*a_, topic, member(topic, envelope_kind::member_added, "u1"), 2).full);  // a member: fine
}

TEST_P(broker_contract, presence_update_reaches_every_node_for_members_only) {
    const std::string topic = "app/production:presence-update";
    ASSERT_TRUE(subscribe(*b_, topic).ok);
    std::vector<presence_outcome> answers;
    auto keep = [&](presence_outcome o) { answers.push_back(std::move(o)); };
    a_->b->presence_join(topic, member(topic, envelope_kind::member_added, "u1", "{}"), 0, keep);
    a_->b->presence_update(topic, member(topic, envelope_kind::member_updated, "u1", R"({"away":true})"), keep);
    a_->b->presence_update(topic, member(topic, envelope_kind::member_updated, "nobody", "{}"), keep);
    ASSERT_TRUE(run_until(context_, [&] { return answers.size() == 3; }));
    EXPECT_TRUE(answers[1].changed);
    EXPECT_FALSE(answers[2].changed);
    ASSERT_TRUE(run_until(context_, [&] { return b_->received.size() >= 2; }));
    EXPECT_EQ(b_->received[1].kind, envelope_kind::member_updated);
    EXPECT_EQ(b_->received[1].data, R"({"away":true})");
}

TEST_P(broker_contract, a_node_that_goes_away_loses_its_members_with_one_member_removed) {
    const std::string topic = "app/production:presence-crash";
    ASSERT_TRUE(subscribe(*a_, topic).ok);
    std::vector<presence_outcome> answers;
    answers.push_back(join(*b_, topic, member(topic, envelope_kind::member_added, "gone", R"({"x":1})")));
    answers.push_back(join(*b_, topic, member(topic, envelope_kind::member_added, "gone", R"({"x":1})")));
    answers.push_back(join(*a_, topic, member(topic, envelope_kind::member_added, "stays")));
    answers.push_back(join(*b_, topic, member(topic, envelope_kind::member_added, "stays")));
    b_.reset();  // the node dies without leaving
    ASSERT_TRUE(run_until(context_, [&] {
        for (const auto& e : a_->received)
            if (e.kind == envelope_kind::member_removed) return true;
        return false;
    }, 20s));
    ASSERT_TRUE(publish(*a_, topic, "sentinel").ok);
    ASSERT_TRUE(run_until(context_, [&] { return a_->received.back().data == "sentinel"; }));
    int removed = 0;
    for (const auto& e : a_->received)
        if (e.kind == envelope_kind::member_removed) {
            ++removed;
            EXPECT_EQ(e.user_id, "gone");
            EXPECT_EQ(e.data, R"({"x":1})");
        }
    EXPECT_EQ(removed, 1);
    std::optional<presence_outcome> members;
    a_->b->presence_members(topic, [&](presence_outcome o) { members = std::move(o); });
    ASSERT_TRUE(run_until(context_, [&] { return members.has_value(); }));
    ASSERT_EQ(members->members.size(), 1u);
    EXPECT_EQ(members->members[0].user_id, "stays");
}

TEST_P(broker_contract, channel_counts_sum_every_node) {
    a_->b->count_subscriptions("app/production:c1", 2, nullptr);
    b_->b->count_subscriptions("app/production:c1", 1, nullptr);
    b_->b->count_subscriptions("app/production:c2", 1, nullptr);
    b_->b->count_subscriptions("app/production:c2", -1, nullptr);  // vacant again: left out
    a_->b->count_subscriptions("app/production:c10", 1, nullptr);
    a_->b->count_subscriptions("other/production:c1", 1, nullptr);
    std::optional<std::vector<channel_count>> one, all, settle;
    // a's counts travel on a's connection: a query through a orders them before b's queries.
    a_->b->channel_counts("x", true, [&](std::vector<channel_count> c) { settle = std::move(c); });
    ASSERT_TRUE(run_until(context_, [&] { return settle.has_value(); }));
    // Commands of one node run in order, so b's counts are in before its query.
    b_->b->channel_counts("app/production:c1", true, [&](std::vector<channel_count> c) { one = std::move(c); });
    b_->b->channel_counts("app/production:c", false, [&](std::vector<channel_count> c) { all = std::move(c); });
    ASSERT_TRUE(run_until(context_, [&] { return one.has_value() && all.has_value(); }));
    ASSERT_EQ(one->size(), 1u);
    EXPECT_EQ((*one)[0], (channel_count{"app/production:c1", 3, 0}));
    std::sort(all->begin(), all->end(), [](const auto& x, const auto& y) { return x.topic < y.topic; });
    EXPECT_EQ(*all, (std::vector<channel_count>{{"app/production:c1", 3, 0}, {"app/production:c10", 1, 0}}));
}

TEST_P(broker_contract, broadcast_reaches_every_node_including_the_sender) {
    envelope e;
    e.kind = envelope_kind::terminate_user;
    e.tenant = "app/production";
    e.user_id = "u1";
    a_->b->broadcast(e);
    ASSERT_TRUE(run_until(context_, [&] { return !a_->received.empty() && !b_->received.empty(); }));
    EXPECT_EQ(b_->received[0].kind, envelope_kind::terminate_user);
    EXPECT_EQ(b_->received[0].user_id, "u1");
}

TEST_P(broker_contract, connection_counts_report_the_other_nodes) {
    std::optional<std::map<std::string, std::int64_t>> first, second;
    a_->b->exchange_connection_counts({{"app/production", 3}, {"x/production", 1}},
                                      [&](std::map<std::string, std::int64_t> m) { first = std::move(m); });
    ASSERT_TRUE(run_until(context_, [&] { return first.has_value(); }));
    b_->b->exchange_connection_counts({{"app/production", 2}},
                                      [&](std::map<std::string, std::int64_t> m) { second = std::move(m); });
    ASSERT_TRUE(run_until(context_, [&] { return second.has_value(); }));
    EXPECT_EQ(second->at("app/production"), 3);
    EXPECT_EQ(second->at("x/production"), 1);
}

occupancy count(boost::asio::io_context& context, node& n, const std::string& topic, std::int64_t delta) {
    std::optional<occupancy> got;
    n.b->count_subscriptions(topic, delta, [&](occupancy o) { got = o; });
    EXPECT_TRUE(run_until(context, [&] { return got.has_value(); }));
    return got.value_or(occupancy::unchanged);
}

TEST_P(broker_contract, exactly_one_node_sees_the_cluster_wide_count_cross_zero) {
    const std::string topic = "app/production:occupancy";
    EXPECT_EQ(count(context_, *a_, topic, 1), occupancy::occupied);
    EXPECT_EQ(count(context_, *b_, topic, 1), occupancy::unchanged);
    EXPECT_EQ(count(context_, *a_, topic, 1), occupancy::unchanged);
    EXPECT_EQ(count(context_, *a_, topic, -2), occupancy::unchanged);
    EXPECT_EQ(count(context_, *b_, topic, -1), occupancy::vacated);
    EXPECT_EQ(count(context_, *b_, topic, 1), occupancy::occupied);
    EXPECT_EQ(count(context_, *b_, topic, -1), occupancy::vacated);

    // Racing: both nodes join and leave at once; crossings still pair up, one per node's view.
    int occupied = 0;
    int vacated = 0;
    int answered = 0;
    auto tally = [&](occupancy o) {
        occupied += o == occupancy::occupied;
        vacated += o == occupancy::vacated;
        ++answered;
    };
    for (int i = 0; i < 10; ++i)
        for (node* n : {a_.get(), b_.get()}) {
            n->b->count_subscriptions(topic, 1, tally);
            n->b->count_subscriptions(topic, -1, tally);
        }
    ASSERT_TRUE(run_until(context_, [&] { return answered == 40; }));
    EXPECT_EQ(occupied, vacated);
    EXPECT_GE(occupied, 1);
}

TEST_P(broker_contract, a_dead_node_is_reported_once_by_one_survivor_members_and_vacated_channels) {
    const std::string shared = "app/production:presence-reaped";
    const std::string only_b = "app/production:only-b";
    ASSERT_TRUE(subscribe(*a_, shared).ok);
    for (int i = 0; i < 2; ++i) (void)count(context_, *b_, shared, 1);
    (void)count(context_, *a_, shared, 1);
    (void)count(context_, *b_, only_b, 1);
    (void)join(*b_, shared, member(shared, envelope_kind::member_added, "gone", R"({"g":1})"));
    (void)join(*b_, shared, member(shared, envelope_kind::member_added, "both"));
    (void)join(*a_, shared, member(shared, envelope_kind::member_added, "both"));
    b_.reset();
    ASSERT_TRUE(run_until(context_, [&] { return a_->changes.size() >= 2; }, 20s));
    // A sentinel through the broker: any further report would have come before it.
    ASSERT_TRUE(publish(*a_, shared, "sentinel").ok);
    ASSERT_TRUE(run_until(context_, [&] { return a_->received.back().data == "sentinel"; }));
    std::sort(a_->changes.begin(), a_->changes.end(),
              [](const auto& x, const auto& y) { return x.topic < y.topic; });
    EXPECT_EQ(a_->changes, (std::vector<cluster_change>{
                               {cluster_change::what::vacated, only_b, "", ""},
                               {cluster_change::what::member_removed, shared, "gone", R"({"g":1})"},
                           }));
    std::optional<std::vector<channel_count>> counts;
    a_->b->channel_counts("app/production:", false, [&](std::vector<channel_count> c) { counts = std::move(c); });
    ASSERT_TRUE(run_until(context_, [&] { return counts.has_value(); }));
    EXPECT_EQ(*counts, (std::vector<channel_count>{{shared, 1, 1}}));
}

TEST_P(broker_contract, an_idempotency_key_publishes_once_whichever_node_receives_the_repeat) {
    const std::string topic = "app/production:idem";
    ASSERT_TRUE(subscribe(*a_, topic).ok);
    publish_options keyed;
    keyed.idempotency_key = "order-1";
    keyed.idempotency_window_ms = 60'000;
    envelope e;
    e.channel = topic;
    e.data = "first";
    e.id = "msg_first";
    e.created_at_ms = 1234;
    std::optional<publish_outcome> first;
    a_->b->publish(topic, e, keyed, [&](publish_outcome o) { first = std::move(o); });
    ASSERT_TRUE(run_until(context_, [&] { return first.has_value(); }));
    ASSERT_TRUE(first->ok);
    EXPECT_FALSE(first->duplicate);
    const auto again = publish(*b_, topic, "repeat", keyed);
    ASSERT_TRUE(again.ok) << again.error;
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.position.offset, first->position.offset);
    EXPECT_EQ(again.position.epoch, first->position.epoch);
    EXPECT_EQ(again.id, "msg_first");
    EXPECT_EQ(again.created_at_ms, 1234u);
    publish_options other = keyed;
    other.idempotency_key = "order-2";
    EXPECT_FALSE(publish(*b_, topic, "another key", other).duplicate);
    publish_options brief = keyed;
    brief.idempotency_key = "order-3";
    brief.idempotency_window_ms = 100;
    EXPECT_FALSE(publish(*a_, topic, "brief", brief).duplicate);
    std::this_thread::sleep_for(150ms);
    EXPECT_FALSE(publish(*b_, topic, "after the window", brief).duplicate);
    ASSERT_TRUE(publish(*a_, topic, "sentinel").ok);
    ASSERT_TRUE(run_until(context_, [&] { return !a_->received.empty() && a_->received.back().data == "sentinel"; }));
    std::vector<std::string> got;
    for (const auto& r : a_->received) got.push_back(r.data);
    EXPECT_EQ(got, (std::vector<std::string>{"first", "another key", "brief", "after the window", "sentinel"}));
}

TEST_P(broker_contract, nodes_register_their_counts_and_members_again_after_the_store_lost_them) {
    const std::string topic = "app/production:presence-rebuilt";
    ASSERT_TRUE(subscribe(*a_, topic).ok);
    ASSERT_TRUE(subscribe(*b_, topic).ok);
    (void)count(context_, *a_, topic, 2);
    (void)count(context_, *b_, topic, 1);
    (void)join(*a_, topic, member(topic, envelope_kind::member_added, "u1", R"({"n":1})"));
    (void)join(*a_, topic, member(topic, envelope_kind::member_added, "u1", R"({"n":1})"));
    (void)join(*b_, topic, member(topic, envelope_kind::member_added, "u1", R"({"n":1})"));
    (void)join(*b_, topic, member(topic, envelope_kind::member_added, "u2", R"({"n":2})"));
    (void)leave(*a_, topic, member(topic, envelope_kind::member_removed, "u1"));
    if (!factory_->lose_data(context_)) GTEST_SKIP() << "this broker keeps no shared store to lose";
    auto members = [&] {
        std::optional<presence_outcome> got;
        a_->b->presence_members(topic, [&](presence_outcome o) { got = std::move(o); });
        EXPECT_TRUE(run_until(context_, [&] { return got.has_value(); }));
        auto m = got.value_or(presence_outcome{}).members;
        std::sort(m.begin(), m.end(), [](const auto& x, const auto& y) { return x.user_id < y.user_id; });
        return m;
    };
    auto counts = [&] {
        std::optional<std::vector<channel_count>> got;
        b_->b->channel_counts(topic, true, [&](std::vector<channel_count> c) { got = std::move(c); });
        EXPECT_TRUE(run_until(context_, [&] { return got.has_value(); }));
        return got.value_or(std::vector<channel_count>{});
    };
    // Found within a heartbeat (node_ttl / 3): both nodes are missing from the node set.
    ASSERT_TRUE(run_until(context_, [&] {
        const auto c = counts();
        return c.size() == 1 && c[0].subscriptions == 3 && members().size() == 2;
    }, 10s));
    EXPECT_EQ(counts()[0], (channel_count{topic, 3, 2}));
    EXPECT_EQ(members(), (std::vector<presence_member>{{"u1", R"({"n":1})"}, {"u2", R"({"n":2})"}}));
    // Nothing was announced: to every observer these users never left.
    ASSERT_TRUE(publish(*a_, topic, "sentinel").ok);
    for (node* n : {a_.get(), b_.get()}) {
        ASSERT_TRUE(run_until(context_, [&] { return !n->received.empty() && n->received.back().data == "sentinel"; }));
        int member_events_after_loss = 0;
        bool lost = false;
        for (const auto& e : n->received) {
            if (e.kind == envelope_kind::member_added && e.user_id == "u2") lost = true;  // the last before the loss
            else if (lost && e.kind != envelope_kind::message) ++member_events_after_loss;
        }
        EXPECT_EQ(member_events_after_loss, 0);
        EXPECT_TRUE(n->changes.empty());
    }
    // And the counts go on from there: the last connections leaving empty the channel once.
    EXPECT_TRUE(leave(*a_, topic, member(topic, envelope_kind::member_removed, "u1")).changed == false);
    EXPECT_TRUE(leave(*b_, topic, member(topic, envelope_kind::member_removed, "u1")).changed);
    EXPECT_EQ(count(context_, *a_, topic, -2), occupancy::unchanged);
    EXPECT_EQ(count(context_, *b_, topic, -1), occupancy::vacated);
}

INSTANTIATE_TEST_SUITE_P(brokers, broker_contract, ::testing::ValuesIn(every_broker()),
                         [](const ::testing::TestParamInfo<broker_kind>& param) { return param.param.name; });

}  // namespace
}  // namespace sb::broker
