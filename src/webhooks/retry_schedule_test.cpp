#include "webhooks/retry_schedule.hpp"

#include <gtest/gtest.h>

#include <random>

namespace sb::webhooks {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t t0 = 1'700'000'000'000;  // the injected clock: tests pass the time
constexpr double no_jitter = 0.5;                // the middle of [0, 1): factor 1

// Walks the schedule from attempt 1 at t0 with the given dice, returning every attempt's time.
std::vector<std::uint64_t> attempt_times(const retry_schedule& s, double dice) {
    std::vector<std::uint64_t> times{t0};
    while (auto next =
               next_attempt_at(s, static_cast<std::uint32_t>(times.size()), times.back(), dice))
        times.push_back(*next);
    return times;
}

TEST(retry_schedule, native_default_starts_fast_then_goes_hourly_until_a_day) {
    const auto times = attempt_times(retry_schedule::native_default(), no_jitter);
    ASSERT_GE(times.size(), 8U);
    const std::vector<std::uint64_t> first_gaps{5'000,     30'000,    120'000,  600'000,
                                                1'800'000, 3'600'000, 3'600'000};
    for (std::size_t i = 0; i < first_gaps.size(); ++i)
        EXPECT_EQ(times[i + 1] - times[i], first_gaps[i]) << i;
    for (std::size_t i = 7; i + 1 < times.size(); ++i)
        EXPECT_EQ(times[i + 1] - times[i], 3'600'000U) << i;
    EXPECT_LE(times.back() - t0, 24U * 3'600'000) << "nothing is planned past 24 hours";
    EXPECT_GT(times.back() - t0 + 3'600'000, 24U * 3'600'000) << "hourly until the day is over";
    EXPECT_EQ(times.size(), 29U);
    EXPECT_EQ(max_attempts(retry_schedule::native_default()), 29U);
}

TEST(retry_schedule, pusher_default_gives_up_after_five_minutes) {
    const auto s = retry_schedule::pusher_default();
    const auto times = attempt_times(s, no_jitter);
    EXPECT_EQ(times.size(), 7U);
    EXPECT_LE(times.back() - t0, 300'000U);
    EXPECT_GE(times.back() - t0, 240'000U) << "about five minutes in all";
    EXPECT_EQ(times[1] - times[0], 5'000U) << "the first retry is fast";
}

TEST(retry_schedule, jitter_stays_within_its_bounds_and_spreads_retries) {
    const auto s = retry_schedule::native_default();
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> dice(0.0, 1.0);
    std::uint64_t lowest = UINT64_MAX, highest = 0;
    for (int i = 0; i < 10'000; ++i) {
        const auto at = next_attempt_at(s, 1, t0, dice(rng));
        ASSERT_TRUE(at);
        lowest = std::min(lowest, *at - t0);
        highest = std::max(highest, *at - t0);
    }
    EXPECT_GE(lowest, 4'000U);
    EXPECT_LE(highest, 6'000U);
    EXPECT_LT(lowest, 4'100U) << "the low end is reached";
    EXPECT_GT(highest, 5'900U) << "the high end is reached";
    EXPECT_EQ(next_attempt_at(s, 1, t0, 0.0), t0 + 4'000);
    EXPECT_EQ(next_attempt_at(s, 2, t0, 0.999999), t0 + 36'000);
}

TEST(retry_schedule, jitter_never_changes_how_many_attempts_are_made) {
    const auto s = retry_schedule::native_default();
    EXPECT_EQ(attempt_times(s, 0.0).size(), 29U);
    EXPECT_EQ(attempt_times(s, 0.999).size(), 29U);
}

TEST(retry_schedule, a_schedule_without_delays_makes_one_attempt) {
    retry_schedule s{{}, 1h, 0.2};
    EXPECT_EQ(max_attempts(s), 1U);
    EXPECT_FALSE(next_attempt_at(s, 1, t0, no_jitter));
    retry_schedule zero{{0ms}, 0ms, 0.2};
    EXPECT_EQ(max_attempts(zero), 10'000U) << "zero delays are capped, not endless";
}

TEST(retry_schedule, a_short_test_schedule_retries_quickly) {
    retry_schedule s{{200ms, 200ms}, 1s, 0.0};
    EXPECT_EQ(attempt_times(s, no_jitter),
              (std::vector<std::uint64_t>{t0, t0 + 200, t0 + 400, t0 + 600, t0 + 800, t0 + 1000}));
}

storage::delivery_record in_flight(std::uint32_t attempts) {
    storage::delivery_record d;
    d.id = "dlv_1";
    d.attempts = attempts;
    return d;
}

TEST(settle, a_2xx_answer_succeeds) {
    attempt_answer a;
    a.status = 204;
    a.latency_ms = 12;
    const auto r =
        settle(retry_schedule::native_default(), in_flight(1), a, t0, t0 + 12, no_jitter);
    EXPECT_TRUE(r.succeeded);
    EXPECT_EQ(r.delivery_id, "dlv_1");
    EXPECT_EQ(r.attempt.number, 1U);
    EXPECT_EQ(r.attempt.started_at_ms, t0);
    EXPECT_EQ(r.attempt.status_code, 204);
    EXPECT_EQ(r.attempt.latency_ms, 12U);
    EXPECT_EQ(r.now_ms, t0 + 12);
    EXPECT_EQ(r.next_attempt_at_ms, 0U);
}

TEST(settle, other_answers_and_no_answer_are_retried_then_fail) {
    const auto s = retry_schedule::native_default();
    attempt_answer server_error;
    server_error.status = 500;
    server_error.body = std::string(5000, 'x');
    auto r = settle(s, in_flight(1), server_error, t0, t0 + 30, no_jitter);
    EXPECT_FALSE(r.succeeded);
    EXPECT_EQ(r.next_attempt_at_ms, t0 + 30 + 5'000);
    EXPECT_EQ(r.attempt.error, "HTTP 500");
    EXPECT_EQ(r.attempt.response_body.size(), kept_response_bytes);

    attempt_answer redirect;
    redirect.status = 301;
    EXPECT_FALSE(settle(s, in_flight(1), redirect, t0, t0, no_jitter).succeeded)
        << "redirects are not followed";

    attempt_answer timeout;
    timeout.error = "timed out after 10000 ms";
    r = settle(s, in_flight(2), timeout, t0, t0 + 10'000, no_jitter);
    EXPECT_EQ(r.attempt.status_code, 0);
    EXPECT_EQ(r.attempt.error, "timed out after 10000 ms");
    EXPECT_EQ(r.next_attempt_at_ms, t0 + 10'000 + 30'000);

    r = settle(s, in_flight(max_attempts(s)), timeout, t0, t0, no_jitter);
    EXPECT_FALSE(r.succeeded);
    EXPECT_EQ(r.next_attempt_at_ms, 0U) << "the last attempt failed: the delivery fails";
}

TEST(parse_duration, takes_seconds_or_a_unit) {
    EXPECT_EQ(parse_duration("5"), 5s);
    EXPECT_EQ(parse_duration("0.25"), 250ms);
    EXPECT_EQ(parse_duration("250ms"), 250ms);
    EXPECT_EQ(parse_duration("5s"), 5s);
    EXPECT_EQ(parse_duration("2m"), 2min);
    EXPECT_EQ(parse_duration("1h"), 1h);
    EXPECT_EQ(parse_duration("1d"), 24h);
    EXPECT_FALSE(parse_duration(""));
    EXPECT_FALSE(parse_duration("-5s"));
    EXPECT_FALSE(parse_duration("5 weeks"));
    EXPECT_FALSE(parse_duration("s"));
}

}  // namespace
}  // namespace sb::webhooks
