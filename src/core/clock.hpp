#pragma once
// Time as the domain sees it: milliseconds, passed in by the caller. Only src/app and src/net read
// real clocks; tests pass whatever time they need.

#include <chrono>
#include <cstdint>

namespace sb::core {

// Wall-clock milliseconds since the Unix epoch (ids, created_at, cache expiry).
inline std::uint64_t wall_clock_ms() noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// Monotonic milliseconds (timeouts, rates).
inline std::uint64_t steady_clock_ms() noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

}  // namespace sb::core
