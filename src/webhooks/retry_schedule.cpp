#include "webhooks/retry_schedule.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace sb::webhooks {

using namespace std::chrono_literals;

retry_schedule retry_schedule::native_default() {
    return {{5s, 30s, 2min, 10min, 30min, 1h}, 24h, 0.2};
}

retry_schedule retry_schedule::pusher_default() { return {{5s, 15s, 30s, 60s, 90s}, 5min, 0.2}; }

namespace {

std::chrono::milliseconds delay_before(const retry_schedule& s, std::uint32_t attempt) {
    // attempt >= 2: delays[attempt - 2], the last one repeating.
    const std::size_t i = std::min<std::size_t>(attempt - 2, s.delays.size() - 1);
    return s.delays[i];
}

// Nominal offset of attempt `n` (>= 1) from attempt 1, saturating.
std::chrono::milliseconds offset_of(const retry_schedule& s, std::uint32_t n) {
    std::chrono::milliseconds total{0};
    for (std::uint32_t a = 2; a <= n; ++a) {
        total += delay_before(s, a);
        if (total > s.give_up_after) break;
    }
    return total;
}

}  // namespace

std::uint32_t max_attempts(const retry_schedule& s) {
    if (s.delays.empty()) return 1;
    std::uint32_t n = 1;
    std::chrono::milliseconds total{0};
    // A schedule of zero delays would never give up: cap it.
    while (n < 10'000) {
        total += delay_before(s, n + 1);
        if (total > s.give_up_after) break;
        ++n;
    }
    return n;
}

std::optional<std::uint64_t> next_attempt_at(const retry_schedule& s, std::uint32_t attempts_made,
                                             std::uint64_t now_ms, double random01) {
    if (s.delays.empty() || attempts_made == 0 || attempts_made >= max_attempts(s))
        return std::nullopt;
    if (offset_of(s, attempts_made + 1) > s.give_up_after) return std::nullopt;
    const double nominal = static_cast<double>(delay_before(s, attempts_made + 1).count());
    const double j = std::clamp(s.jitter, 0.0, 1.0);
    const double factor = 1.0 + j * (2.0 * std::clamp(random01, 0.0, 1.0) - 1.0);
    return now_ms + static_cast<std::uint64_t>(std::llround(std::max(0.0, nominal * factor)));
}

storage::attempt_result settle(const retry_schedule& schedule, const storage::delivery_record& d,
                               const attempt_answer& answer, std::uint64_t started_at_ms,
                               std::uint64_t now_ms, double random01) {
    storage::attempt_result r;
    r.delivery_id = d.id;
    r.now_ms = now_ms;
    r.attempt.number = d.attempts;
    r.attempt.started_at_ms = started_at_ms;
    r.attempt.status_code = answer.status;
    r.attempt.error = answer.error;
    r.attempt.latency_ms = answer.latency_ms;
    r.attempt.response_body = answer.body.substr(0, kept_response_bytes);
    r.succeeded = answer.status >= 200 && answer.status < 300;
    if (!r.succeeded) {
        if (r.attempt.error.empty()) r.attempt.error = "HTTP " + std::to_string(answer.status);
        r.next_attempt_at_ms = next_attempt_at(schedule, d.attempts, now_ms, random01).value_or(0);
    }
    return r;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    if (text.empty()) return std::nullopt;
    std::size_t unit_at = 0;
    while (unit_at < text.size() &&
           ((text[unit_at] >= '0' && text[unit_at] <= '9') || text[unit_at] == '.'))
        ++unit_at;
    const std::string number(text.substr(0, unit_at));
    const std::string_view unit = text.substr(unit_at);
    double value = 0;
    const auto r = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || r.ec != std::errc{} || r.ptr != number.data() + number.size() ||
        value < 0)
        return std::nullopt;
    double ms = 0;
    if (unit.empty() || unit == "s")
        ms = value * 1000;
    else if (unit == "ms")
        ms = value;
    else if (unit == "m" || unit == "min")
        ms = value * 60'000;
    else if (unit == "h")
        ms = value * 3'600'000;
    else if (unit == "d")
        ms = value * 86'400'000;
    else
        return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

}  // namespace sb::webhooks
