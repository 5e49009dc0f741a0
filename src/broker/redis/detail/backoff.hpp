#pragma once
// Reconnect delays: exponential backoff with jitter.
//
// The n-th consecutive failure waits a delay drawn uniformly from [d/2, d], where
// d = min(max, initial * 2^(n-1)): the ceiling grows until it reaches `max`, and the random half
// spreads the reconnects of many nodes after a shared Redis restart ("equal jitter"). reset()
// after a successful connection. The generator is seeded by the caller, so tests are exact.
//
// Thread: one owner.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace sb::broker::redis::detail {

class backoff {
public:
    backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed)
        : initial_(std::max<std::int64_t>(initial.count(), 1)),
          max_(std::max<std::int64_t>(max.count(), initial_)),
          random_(seed) {}

    // The delay before the next attempt; each call counts one more failure.
    std::chrono::milliseconds next() {
        std::int64_t ceiling = initial_;
        for (std::uint32_t i = 0; i < failures_ && ceiling < max_; ++i) ceiling *= 2;
        ceiling = std::min(ceiling, max_);
        ++failures_;
        std::uniform_int_distribution<std::int64_t> pick(ceiling / 2, ceiling);
        return std::chrono::milliseconds(pick(random_));
    }

    void reset() noexcept { failures_ = 0; }
    [[nodiscard]] std::uint32_t failures() const noexcept { return failures_; }

private:
    std::int64_t initial_;
    std::int64_t max_;
    std::uint32_t failures_ = 0;
    std::mt19937_64 random_;
};

}  // namespace sb::broker::redis::detail
