#include "webrtc/turn_credentials.hpp"

#include "crypto/crypto.hpp"

#include <nlohmann/json.hpp>

namespace sb::webrtc {

turn_credential make_turn_credential(std::string_view secret, std::string_view user, std::uint64_t expires_at_s) {
    turn_credential c;
    c.username = std::to_string(expires_at_s) + ":" + std::string(user);
    c.credential = crypto::base64_encode(crypto::hmac_sha1(secret, c.username));
    return c;
}

std::string ice_servers_json(const options& o, std::string_view user, std::uint64_t now_s) {
    nlohmann::json servers = nlohmann::json::array();
    if (!o.stun_urls.empty()) servers.push_back({{"urls", o.stun_urls}});
    if (!o.turn_urls.empty() && !o.turn_secret.empty()) {
        // coturn splits the username at the first ':'; a user id with ':' stays after it.
        const auto c = make_turn_credential(o.turn_secret, user, now_s + o.turn_ttl_s);
        servers.push_back({{"urls", o.turn_urls}, {"username", c.username}, {"credential", c.credential}});
    }
    return servers.dump();
}

}  // namespace sb::webrtc
