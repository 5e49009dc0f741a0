#pragma once
// The client-visible error and close codes of the Pusher protocol as Switchboard uses them,
// with their wire values and whether a client should reconnect (PUSHER.md 1.4; pusher-js decides
// by range: 4000-4099 refused, 4100-4199 back off, 4200-4299 reconnect at once). The TypeScript
// SDK mirrors this table in sdk/js/src/codes.ts.

#include <cstdint>
#include <string_view>

namespace sb::protocol::pusher {

enum class reconnect : std::uint8_t { never, backoff, immediately };

struct error_code {
    std::uint16_t code;
    std::string_view message;
    bool closes;  // sent as pusher:error and then as the close code
    reconnect after;
};

namespace errors {
inline constexpr error_code app_not_found{4001, "Application does not exist", true, reconnect::never};
inline constexpr error_code app_disabled{4003, "Application disabled", true, reconnect::never};
inline constexpr error_code over_connection_quota{4004, "Application is over connection quota", true,
                                                  reconnect::never};
inline constexpr error_code path_not_found{4005, "Path not found", true, reconnect::never};
inline constexpr error_code invalid_version{4006, "Invalid version string format", true,
                                            reconnect::never};
inline constexpr error_code unsupported_protocol{4007, "Unsupported protocol version", true,
                                                 reconnect::never};
inline constexpr error_code no_protocol{4008, "No protocol version supplied", true, reconnect::never};
inline constexpr error_code unauthorized{4009, "Connection is unauthorized", true, reconnect::never};
inline constexpr error_code over_capacity{4100, "Over capacity", true, reconnect::backoff};
inline constexpr error_code slow_consumer{4100, "Slow consumer: write queue limit reached", true,
                                          reconnect::backoff};
inline constexpr error_code reconnect_now{4200, "Server is restarting, reconnect", true,
                                          reconnect::immediately};
inline constexpr error_code pong_not_received{4201, "Pong reply not received", true,
                                              reconnect::immediately};
inline constexpr error_code inactivity{4202, "Closed after inactivity", true, reconnect::immediately};
// Non-fatal: the message is refused and the connection stays open (4300-4399 is Pusher's
// "any other type of error" range).
inline constexpr error_code invalid_message{4300, "Invalid message", false, reconnect::never};
inline constexpr error_code client_event_rate_limit{4301, "Client event rejected due to rate limit",
                                                    true, reconnect::never};
}  // namespace errors

}  // namespace sb::protocol::pusher
