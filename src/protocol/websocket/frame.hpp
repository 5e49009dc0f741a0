#pragma once
// RFC 6455 framing: opcodes, close codes, frame headers, masking, and frame encoding.
// Pure functions, no allocation except where a std::string is returned. Thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sb::protocol::websocket {

enum class opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

// Which side of the connection this code plays: a server expects masked frames and writes
// unmasked ones; a client the reverse (RFC 6455 section 5.1).
enum class role : std::uint8_t { server, client };

// Close status codes used by Switchboard (RFC 6455 section 7.4.1). The Pusher codes
// (4000-4399) travel as close codes too; they live in protocol/pusher.
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t no_status = 1005;  // never sent; reported when a close has no code
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
}  // namespace close_code

// True for codes a peer may send in a close frame (1000-1003, 1007-1011, 3000-4999).
[[nodiscard]] bool is_valid_close_code(std::uint16_t code);

// Largest header: 2 bytes + 8 bytes of extended length + 4 bytes of mask.
inline constexpr std::size_t max_header_size = 14;

[[nodiscard]] std::size_t header_size(std::size_t payload_size, bool masked);

// Writes one frame header into `out` (at least max_header_size bytes) and returns its length.
// `mask` is null for an unmasked frame.
std::size_t write_header(std::uint8_t* out, opcode op, std::size_t payload_size, bool fin = true,
                         const std::uint8_t* mask = nullptr);

// XORs `data` with the 4-byte mask, as if `data` started `offset` bytes into the payload.
// Word-at-a-time: this runs over every byte a client sends.
void apply_mask(std::uint8_t* data, std::size_t size, std::array<std::uint8_t, 4> mask,
                std::size_t offset = 0);

// One complete unmasked frame (header + payload): what a server writes.
[[nodiscard]] std::string encode_frame(opcode op, std::string_view payload, bool fin = true);

// One complete masked frame: what a client writes (the load tool and tests).
[[nodiscard]] std::string encode_masked_frame(opcode op, std::string_view payload,
                                              std::array<std::uint8_t, 4> mask, bool fin = true);

// A close frame carrying `code` and `reason` (reason truncated to fit the 125-byte control
// payload limit without splitting a UTF-8 sequence). Masked with a random mask for role::client.
[[nodiscard]] std::string encode_close(std::uint16_t code, std::string_view reason,
                                       role sender = role::server);

}  // namespace sb::protocol::websocket
