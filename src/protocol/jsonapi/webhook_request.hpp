#pragma once
// Bodies of POST and PATCH /v1/realtime/webhooks[/:id] (the seed's "Configure Webhooks"):
//   {"data":{"type":"webhooks","attributes":{"url","events","secret","active","format","channels"}}}
// and the rules a webhook's fields follow, shared by the API and the TOML config: the event
// names of each format, URLs, whsec_ secrets, channel patterns, the operator's host allow-list.
// Pure functions (docs/webhooks.md describes the fields).

#include "protocol/jsonapi/document.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::protocol::jsonapi {

// Native format (the seed's list; presence.update and webrtc.* are emitted once their features
// exist, webhook.disabled when an endpoint is switched off automatically).
inline constexpr std::array<std::string_view, 11> native_event_types{
    "channel.subscribed",      "channel.unsubscribed",  "message.sent",
    "presence.join",           "presence.leave",        "presence.update",
    "webhook.disabled",        "webrtc.room.created",   "webrtc.participant.joined",
    "webrtc.participant.left", "webrtc.recording.ready"};
// Pusher format (PUSHER.md 1.13).
inline constexpr std::array<std::string_view, 6> pusher_event_types{
    "channel_occupied", "channel_vacated", "member_added",
    "member_removed",   "client_event",    "cache_miss"};

inline constexpr std::size_t max_webhook_url = 2048;
inline constexpr std::size_t max_channel_patterns = 100;
inline constexpr std::size_t min_secret_bytes = 24;
inline constexpr std::size_t max_secret_bytes = 64;

// The attributes a request sets; absent ones are left as they are (PATCH) or defaulted (POST).
struct webhook_fields {
    std::optional<std::string> url;
    std::optional<std::vector<std::string>> events;
    std::optional<std::string> secret;
    std::optional<bool> active;
    std::optional<std::string> format;                 // "native" or "pusher"
    std::optional<std::vector<std::string>> channels;  // [] or null: every channel
};

struct webhook_request {
    webhook_fields fields;
    std::vector<error> errors;  // empty when valid
};

// Parses and checks each attribute on its own. `id`, when not empty, must match data.id if the
// body has one (PATCH). Read-only attributes that GET returns are accepted and ignored, so a
// client may send back what it read; other unknown attributes are errors.
[[nodiscard]] webhook_request parse_webhook_request(std::string_view body,
                                                    std::string_view id = {});

// Checks the fields of a whole webhook together (after a PATCH is merged into the stored one):
// the events belong to the format, and a pusher-format webhook has no secret of its own.
[[nodiscard]] std::vector<error> check_webhook(std::string_view format,
                                               const std::vector<std::string>& events,
                                               std::string_view secret);

// Each check returns the reason it fails, or "" when the value is fine.
[[nodiscard]] std::string check_webhook_url(std::string_view url);
[[nodiscard]] std::string check_webhook_secret(std::string_view secret);
[[nodiscard]] std::string check_channel_pattern(std::string_view pattern);

// The host of an absolute http(s) URL, lowercased, without brackets or port ("" when none).
[[nodiscard]] std::string url_host(std::string_view url);
// True when `allowed` is empty (no restriction) or one of its patterns matches the URL's host:
// "example.com" itself, "*.example.com" any subdomain (not example.com), "*" anything.
[[nodiscard]] bool host_allowed(std::string_view url, const std::vector<std::string>& allowed);

namespace codes {
// 409: the request conflicts with the resource's state (e.g. a webhook declared in the config).
[[nodiscard]] error conflict(std::string detail);
// 400: the URL's host is not among the operator's allowed_hosts.
[[nodiscard]] error url_not_allowed(std::string detail);
}  // namespace codes

}  // namespace sb::protocol::jsonapi
