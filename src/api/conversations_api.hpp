#pragma once
// The conversations, unread and AI routes (issue: conversations and AI):
//   /conversations/:conversation_uid/summary, /users/:user_uid/conversations/summary,
//   /users/:user_uid/unread-summary (the seed's paths, at the root), and
//   /v1/realtime/conversations…, /v1/realtime/ai/settings (management, secret key).
// Callers authenticate as on the native API (X-App-Id, X-Api-Key, Authorization: Bearer).

#include "api/hub.hpp"
#include "api/native_rest_api.hpp"
#include "net/http_service.hpp"

#include <string_view>
#include <vector>

namespace sb::api {

class conversations_api {
public:
    explicit conversations_api(hub& h) : hub_(h) {}

    // True for the paths above.
    [[nodiscard]] static bool owns(std::string_view path) noexcept;
    // `segments` is the path split at '/'.
    void handle(const rest_caller& caller, const net::http_request& request,
                const std::vector<std::string_view>& segments, net::http_responder respond);

private:
    hub& hub_;
};

}  // namespace sb::api
