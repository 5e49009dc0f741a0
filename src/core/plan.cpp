#include "core/plan.hpp"

namespace sb::core {

plan_limits limits_of(plan p) noexcept {
    constexpr std::uint64_t day = 24 * 3600;
    switch (p) {
        case plan::none: return {};
        case plan::free: return {100, 50, 10, day};
        case plan::starter: return {5'000, 500, 100, 7 * day};
        case plan::pro: return {50'000, 5'000, 1'000, 30 * day};
        case plan::enterprise: return {};  // unlimited unless the operator sets values
    }
    return {};
}

plan_limits merge_limits(const plan_limits& base, const plan_limits& overrides) noexcept {
    plan_limits out = base;
    if (overrides.max_connections) out.max_connections = overrides.max_connections;
    if (overrides.max_messages_per_second)
        out.max_messages_per_second = overrides.max_messages_per_second;
    if (overrides.max_channels) out.max_channels = overrides.max_channels;
    if (overrides.history_retention_seconds)
        out.history_retention_seconds = overrides.history_retention_seconds;
    return out;
}

std::optional<plan> parse_plan(std::string_view name) noexcept {
    if (name == "none" || name.empty()) return plan::none;
    if (name == "free") return plan::free;
    if (name == "starter") return plan::starter;
    if (name == "pro") return plan::pro;
    if (name == "enterprise") return plan::enterprise;
    return std::nullopt;
}

std::string_view to_string(plan p) noexcept {
    switch (p) {
        case plan::none: return "none";
        case plan::free: return "free";
        case plan::starter: return "starter";
        case plan::pro: return "pro";
        case plan::enterprise: return "enterprise";
    }
    return "none";
}

}  // namespace sb::core
