#include "core/rate_window.hpp"

#include "core/app.hpp"

#include <gtest/gtest.h>

namespace sb::core {

TEST(rate_window, allows_limit_per_second_then_refuses_until_next_second) {
    rate_window w;
    for (int i = 0; i < 50; ++i) EXPECT_TRUE(w.try_acquire(10'000 + i, 50));
    EXPECT_FALSE(w.try_acquire(10'500, 50));
    EXPECT_TRUE(w.try_acquire(11'000, 50));
}

TEST(rate_window, batches_count_as_many_messages) {
    rate_window w;
    EXPECT_TRUE(w.try_acquire(0, 10, 8));
    EXPECT_FALSE(w.try_acquire(1, 10, 3));
    EXPECT_TRUE(w.try_acquire(2, 10, 2));
}

TEST(rate_window, counts_only_what_it_accepted) {
    rate_window w;
    EXPECT_TRUE(w.try_acquire(0, 10, 8));
    EXPECT_FALSE(w.try_acquire(1, 10, 3));
    EXPECT_TRUE(w.try_acquire(1'000, 10, 5));
    EXPECT_EQ(w.accepted(), 13u);
}

TEST(tenant_runtime, other_nodes_recent_messages_come_off_the_limit) {
    tenant_runtime r;
    r.remote_messages_per_second = 30;
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(r.try_count_messages(5'000, 50));
    EXPECT_FALSE(r.try_count_messages(5'001, 50));
    r.remote_messages_per_second = 80;  // the others alone are over it: nothing more this second
    EXPECT_FALSE(r.try_count_messages(6'000, 50));
    r.remote_messages_per_second = 0;
    EXPECT_TRUE(r.try_count_messages(6'001, 50, 50));
}

TEST(token_bucket, refills_at_rate) {
    token_bucket b;
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(b.try_take(1000, 10));
    EXPECT_FALSE(b.try_take(1000, 10));
    EXPECT_FALSE(b.try_take(1050, 10));
    EXPECT_TRUE(b.try_take(1100, 10));
    EXPECT_FALSE(b.try_take(1100, 10));
}

TEST(token_bucket, zero_rate_means_unlimited) {
    token_bucket b;
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(b.try_take(5, 0));
}

}  // namespace sb::core
