#include "load/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace sb::bench {
namespace {

std::uint64_t reference_percentile(std::vector<std::uint64_t> values, double q) {
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

TEST(histogram, buckets_cover_every_value_without_gaps) {
    for (std::size_t i = 0; i + 1 < histogram::bucket_count; ++i) {
        EXPECT_EQ(histogram::highest_of(i) + 1, histogram::lowest_of(i + 1)) << i;
        EXPECT_EQ(histogram::index_of(histogram::lowest_of(i)), i);
        EXPECT_EQ(histogram::index_of(histogram::highest_of(i)), i);
    }
    EXPECT_EQ(histogram::index_of(histogram::max_value), histogram::bucket_count - 1);
    EXPECT_EQ(histogram::index_of(UINT64_MAX), histogram::bucket_count - 1);
}

TEST(histogram, small_values_are_exact) {
    histogram h;
    for (std::uint64_t v = 0; v < 256; ++v) h.record(v);
    EXPECT_EQ(h.percentile(0.5), 127U);
    EXPECT_EQ(h.percentile(1.0), 255U);
    EXPECT_EQ(h.min(), 0U);
    EXPECT_EQ(h.max(), 255U);
}

TEST(histogram, percentiles_match_a_sorted_reference_within_one_bucket) {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> latency(std::log(2e6), 1.0);  // ~2 ms, long tail
    std::vector<std::uint64_t> values;
    histogram h;
    for (int i = 0; i < 200'000; ++i) {
        const auto v = static_cast<std::uint64_t>(latency(rng));
        values.push_back(v);
        h.record(v);
    }
    for (const double q : {0.0, 0.01, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
        const std::uint64_t want = reference_percentile(values, q);
        const std::uint64_t got = h.percentile(q);
        EXPECT_GE(got, want) << q;  // the bucket's upper bound
        EXPECT_LE(static_cast<double>(got - want), static_cast<double>(want) / 128.0 + 1) << q;
        EXPECT_EQ(histogram::index_of(got), histogram::index_of(want)) << q;
    }
    EXPECT_EQ(h.count(), values.size());
    EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
}

TEST(histogram, merging_equals_recording_everything_in_one) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::uint64_t> d(0, 5'000'000'000ULL);
    histogram a;
    histogram b;
    histogram all;
    for (int i = 0; i < 50'000; ++i) {
        const auto v = d(rng);
        (i % 3 == 0 ? a : b).record(v);
        all.record(v);
    }
    histogram merged;
    merged.merge(a);
    merged.merge(b);
    for (const double q : {0.5, 0.99, 0.999}) EXPECT_EQ(merged.percentile(q), all.percentile(q));
    EXPECT_EQ(merged.count(), all.count());
    EXPECT_EQ(merged.min(), all.min());
    EXPECT_EQ(merged.max(), all.max());
}

TEST(histogram, survives_the_trip_through_a_worker_pipe) {
    histogram h;
    for (std::uint64_t v = 1; v < 10'000'000; v = v * 3 + 1) h.record_n(v, v % 7 + 1);
    std::vector<std::uint64_t> wire;
    h.serialize(wire);
    histogram back;
    std::size_t pos = 0;
    ASSERT_TRUE(back.merge_serialized(wire, pos));
    EXPECT_EQ(pos, wire.size());
    EXPECT_EQ(back.count(), h.count());
    EXPECT_EQ(back.percentile(0.99), h.percentile(0.99));
    EXPECT_EQ(back.min(), h.min());
    EXPECT_EQ(back.max(), h.max());
}

TEST(histogram, rejects_a_truncated_or_corrupt_wire_form) {
    histogram h;
    h.record(12345);
    std::vector<std::uint64_t> wire;
    h.serialize(wire);
    wire.pop_back();
    histogram back;
    std::size_t pos = 0;
    EXPECT_FALSE(back.merge_serialized(wire, pos));
    std::vector<std::uint64_t> bad = {1, 0, 0, 0, histogram::bucket_count, 1};
    pos = 0;
    EXPECT_FALSE(back.merge_serialized(bad, pos));
}

TEST(histogram, empty_reports_zero_and_huge_values_are_clamped) {
    histogram h;
    EXPECT_EQ(h.percentile(0.99), 0U);
    EXPECT_EQ(h.min(), 0U);
    h.record(UINT64_MAX);
    EXPECT_EQ(h.count(), 1U);
    EXPECT_EQ(h.percentile(0.5), UINT64_MAX);  // clamped bucket, but max() is exact
}

}  // namespace
}  // namespace sb::bench
