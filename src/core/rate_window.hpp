#pragma once
// A thread-safe per-second message counter for app-wide limits (messages per second), shared by
// every shard. Fixed one-second windows: cheap (one CAS per message) and exact enough for a quota.
// The caller passes the time, so tests need no clock.

#include <atomic>
#include <cstdint>

namespace sb::core {

class rate_window {
public:
    // Counts `n` messages at `now_ms` if that keeps the current second at or under `limit`.
    bool try_acquire(std::uint64_t now_ms, std::uint64_t limit, std::uint64_t n = 1) noexcept {
        const std::uint64_t second = now_ms / 1000;
        std::uint64_t cur = state_.load(std::memory_order_relaxed);
        for (;;) {
            const std::uint64_t cur_second = cur >> 24;
            const std::uint64_t count = (cur_second == (second & mask_seconds)) ? (cur & mask_count) : 0;
            if (count + n > limit) return false;
            const std::uint64_t next = ((second & mask_seconds) << 24) | (count + n);
            if (state_.compare_exchange_weak(cur, next, std::memory_order_relaxed)) {
                accepted_.fetch_add(n, std::memory_order_relaxed);
                return true;
            }
        }
    }

    // Messages accepted since the start (a cluster node shares its rate from the difference).
    [[nodiscard]] std::uint64_t accepted() const noexcept { return accepted_.load(std::memory_order_relaxed); }

private:
    // Seconds in the high 40 bits, count in the low 24 (limits above 16M/s are treated as none).
    static constexpr std::uint64_t mask_count = (1ull << 24) - 1;
    static constexpr std::uint64_t mask_seconds = (1ull << 40) - 1;
    std::atomic<std::uint64_t> state_{0};
    std::atomic<std::uint64_t> accepted_{0};
};

// A per-connection token bucket (client events per second). Not thread-safe: one per connection.
class token_bucket {
public:
    token_bucket() = default;
    // `rate` tokens per second, bursts up to `rate`.
    bool try_take(std::uint64_t now_ms, std::uint32_t rate) noexcept {
        if (rate == 0) return true;
        const double capacity = rate;
        if (last_ms_ == 0) {
            tokens_ = capacity;
            last_ms_ = now_ms;
        }
        if (now_ms > last_ms_) {
            tokens_ += double(now_ms - last_ms_) * capacity / 1000.0;
            if (tokens_ > capacity) tokens_ = capacity;
            last_ms_ = now_ms;
        }
        if (tokens_ < 1.0) return false;
        tokens_ -= 1.0;
        return true;
    }

private:
    double tokens_ = 0;
    std::uint64_t last_ms_ = 0;
};

}  // namespace sb::core
