#include "core/rate_window.hpp"

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
