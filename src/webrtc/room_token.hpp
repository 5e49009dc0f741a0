#pragma once
// Room tokens: JWTs (HS256, signed with the app secret, like protocol/token) that let whoever holds
// one join one room until it expires. Claims: iss (app id), env, room, iat, exp, typ = "webrtc_room".
// Pure functions, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::webrtc {

struct room_claims {
    std::string app_id;
    std::string environment;
    std::string room_id;
    std::uint64_t issued_at_s = 0;
    std::uint64_t expires_at_s = 0;
};

[[nodiscard]] std::string mint_room_token(const room_claims& c, std::string_view secret);

enum class room_token_error : std::uint8_t { none, malformed, bad_signature, expired, wrong_room, wrong_app };
[[nodiscard]] std::string_view describe(room_token_error e) noexcept;

// Checks shape, HS256, signature (constant time), exp (no leeway: expiry is the point), that it is
// a room token for `room_id` of `app_id`/`environment`.
[[nodiscard]] room_token_error verify_room_token(std::string_view jwt, std::string_view secret, std::string_view app_id,
                                                 std::string_view environment, std::string_view room_id,
                                                 std::uint64_t now_s);

}  // namespace sb::webrtc
