#pragma once
// Signed requests of the Pusher HTTP API (PUSHER.md 1.12): auth_key, auth_timestamp (within
// 600 s), auth_version 1.0, body_md5 recomputed from the raw body, and auth_signature =
// hex HMAC-SHA256(secret, METHOD\nPATH\nsorted k=v pairs joined by &), compared in constant time.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::protocol::pusher {

using query_params = std::vector<std::pair<std::string, std::string>>;  // percent-decoded

enum class signature_error : std::uint8_t {
    none,
    missing_auth_key,
    missing_signature,
    bad_version,
    bad_timestamp,
    expired_timestamp,
    body_md5_mismatch,
    signature_mismatch,
};

[[nodiscard]] std::string_view describe(signature_error error) noexcept;

// The string a client signs: METHOD\nPATH\nk=v&… over every parameter except auth_signature,
// keys sorted (keys lowercased, as Pusher documents).
[[nodiscard]] std::string request_string_to_sign(std::string_view method, std::string_view path,
                                                 const query_params& params);

// The value of a parameter, or nullptr.
[[nodiscard]] const std::string* find_param(const query_params& params, std::string_view name);

// Checks everything except which app the key belongs to (the caller looked it up from
// auth_key). `now_s` is the server's unix time in seconds.
[[nodiscard]] signature_error verify_request(std::string_view method, std::string_view path,
                                             const query_params& params, std::string_view body,
                                             std::string_view secret, std::int64_t now_s,
                                             std::int64_t max_skew_s = 600);

// Splits "a=1&b=x%20y" into decoded pairs ('+' is a space, as in forms).
[[nodiscard]] query_params parse_query(std::string_view query);
// Percent-decoding of a path segment or query value; '+' kept unless `plus_is_space`.
[[nodiscard]] std::string percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace sb::protocol::pusher
