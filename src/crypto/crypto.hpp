#pragma once
// Hashes, MACs and encodings used by the Pusher protocol (auth signatures, request signing,
// webhooks), the WebSocket handshake, Standard Webhooks and connection tokens.
// All functions are pure and thread-safe.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::crypto {

using sha256_digest = std::array<std::uint8_t, 32>;
using sha1_digest = std::array<std::uint8_t, 20>;
using md5_digest = std::array<std::uint8_t, 16>;

[[nodiscard]] sha256_digest hmac_sha256(std::string_view key, std::string_view message);
[[nodiscard]] sha1_digest hmac_sha1(std::string_view key, std::string_view message);
[[nodiscard]] sha256_digest sha256(std::string_view data);
[[nodiscard]] sha1_digest sha1(std::string_view data);
[[nodiscard]] md5_digest md5(std::string_view data);

// Lowercase hexadecimal, as Pusher signatures and body_md5 are written.
[[nodiscard]] std::string to_hex(const std::uint8_t* data, std::size_t size);
template <std::size_t N>
[[nodiscard]] std::string to_hex(const std::array<std::uint8_t, N>& digest) {
    return to_hex(digest.data(), N);
}
[[nodiscard]] std::string hmac_sha256_hex(std::string_view key, std::string_view message);
[[nodiscard]] std::string md5_hex(std::string_view data);

// Standard base64 with padding (RFC 4648 section 4) and the URL-safe unpadded form (JWT).
[[nodiscard]] std::string base64_encode(std::string_view data);
[[nodiscard]] std::string base64url_encode(std::string_view data);
template <std::size_t N>
[[nodiscard]] std::string base64_encode(const std::array<std::uint8_t, N>& digest) {
    return base64_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), N));
}
template <std::size_t N>
[[nodiscard]] std::string base64url_encode(const std::array<std::uint8_t, N>& digest) {
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), N));
}
// Accepts padded or unpadded input; nullopt on any character outside the alphabet.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);
[[nodiscard]] std::optional<std::string> base64url_decode(std::string_view text);

// Time independent of where the inputs first differ (lengths may leak, contents do not).
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b);

// Cryptographically secure random bytes (OpenSSL RAND_bytes); aborts if the CSPRNG fails.
[[nodiscard]] std::string random_bytes(std::size_t count);
// Random lowercase alphanumeric token, for ids and generated secrets.
[[nodiscard]] std::string random_token(std::size_t length);

}  // namespace sb::crypto
