#pragma once
// Identifiers: Pusher socket ids and time-sortable message/event ids.

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace sb::core {

// A Pusher socket id: two decimal integers joined by '.', as server SDKs require (^\d+\.\d+$).
// `node` is random per process so that ids stay unique across restarts and cluster nodes;
// `sequence` counts connections per shard, interleaved so shards never collide.
struct socket_id {
    std::uint64_t node = 0;
    std::uint64_t sequence = 0;

    [[nodiscard]] std::string to_string() const;
    [[nodiscard]] bool empty() const noexcept { return node == 0 && sequence == 0; }
    friend bool operator==(const socket_id&, const socket_id&) = default;
};

// Parses "123.456"; nullopt-like empty id on anything else.
[[nodiscard]] bool parse_socket_id(std::string_view text, socket_id& out) noexcept;

// ULID-style ids (48-bit millisecond time + 80 random bits, Crockford base32, 26 chars), monotonic
// within one generator: ids from the same generator sort in creation order even within a
// millisecond. One generator per thread; not thread-safe.
class ulid_generator {
public:
    explicit ulid_generator(std::uint64_t seed);
    // `prefix` + 26 characters, e.g. "msg_01HV…".
    [[nodiscard]] std::string next(std::string_view prefix, std::uint64_t now_ms);

private:
    std::mt19937_64 rng_;
    std::uint64_t last_ms_ = 0;
    std::array<std::uint8_t, 10> random_{};
};

}  // namespace sb::core
