#pragma once
// Channel patterns granted by a connection token ("chat:*", "notifications:user_123", "*"):
// `*` matches any run of characters, everything else matches itself.

#include <string>
#include <string_view>
#include <vector>

namespace sb::core {

[[nodiscard]] bool matches_grant(std::string_view pattern, std::string_view channel) noexcept;
[[nodiscard]] bool matches_any_grant(const std::vector<std::string>& patterns, std::string_view channel) noexcept;

}  // namespace sb::core
