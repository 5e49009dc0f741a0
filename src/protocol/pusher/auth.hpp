#pragma once
// Pusher authorization signatures (PUSHER.md 1.7, 1.8): "<key>:<hex HMAC-SHA256(secret, …)>".
// Verification recomputes the signature and compares in constant time.

#include <optional>
#include <string>
#include <string_view>

namespace sb::protocol::pusher {

// socket_id:channel[:channel_data]
[[nodiscard]] std::string channel_string_to_sign(std::string_view socket_id, std::string_view channel,
                                                 const std::optional<std::string>& channel_data);
// socket_id::user::user_data
[[nodiscard]] std::string user_string_to_sign(std::string_view socket_id, std::string_view user_data);

// "key:hexsig" for `string_to_sign`.
[[nodiscard]] std::string sign(std::string_view key, std::string_view secret,
                               std::string_view string_to_sign);

// True when `auth` is exactly "key:hexsig" of `string_to_sign` with this key and secret.
[[nodiscard]] bool verify(std::string_view auth, std::string_view key, std::string_view secret,
                          std::string_view string_to_sign);

}  // namespace sb::protocol::pusher
