#pragma once
// The bench payload and the scanners that find things in server frames without a JSON parser.
//
// A published event's `data` is a plain string with no character that JSON escapes:
//     "#sb <phase> <seq> <send_ns> xxxxxxxx..."
// so it reads the same inside the HTTP API body, inside a client event, and inside the frame the
// server delivers (where `data` is itself a JSON string). The subscriber finds the "#sb " marker
// and reads three decimal numbers: O(frame size), no allocation, no copy.
//   phase    which step of a scenario sent it (ramp step, churn on/off); per-phase histograms
//   seq      run-wide sequence number assigned by the publisher; per-seq counts give reach,
//            loss and duplicates
//   send_ns  CLOCK_MONOTONIC nanoseconds of the *scheduled* send time (shared by all processes
//            of the machine), so latency includes any queueing in the publisher

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::bench {

struct payload_stamp {
    std::uint32_t phase = 0;
    std::uint64_t seq = 0;
    std::uint64_t send_ns = 0;
};

inline constexpr std::string_view payload_marker = "#sb ";

// Writes the payload text, padded with 'x' to `size` bytes (never shorter than the stamp itself).
void format_payload(std::string& out, const payload_stamp& stamp, std::size_t size);

// Finds the stamp anywhere in `frame` (a whole server message). nullopt when there is none or
// its numbers are malformed.
[[nodiscard]] std::optional<payload_stamp> scan_payload(std::string_view frame) noexcept;

// The value of the top-level "event" member, e.g. "pusher:connection_established". Assumes the
// server writes `"event":"...` (optionally with a space after the colon), which every Pusher
// server does; empty when absent.
[[nodiscard]] std::string_view scan_event(std::string_view frame) noexcept;

// The first value after `key` made only of characters in [0-9.], skipping the quotes, backslashes,
// colons and spaces between them. Reads socket_id out of connection_established, whose data is
// an escaped JSON string ({\"socket_id\":\"123.456\"}). Empty when absent.
[[nodiscard]] std::string_view scan_number_after(std::string_view frame,
                                                 std::string_view key) noexcept;

// A close code carried as a number after "code" in a pusher:error frame, 0 when absent.
[[nodiscard]] std::uint32_t scan_error_code(std::string_view frame) noexcept;

}  // namespace sb::bench
