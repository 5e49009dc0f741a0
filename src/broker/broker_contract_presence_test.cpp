// The broker contract, membership versions (broker.hpp): a member list and the member events
// around it line up by version, however the joins, leaves and lists of two nodes interleave.
#include "broker/broker_contract_fixture.hpp"

#include <set>

namespace sb::broker {
namespace {

class broker_presence_contract : public broker_contract {};

using member_set = std::set<std::string>;

member_set ids(const std::vector<presence_member>& members) {
    member_set out;
    for (const auto& m : members) out.insert(m.user_id);
    return out;
}

std::vector<const envelope*> member_events(const node& n) {
    std::vector<const envelope*> out;
    for (const auto& e : n.received)
        if (e.kind == envelope_kind::member_added || e.kind == envelope_kind::member_removed) out.push_back(&e);
    return out;
}

TEST_P(broker_presence_contract, member_lists_and_member_events_line_up_by_version_under_concurrent_changes) {
    const std::string topic = "app/production:presence-versions";
    const auto subscribed_a = subscribe(*a_, topic);
    ASSERT_TRUE(subscribed_a.ok);

    // Joins, leaves and lists from both nodes, all in flight at once: nothing is waited for.
    std::vector<presence_outcome> lists;
    std::size_t pending = 0;
    auto keep = [&](presence_outcome o) {
        --pending;
        if (o.ok && !o.full) lists.push_back(std::move(o));
    };
    auto ignore = [&](presence_outcome) { --pending; };
    std::mt19937 random(7);
    std::map<std::pair<node*, std::string>, int> joined;  // connections issued per node and user
    std::optional<subscribe_outcome> subscribed_b;
    for (int i = 0; i < 240; ++i) {
        node& n = (random() % 2) == 0 ? *a_ : *b_;
        const std::string user = "u" + std::to_string(random() % 12);
        int& mine = joined[{&n, user}];
        pending += 1;
        if (mine > 0 && random() % 2 == 0) {
            --mine;
            n.b->presence_leave(topic, member(topic, envelope_kind::member_removed, user), ignore);
        } else {
            ++mine;
            n.b->presence_join(topic, member(topic, envelope_kind::member_added, user), 0, keep);
        }
        if (i % 5 == 0) {
            pending += 1;
            n.b->presence_members(topic, keep);
        }
        // b starts listening half-way: it must get exactly the events after its version.
        if (i == 120) b_->b->subscribe(topic, [&](subscribe_outcome o) { subscribed_b = std::move(o); });
    }
    ASSERT_TRUE(run_until(context_, [&] { return pending == 0 && subscribed_b.has_value(); }, 20s));
    ASSERT_TRUE(subscribed_b->ok);
    ASSERT_TRUE(publish(*a_, topic, "sentinel").ok);
    for (node* n : {a_.get(), b_.get()})
        ASSERT_TRUE(run_until(context_, [&] { return !n->received.empty() && n->received.back().data == "sentinel"; }));

    // a heard every change, in strictly increasing versions above its subscription's.
    const auto events = member_events(*a_);
    ASSERT_FALSE(events.empty());
    std::uint64_t last = subscribed_a.member_version;
    for (const envelope* e : events) {
        EXPECT_GT(e->offset, last) << e->user_id;
        last = e->offset;
    }
    // b heard a's events from some point on, that point no later than the first event above the
    // version its subscription reported (events at or below it may come too: they were
    // published after the subscription was active but before the version was read).
    std::vector<std::uint64_t> all;
    for (const envelope* e : events) all.push_back(e->offset);
    std::vector<std::uint64_t> got_b;
    for (const envelope* e : member_events(*b_)) got_b.push_back(e->offset);
    const auto above = std::find_if(all.begin(), all.end(), [&](std::uint64_t v) { return v > subscribed_b->member_version; });
    const auto from = got_b.empty() ? all.end() : std::find(all.begin(), all.end(), got_b.front());
    EXPECT_LE(from - all.begin(), above - all.begin());
    EXPECT_EQ(got_b, std::vector<std::uint64_t>(from, all.end()));

    // Replaying the events from an empty channel: a list as of version V is exactly the state
    // after the events up to V, and the events after V take it, one real change each, to the end.
    std::optional<presence_outcome> final_list;
    a_->b->presence_members(topic, [&](presence_outcome o) { final_list = std::move(o); });
    ASSERT_TRUE(run_until(context_, [&] { return final_list.has_value(); }));
    ASSERT_TRUE(final_list->ok);
    EXPECT_EQ(final_list->version, events.back()->offset);
    ASSERT_GE(lists.size(), 40u);
    for (const auto& list : lists) {
        member_set replayed;
        member_set view = ids(list.members);
        for (const envelope* e : events) {
            const bool add = e->kind == envelope_kind::member_added;
            if (e->offset <= list.version) {
                if (add) replayed.insert(e->user_id);
                else replayed.erase(e->user_id);
                continue;
            }
            if (add) EXPECT_TRUE(view.insert(e->user_id).second) << e->user_id << " added twice, after version " << list.version;
            else EXPECT_EQ(view.erase(e->user_id), 1u) << e->user_id << " removed but not listed, version " << list.version;
        }
        EXPECT_EQ(ids(list.members), replayed) << "list as of version " << list.version;
        EXPECT_EQ(view, ids(final_list->members)) << "list as of version " << list.version;
    }
}

INSTANTIATE_TEST_SUITE_P(brokers, broker_presence_contract, ::testing::ValuesIn(every_broker()),
                         [](const ::testing::TestParamInfo<broker_kind>& param) { return param.param.name; });

}  // namespace
}  // namespace sb::broker
