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
// With the native extensions: data also carries "extensions":["native"] and the token's user_id.
[[nodiscard]] std::string connection_established_native(std::string_view socket_id,
                                                        std::uint32_t activity_timeout_s,
                                                        std::string_view user_id);
// pusher:error with data {code, message}; code 0 encodes as null. `error` (a seed error code
// such as invalid_token) is added when not empty.
[[nodiscard]] std::string error_event(std::uint16_t code, std::string_view message,
                                      std::string_view error = {});
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

// --- native extensions (docs/protocol.md "Native extensions") ---------------------------------

// What native connections learn about a message beside its event, channel and data.
struct message_meta {
    std::string_view id;           // msg_…
    std::uint64_t offset = 0;      // 0: the channel keeps no history (no offset/epoch written)
    std::string_view epoch;
    std::string_view user_id;      // sender, may be empty
    std::uint64_t created_at_ms = 0;
};

[[nodiscard]] std::string native_channel_event(std::string_view event, std::string_view channel,
                                               std::string_view data, const message_meta& meta);
[[nodiscard]] std::string ack_event(std::string_view channel, std::string_view ack, std::string_view id,
                                    std::uint64_t offset, std::string_view epoch);
[[nodiscard]] std::string nack_event(std::string_view channel, std::string_view ack, std::string_view code,
                                     int status, std::string_view detail);
// presence:sync with {"members":[{"user_id","data"},…]}
[[nodiscard]] std::string presence_sync(std::string_view channel, const core::presence_set& members);
// presence:join, presence:leave or presence:update with {"user_id","data"}
[[nodiscard]] std::string presence_member_event(std::string_view event, std::string_view channel,
                                          std::string_view user_id, std::string_view data_json);
// The data of typing:start and typing:stop: {"user_id","user_name"}.
[[nodiscard]] std::string typing_payload(std::string_view user_id, std::string_view user_name);
[[nodiscard]] std::string recovered_event(std::string_view channel, bool recovered, std::uint64_t offset,
                                          std::string_view epoch);
// switchboard:subscribed, after subscription_succeeded on a native connection: what the channel
// offers (history and recovery, delivery receipts).
[[nodiscard]] std::string channel_features_event(std::string_view channel, bool history, bool delivery_receipts);
[[nodiscard]] std::string message_read_event(std::string_view channel, std::string_view message_id,
                                             std::string_view user_id, std::uint64_t read_at_ms);

}  // namespace sb::protocol::pusher
