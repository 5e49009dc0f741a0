#pragma once
// RFC 3339 timestamps in UTC, as the seed writes them ("2024-01-15T10:30:00Z"), with
// milliseconds when they are not zero.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::core {

[[nodiscard]] std::string format_rfc3339(std::uint64_t unix_ms);
// Parses "YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)"; nullopt on anything else.
[[nodiscard]] std::optional<std::uint64_t> parse_rfc3339(std::string_view text);

}  // namespace sb::core
