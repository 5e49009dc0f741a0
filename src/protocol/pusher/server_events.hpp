#pragma once
// Server → client messages of the Pusher protocol, as JSON text (not yet framed). `data` of
// pusher: and pusher_internal: events is a JSON-encoded string, as PUSHER.md 1.14 requires.

#include "core/presence_set.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace sb::protocol::pusher {

[[nodiscard]] std::string connection_established(std::string_view socket_id,
                                                 std::uint32_t activity_timeout_s);
// pusher:error with data {code, message}; code 0 encodes as null.
[[nodiscard]] std::string error_event(std::uint16_t code, std::string_view message);
[[nodiscard]] std::string ping_event();
[[nodiscard]] std::string pong_event();
[[nodiscard]] std::string subscription_succeeded(std::string_view channel);
[[nodiscard]] std::string presence_subscription_succeeded(std::string_view channel,
                                                          const core::presence_set& members);
// pusher:subscription_error, data {type, error, status}.
[[nodiscard]] std::string subscription_error(std::string_view channel, std::string_view type,
                                             std::string_view error, int status);
[[nodiscard]] std::string member_added(std::string_view channel, std::string_view user_id,
                                       std::string_view user_info_json);
[[nodiscard]] std::string member_removed(std::string_view channel, std::string_view user_id);
[[nodiscard]] std::string cache_miss(std::string_view channel);
[[nodiscard]] std::string signin_success(std::string_view user_data);

// A channel event: {"event":…,"channel":…,"data":"…"} plus "user_id" when set (client events on
// presence channels). `data` is written as a JSON string.
[[nodiscard]] std::string channel_event(std::string_view event, std::string_view channel,
                                        std::string_view data, std::string_view user_id = {});

}  // namespace sb::protocol::pusher
