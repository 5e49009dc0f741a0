#include "broker/redis/detail/backoff.hpp"

#include <gtest/gtest.h>

namespace sb::broker::redis::detail {
namespace {

using std::chrono::milliseconds;

TEST(backoff, doubles_up_to_the_ceiling_with_jitter_in_the_upper_half) {
    backoff b(milliseconds(100), milliseconds(1000), 42);
    const std::int64_t ceilings[] = {100, 200, 400, 800, 1000, 1000, 1000};
    for (std::int64_t ceiling : ceilings) {
        const auto d = b.next().count();
        EXPECT_GE(d, ceiling / 2);
        EXPECT_LE(d, ceiling);
    }
    EXPECT_EQ(b.failures(), 7U);
}

TEST(backoff, reset_starts_over) {
    backoff b(milliseconds(100), milliseconds(5000), 7);
    for (int i = 0; i < 10; ++i) b.next();
    b.reset();
    EXPECT_EQ(b.failures(), 0U);
    EXPECT_LE(b.next().count(), 100);
}

TEST(backoff, different_seeds_spread_reconnects) {
    backoff a(milliseconds(1000), milliseconds(1000), 1);
    backoff b(milliseconds(1000), milliseconds(1000), 2);
    int differ = 0;
    for (int i = 0; i < 10; ++i) differ += a.next() != b.next() ? 1 : 0;
    EXPECT_GT(differ, 5);
}

TEST(backoff, survives_many_failures_without_overflow) {
    backoff b(milliseconds(100), milliseconds(30000), 3);
    for (int i = 0; i < 1000; ++i) {
        const auto d = b.next().count();
        ASSERT_GE(d, 50);
        ASSERT_LE(d, 30000);
    }
}

}  // namespace
}  // namespace sb::broker::redis::detail
