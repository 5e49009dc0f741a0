#pragma once
// The [webrtc] configuration (docs/webrtc.md "Configuration").

#include <cstdint>
#include <string>
#include <vector>

namespace sb::webrtc {

struct options {
    std::string public_url;               // base of join_url ("": derived from the request's Host)
    std::vector<std::string> stun_urls;   // e.g. stun:stun.example.com:3478
    std::vector<std::string> turn_urls;   // e.g. turn:turn.example.com:3478?transport=udp
    std::string turn_secret;              // coturn static-auth-secret (use-auth-secret)
    std::uint32_t turn_ttl_s = 24 * 3600;     // lifetime of issued TURN credentials
    std::uint32_t room_token_ttl_s = 24 * 3600;  // default lifetime of a room's token
    std::uint32_t reconnect_grace_s = 10;  // a dropped participant is kept this long for a rejoin
    std::uint32_t max_participants = 50;   // upper bound of a room's max_participants (mesh)
    std::string janus_url;                 // Janus HTTP API for recording ("": recording refused)
};

}  // namespace sb::webrtc
