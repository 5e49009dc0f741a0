#include "webrtc/room_token.hpp"

#include "crypto/crypto.hpp"

#include <nlohmann/json.hpp>

namespace sb::webrtc {
namespace {

using json = nlohmann::json;

std::optional<json> decode_json(std::string_view b64) {
    auto text = crypto::base64url_decode(b64);
    if (!text) return std::nullopt;
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return j;
}

std::string string_claim(const json& p, const char* k) {
    auto it = p.find(k);
    return it != p.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string mint_room_token(const room_claims& c, std::string_view secret) {
    const json payload = {{"iss", c.app_id},         {"env", c.environment},  {"room", c.room_id},
                          {"iat", c.issued_at_s},    {"exp", c.expires_at_s}, {"typ", "webrtc_room"}};
    const std::string head = crypto::base64url_encode(std::string_view(R"({"alg":"HS256","typ":"JWT"})"));
    const std::string signing_input = head + "." + crypto::base64url_encode(payload.dump());
    return signing_input + "." + crypto::base64url_encode(crypto::hmac_sha256(secret, signing_input));
}

std::string_view describe(room_token_error e) noexcept {
    switch (e) {
        case room_token_error::none: return "ok";
        case room_token_error::malformed: return "room token is not a well-formed HS256 room JWT";
        case room_token_error::bad_signature: return "room token signature is invalid";
        case room_token_error::expired: return "room token has expired";
        case room_token_error::wrong_room: return "room token was issued for another room";
        case room_token_error::wrong_app: return "room token was issued for another app or environment";
    }
    return "invalid room token";
}

room_token_error verify_room_token(std::string_view jwt, std::string_view secret, std::string_view app_id,
                                   std::string_view environment, std::string_view room_id, std::uint64_t now_s) {
    const auto a = jwt.find('.');
    const auto b = a == std::string_view::npos ? a : jwt.find('.', a + 1);
    if (b == std::string_view::npos || jwt.find('.', b + 1) != std::string_view::npos)
        return room_token_error::malformed;
    auto header = decode_json(jwt.substr(0, a));
    if (!header || string_claim(*header, "alg") != "HS256") return room_token_error::malformed;
    const std::string expected = crypto::base64url_encode(crypto::hmac_sha256(secret, jwt.substr(0, b)));
    if (!crypto::constant_time_equal(expected, jwt.substr(b + 1))) return room_token_error::bad_signature;
    auto payload = decode_json(jwt.substr(a + 1, b - a - 1));
    if (!payload || string_claim(*payload, "typ") != "webrtc_room") return room_token_error::malformed;
    auto exp = payload->find("exp");
    if (exp == payload->end() || !exp->is_number_unsigned()) return room_token_error::malformed;
    if (string_claim(*payload, "iss") != app_id || string_claim(*payload, "env") != environment)
        return room_token_error::wrong_app;
    if (string_claim(*payload, "room") != room_id) return room_token_error::wrong_room;
    if (exp->get<std::uint64_t>() <= now_s) return room_token_error::expired;
    return room_token_error::none;
}

}  // namespace sb::webrtc
