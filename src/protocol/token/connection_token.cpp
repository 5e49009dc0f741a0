#include "protocol/token/connection_token.hpp"

#include "crypto/crypto.hpp"

#include <nlohmann/json.hpp>

namespace sb::protocol::token {
namespace {

using json = nlohmann::json;
constexpr std::uint64_t leeway_s = 60;

std::optional<claims> read_claims(const json& p) {
    if (!p.is_object()) return std::nullopt;
    claims c;
    auto str = [&](const char* k, std::string& out) {
        auto it = p.find(k);
        if (it != p.end() && it->is_string()) out = it->get<std::string>();
    };
    str("iss", c.app_id);
    str("env", c.environment);
    str("sub", c.user_id);
    str("jti", c.token_id);
    if (auto it = p.find("user_info"); it != p.end()) c.user_info_json = it->dump();
    if (auto it = p.find("channels"); it != p.end() && it->is_array())
        for (const auto& ch : *it)
            if (ch.is_string()) c.channels.push_back(ch.get<std::string>());
    if (auto it = p.find("iat"); it != p.end() && it->is_number_unsigned()) c.issued_at_s = it->get<std::uint64_t>();
    if (auto it = p.find("exp"); it != p.end() && it->is_number_unsigned()) c.expires_at_s = it->get<std::uint64_t>();
    return c;
}

struct parts {
    std::string_view header, payload, signature;
};

std::optional<parts> split(std::string_view jwt) {
    const auto a = jwt.find('.');
    if (a == std::string_view::npos) return std::nullopt;
    const auto b = jwt.find('.', a + 1);
    if (b == std::string_view::npos || jwt.find('.', b + 1) != std::string_view::npos) return std::nullopt;
    return parts{jwt.substr(0, a), jwt.substr(a + 1, b - a - 1), jwt.substr(b + 1)};
}

std::optional<json> decode_json(std::string_view b64) {
    auto text = crypto::base64url_decode(b64);
    if (!text) return std::nullopt;
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

}  // namespace

std::string mint(const claims& c, std::string_view secret) {
    json payload = {{"iss", c.app_id},      {"env", c.environment}, {"sub", c.user_id},
                    {"channels", c.channels}, {"iat", c.issued_at_s}, {"exp", c.expires_at_s}};
    if (!c.token_id.empty()) payload["jti"] = c.token_id;
    payload["user_info"] = json::parse(c.user_info_json, nullptr, false);
    if (payload["user_info"].is_discarded()) payload["user_info"] = nullptr;
    const std::string head = crypto::base64url_encode(std::string_view(R"({"alg":"HS256","typ":"JWT"})"));
    const std::string body = crypto::base64url_encode(payload.dump());
    const std::string signing_input = head + "." + body;
    return signing_input + "." + crypto::base64url_encode(crypto::hmac_sha256(secret, signing_input));
}

std::string_view describe(token_error e) noexcept {
    switch (e) {
        case token_error::none: return "ok";
        case token_error::malformed: return "token is not a well-formed JWT";
        case token_error::bad_algorithm: return "token must be signed with HS256";
        case token_error::bad_signature: return "token signature is invalid";
        case token_error::expired: return "token has expired";
        case token_error::not_yet_valid: return "token is not valid yet";
        case token_error::missing_claims: return "token lacks iss, sub or exp";
    }
    return "invalid token";
}

verify_result verify(std::string_view jwt, std::string_view secret, std::uint64_t now_s) {
    verify_result r;
    auto p = split(jwt);
    if (!p) return r.error = token_error::malformed, r;
    auto header = decode_json(p->header);
    if (!header || !header->is_object()) return r.error = token_error::malformed, r;
    auto alg = header->find("alg");
    if (alg == header->end() || !alg->is_string() || alg->get<std::string>() != "HS256")
        return r.error = token_error::bad_algorithm, r;
    const std::string_view signing_input = jwt.substr(0, p->header.size() + 1 + p->payload.size());
    const std::string expected = crypto::base64url_encode(crypto::hmac_sha256(secret, signing_input));
    if (!crypto::constant_time_equal(expected, p->signature)) return r.error = token_error::bad_signature, r;
    auto payload = decode_json(p->payload);
    if (!payload) return r.error = token_error::malformed, r;
    auto c = read_claims(*payload);
    if (!c) return r.error = token_error::malformed, r;
    if (c->app_id.empty() || c->user_id.empty() || c->expires_at_s == 0) return r.error = token_error::missing_claims, r;
    if (c->expires_at_s + leeway_s <= now_s) return r.error = token_error::expired, r;
    if (c->issued_at_s > now_s + leeway_s) return r.error = token_error::not_yet_valid, r;
    r.token = std::move(c);
    return r;
}

std::optional<claims> peek(std::string_view jwt) {
    auto p = split(jwt);
    if (!p) return std::nullopt;
    auto payload = decode_json(p->payload);
    if (!payload) return std::nullopt;
    return read_claims(*payload);
}

}  // namespace sb::protocol::token
