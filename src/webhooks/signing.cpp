#include "webhooks/signing.hpp"

#include "crypto/crypto.hpp"

namespace sb::webhooks {

std::string generate_secret() { return "whsec_" + crypto::base64_encode(crypto::random_bytes(32)); }

std::optional<std::string> standard_signature(std::string_view secret, std::string_view message_id,
                                              std::uint64_t timestamp_s, std::string_view body) {
    if (secret.rfind("whsec_", 0) != 0) return std::nullopt;
    const auto key = crypto::base64_decode(secret.substr(6));
    if (!key || key->empty()) return std::nullopt;
    std::string signed_content;
    signed_content.reserve(message_id.size() + body.size() + 24);
    signed_content.append(message_id)
        .append(".")
        .append(std::to_string(timestamp_s))
        .append(".")
        .append(body);
    return "v1," + crypto::base64_encode(crypto::hmac_sha256(*key, signed_content));
}

std::string pusher_signature(std::string_view app_secret, std::string_view body) {
    return crypto::hmac_sha256_hex(app_secret, body);
}

}  // namespace sb::webhooks
