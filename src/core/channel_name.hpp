#pragma once
// Channel names and what their prefix makes them (PUSHER.md 1.5, DESIGN.md "Apps, keys").
//
// Pusher prefixes (`private-`, `presence-`, `private-encrypted-`, `cache-` variants,
// `#server-to-user-`) and the seed's colon names (`private:team-1`, `presence:room-1`,
// `public:news`, and any other colon name such as `chat:room-1`, which is public) are both
// accepted. Names use `[-a-zA-Z0-9_=@,.;:]`, at most 200 bytes; a leading `#` is allowed only for
// `#server-to-user-{id}`.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sb::core {

enum class channel_kind : std::uint8_t {
    public_channel,
    private_channel,
    encrypted_channel,  // private-encrypted-: private auth, payload opaque to the server
    presence_channel,
    server_to_user,     // #server-to-user-{user_id}: only that signed-in user may subscribe
};

struct channel_traits {
    channel_kind kind = channel_kind::public_channel;
    bool cache = false;  // replays its last event to new subscribers
};

enum class channel_name_error : std::uint8_t { none, empty, too_long, invalid_character };

inline constexpr std::size_t max_channel_name_length = 200;

struct channel_classification {
    channel_traits traits;
    channel_name_error error = channel_name_error::none;
    [[nodiscard]] bool valid() const noexcept { return error == channel_name_error::none; }
};

[[nodiscard]] channel_classification classify_channel(std::string_view name) noexcept;

[[nodiscard]] std::string_view describe(channel_name_error error) noexcept;

// Private, encrypted and presence channels need a signature (or a token grant) to subscribe.
[[nodiscard]] constexpr bool requires_authorization(channel_kind kind) noexcept {
    return kind == channel_kind::private_channel || kind == channel_kind::encrypted_channel ||
           kind == channel_kind::presence_channel;
}

// Pusher client events (`client-*`) are allowed on private and presence channels only.
[[nodiscard]] constexpr bool allows_client_events(channel_kind kind) noexcept {
    return kind == channel_kind::private_channel || kind == channel_kind::presence_channel;
}

// The user id of a `#server-to-user-{id}` channel (empty view for other names).
[[nodiscard]] std::string_view server_to_user_id(std::string_view name) noexcept;

inline constexpr std::string_view server_to_user_prefix = "#server-to-user-";

}  // namespace sb::core
