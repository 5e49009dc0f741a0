#pragma once
// Signatures of outgoing webhook requests (docs/webhooks.md "Verifying"). Pure and thread-safe.
//
// Native deliveries follow the Standard Webhooks specification (standardwebhooks.com):
//   webhook-id: the event id; webhook-timestamp: unix seconds;
//   webhook-signature: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)),
// where key is the base64-decoded part of the "whsec_…" secret.
// Pusher-format deliveries carry X-Pusher-Key and X-Pusher-Signature:
//   hex(HMAC-SHA256(app secret, body)), as Pusher's server SDKs verify.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::webhooks {

// "whsec_" + base64 of 32 random bytes.
[[nodiscard]] std::string generate_secret();

// "v1,<base64 signature>"; nullopt when `secret` is not whsec_ + base64.
[[nodiscard]] std::optional<std::string> standard_signature(std::string_view secret,
                                                            std::string_view message_id,
                                                            std::uint64_t timestamp_s,
                                                            std::string_view body);

// Lowercase hex HMAC-SHA256 of the raw body keyed with the app secret.
[[nodiscard]] std::string pusher_signature(std::string_view app_secret, std::string_view body);

}  // namespace sb::webhooks
