#pragma once
// ICE servers for a participant: STUN URLs as configured, and TURN URLs with time-limited
// credentials in coturn's `use-auth-secret` scheme (the "TURN REST API"):
//   username = "<expiry unix seconds>:<user>", credential = base64(HMAC-SHA1(secret, username)).
// Pure functions, thread-safe.

#include "webrtc/options.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace sb::webrtc {

struct turn_credential {
    std::string username;
    std::string credential;
};

[[nodiscard]] turn_credential make_turn_credential(std::string_view secret, std::string_view user,
                                                   std::uint64_t expires_at_s);

// RTCIceServer[] as JSON text: [{"urls":[stun…]},{"urls":[turn…],"username":…,"credential":…}].
// No TURN entry without turn_urls and turn_secret; "[]" when nothing is configured.
[[nodiscard]] std::string ice_servers_json(const options& o, std::string_view user, std::uint64_t now_s);

}  // namespace sb::webrtc
