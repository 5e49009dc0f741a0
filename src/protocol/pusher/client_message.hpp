#pragma once
// Client → server messages of the Pusher protocol (PUSHER.md 1.3, 1.6, 1.8, 1.10), parsed into
// commands. Every malformed input becomes an `invalid_message` with a reason the client is told;
// nothing here throws.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace sb::protocol::pusher {

struct ping_command {};
struct pong_command {};

// Where a native client's view of a channel stopped (docs/protocol.md "Recovery").
struct recover_position {
    std::uint64_t offset = 0;
    std::string epoch;
};

struct subscribe_command {
    std::string channel;
    std::string auth;                         // "" when absent
    std::optional<std::string> channel_data;  // presence: the exact signed JSON text
    std::optional<recover_position> recover;  // native extension
};

struct unsubscribe_command {
    std::string channel;
};

struct signin_command {
    std::string auth;
    std::string user_data;  // the exact signed JSON text
};

// Any event that is not a `pusher:` command: Pusher client events (`client-*`) and, for
// connections that declared them, the native extension events. `data` is the text to deliver:
// a string payload as it was, any other JSON value serialized.
struct channel_event_command {
    std::string event;
    std::string channel;
    std::string data;
    // Native extension fields (docs/protocol.md "Native messages").
    std::string ack;              // answer with switchboard:ack/nack carrying this
    std::string idempotency_key;  // de-duplicate retries
    bool echo = true;             // false: not delivered back to the sender
    std::size_t oversized = 0;    // when non-zero: the data had this many bytes, over the limit,
                                  // and was dropped; the caller refuses the event
};

// switchboard:presence — enter, update or leave presence while staying subscribed.
struct presence_command {
    enum class action : std::uint8_t { enter, update, leave };
    std::string channel;
    action what = action::update;
    std::string data_json = "null";
};

// switchboard:typing
struct typing_command {
    std::string channel;
    bool typing = false;
    std::string user_name;
};

// switchboard:read, and switchboard:delivered (delivered = true)
struct read_command {
    std::string channel;
    std::string message_id;
    bool delivered = false;
};

// switchboard:webrtc:join, :signal, :media, :leave (docs/protocol.md "WebRTC signaling"): the
// room id travels in the channel field; the data object is checked by api/webrtc_signaling.
struct webrtc_command {
    std::string action;  // join, signal, media or leave
    std::string room_id;
    std::string data_json;  // a JSON object
};

struct invalid_message {
    std::string reason;
};

using client_command = std::variant<ping_command, pong_command, subscribe_command,
                                    unsubscribe_command, signin_command, channel_event_command,
                                    presence_command, typing_command, read_command, webrtc_command,
                                    invalid_message>;

// `max_data_size` bounds the delivered data of channel events (see channel_event_command::oversized).
[[nodiscard]] client_command parse_client_message(std::string_view text, std::size_t max_data_size);

// A presence subscription's channel_data: {"user_id": string|number, "user_info"?: any}.
struct presence_member {
    std::string user_id;
    std::string user_info_json;  // "null" when absent
};
struct presence_data_result {
    std::optional<presence_member> member;
    std::string error;  // set when member is empty
};
[[nodiscard]] presence_data_result parse_presence_data(std::string_view channel_data,
                                                       std::size_t max_user_info_size,
                                                       std::size_t max_user_id_size = 128);

// pusher:signin user_data: {"id": non-empty string, "user_info"?: any, "watchlist"?: [...]}.
struct signin_user {
    std::string id;
    std::string user_info_json;  // "null" when absent
};
struct signin_user_result {
    std::optional<signin_user> user;
    std::string error;
};
[[nodiscard]] signin_user_result parse_signin_user_data(std::string_view user_data);

}  // namespace sb::protocol::pusher
