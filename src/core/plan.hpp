#pragma once
// Plans and the limits they bound (the seed's "Rate Limits" table). Plans are opt-in: an app
// without a plan is bounded only by the server's safety limits. Each limit may be overridden per
// app; an unset limit means unlimited.

#include <cstdint>
#include <optional>
#include <string_view>

namespace sb::core {

enum class plan : std::uint8_t { none, free, starter, pro, enterprise };

struct plan_limits {
    std::optional<std::uint64_t> max_connections;
    std::optional<std::uint64_t> max_messages_per_second;
    std::optional<std::uint64_t> max_channels;  // channels occupied at the same time
    std::optional<std::uint64_t> history_retention_seconds;
};

[[nodiscard]] plan_limits limits_of(plan p) noexcept;

// Per-field override: a value set in `overrides` replaces the plan's.
[[nodiscard]] plan_limits merge_limits(const plan_limits& base, const plan_limits& overrides) noexcept;

[[nodiscard]] std::optional<plan> parse_plan(std::string_view name) noexcept;
[[nodiscard]] std::string_view to_string(plan p) noexcept;

}  // namespace sb::core
