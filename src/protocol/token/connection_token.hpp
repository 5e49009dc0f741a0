#pragma once
// Connection tokens (docs/protocol.md "Connection tokens"): JWTs signed with HS256 and the app's
// secret, carrying who the user is and which channels they may use.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::protocol::token {

struct claims {
    std::string app_id;       // iss
    std::string environment;  // env: "production" or "staging"
    std::string user_id;      // sub
    std::string user_info_json = "null";
    std::vector<std::string> channels;  // grant patterns
    std::uint64_t issued_at_s = 0;      // iat
    std::uint64_t expires_at_s = 0;     // exp
    std::string token_id;               // jti
};

[[nodiscard]] std::string mint(const claims& c, std::string_view secret);

enum class token_error : std::uint8_t { none, malformed, bad_algorithm, bad_signature, expired, not_yet_valid, missing_claims };
[[nodiscard]] std::string_view describe(token_error e) noexcept;

struct verify_result {
    std::optional<claims> token;
    token_error error = token_error::none;
};

// Checks shape, algorithm (HS256 only), signature (constant time), exp and iat (60 s leeway).
[[nodiscard]] verify_result verify(std::string_view jwt, std::string_view secret, std::uint64_t now_s);

// Reads iss and env without checking anything, to find whose secret verifies the token.
[[nodiscard]] std::optional<claims> peek(std::string_view jwt);

}  // namespace sb::protocol::token
