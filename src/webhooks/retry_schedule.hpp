#pragma once
// When a failed delivery is tried again, and when it is given up (docs/webhooks.md "Retries").
//
// Attempt 1 goes out as soon as the delivery is due. After attempt n fails, attempt n+1 waits
// delays[n-1] (the last delay repeats), stretched or shrunk by a random factor within
// ±jitter, so that many deliveries failing together do not retry in lockstep. Attempt n+1 is
// only made while its nominal offset from attempt 1 (the sum of the unjittered delays before it)
// is at most `give_up_after`; otherwise the delivery fails for good. So the number of attempts
// depends only on the schedule, never on the clock or the dice.
//
// Pure: the caller passes the time and the random number.

#include "storage/webhook_store.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sb::webhooks {

struct retry_schedule {
    std::vector<std::chrono::milliseconds> delays;  // before attempts 2, 3, …; the last repeats
    std::chrono::milliseconds give_up_after{0};     // no attempt is planned later than this
    double jitter = 0.2;                            // each delay × (1 ± jitter)

    // Native: immediately, ~5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then hourly until 24 h.
    [[nodiscard]] static retry_schedule native_default();
    // Pusher format: about five minutes in all, as Pusher itself retries.
    [[nodiscard]] static retry_schedule pusher_default();
};

// Attempts a delivery gets at most (1 when there are no delays).
[[nodiscard]] std::uint32_t max_attempts(const retry_schedule& schedule);

// When attempt `attempts_made + 1` is due, given that attempt `attempts_made` failed at
// `now_ms`; nullopt when the schedule gives up. `random01` is uniform in [0, 1).
[[nodiscard]] std::optional<std::uint64_t> next_attempt_at(const retry_schedule& schedule,
                                                           std::uint32_t attempts_made,
                                                           std::uint64_t now_ms, double random01);

// A receiver's answer (or its absence) as the outcome of one attempt: 2xx succeeds, anything
// else is retried on the schedule or fails for good.
struct attempt_answer {
    int status = 0;     // 0 when no response arrived
    std::string error;  // transport error or timeout
    std::string body;   // what the receiver answered (an excerpt is kept)
    std::uint64_t latency_ms = 0;
};

inline constexpr std::size_t kept_response_bytes = 1024;

[[nodiscard]] storage::attempt_result settle(const retry_schedule& schedule,
                                             const storage::delivery_record& delivery,
                                             const attempt_answer& answer,
                                             std::uint64_t started_at_ms, std::uint64_t now_ms,
                                             double random01);

// Parses a duration: a number of seconds (5, 0.5) or a number with a unit (250ms, 5s, 2m, 1h,
// 1d). nullopt on anything else or a negative value.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace sb::webhooks
