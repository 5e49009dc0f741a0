#include "api/detail/member_sequence.hpp"

#include <gtest/gtest.h>

namespace sb::api::detail {
namespace {

const std::string added[2] = {"plain +x", "native +x"};
const std::string updated[2] = {"", "native ~x"};

struct outcome {
    bool went = false;
    std::vector<std::string> lacking;
};

member_sequence::release record(outcome& o) {
    return [&o](std::vector<std::string> lacking) {
        o.went = true;
        o.lacking = std::move(lacking);
    };
}

TEST(member_sequence, a_list_ahead_of_the_events_waits_for_them_and_gets_only_the_newer_ones) {
    member_sequence s(10, true);
    s.list_asked();
    EXPECT_FALSE(s.caught_up(12));  // events 11 and 12 are still on their way
    outcome o;
    s.wait(1000, 12, "1.1", 0, record(o));
    EXPECT_TRUE(s.received(11, "", added).empty());  // in the list: fanned out before the joiner is attached
    auto ready = s.received(12, "", added);
    ASSERT_EQ(ready.size(), 1u);
    ready[0]();
    EXPECT_TRUE(o.went);
    EXPECT_TRUE(o.lacking.empty());
}

TEST(member_sequence, a_list_behind_the_events_gets_those_that_went_out_before_it) {
    member_sequence s(10, true);
    s.list_asked();
    (void)s.received(11, "", added);
    (void)s.received(12, "2.2", added);  // excludes another socket
    (void)s.received(13, "1.1", added);  // excludes the joiner itself
    (void)s.received(14, "", updated);   // nothing for Pusher clients
    ASSERT_TRUE(s.caught_up(11));
    EXPECT_EQ(s.list_answered(11, "1.1", 0), (std::vector<std::string>{"plain +x"}));
    // Nothing is kept once no list is on its way.
    (void)s.received(15, "", added);
    s.list_asked();
    EXPECT_TRUE(s.list_answered(14, "1.1", 1).empty());
}

TEST(member_sequence, native_subscribers_get_the_native_texts) {
    member_sequence s(0, true);
    s.list_asked();
    (void)s.received(1, "", added);
    (void)s.received(2, "", updated);
    EXPECT_TRUE(s.list_answered(0, "1.1", 1).empty());  // version 0: unknown, so nothing is added
    s.list_asked();
    (void)s.received(3, "", added);
    EXPECT_EQ(s.list_answered(2, "1.1", 1), (std::vector<std::string>{"native +x"}));
}

TEST(member_sequence, a_list_that_waits_too_long_goes_anyway) {
    member_sequence s(10, true);
    s.list_asked();
    outcome o;
    s.wait(1000, 12, "1.1", 0, record(o));
    EXPECT_TRUE(s.expire(999).empty());
    auto late = s.expire(1000);
    ASSERT_EQ(late.size(), 1u);
    late[0]();
    EXPECT_TRUE(o.went);
}

TEST(member_sequence, without_a_known_start_lists_never_wait_until_an_event_says_where_the_stream_is) {
    member_sequence s(0, false);
    EXPECT_TRUE(s.caught_up(50));
    (void)s.received(40, "", added);
    EXPECT_FALSE(s.caught_up(50));
    EXPECT_TRUE(s.caught_up(40));
}

}  // namespace
}  // namespace sb::api::detail
