#pragma once
// The conversations, unread and AI routes (issue 7; docs/ai.md):
//   GET    /conversations/:conversation_uid/summary               member token
//   or secret key GET    /users/:user_uid/conversations/summary?custom[k]=v
//   that user's token or secret GET
//   /users/:user_uid/unread-summary?has_unread=true|false  that user's token or
//   secret GET    /users/:user_uid/conversations?after&limit             that
//   user's token or secret POST   /v1/realtime/conversations secret key GET
//   /v1/realtime/conversations?user_uid&after&limit         secret key GET
//   /v1/realtime/conversations/:uid                        member token or
//   secret key PATCH  /v1/realtime/conversations/:uid secret key DELETE
//   /v1/realtime/conversations/:uid                        secret key POST
//   /v1/realtime/conversations/:uid/members                secret key DELETE
//   /v1/realtime/conversations/:uid/members/:user_uid      secret key GET
//   /v1/realtime/conversations/:uid/summary                as the root path GET
//   /v1/realtime/ai/settings, PATCH /v1/realtime/ai/settings   secret key GET
//   /v1/realtime/ai/profiles/:user_uid                     that user's token or
//   secret
// Callers authenticate as on the native API (X-App-Id, X-Api-Key,
// Authorization: Bearer). The secret key is the admin who sees every
// conversation; a bearer token acts for its user_id only. Store work runs on
// the history runner's threads, AI work on the AI service's thread; answers go
// back to the shard that read the request.

#include <string_view>
#include <vector>

#include "api/hub.hpp"
#include "api/native_rest_api.hpp"
#include "net/http_service.hpp"

namespace sb::ai {
class service;
}

namespace sb::api {

class conversations_api {
public:
    explicit conversations_api(hub& h) : hub_(h) {}

    // The AI service (null: the summary, digest and settings routes answer 404).
    // Set once at startup, before the listener starts.
    void set_service(ai::service* service) noexcept { ai_ = service; }

    // True for the paths above.
    [[nodiscard]] static bool owns(std::string_view path) noexcept;
    // `segments` is the path split at '/'.
    void handle(const rest_caller& caller, const net::http_request& request,
                const std::vector<std::string_view>& segments, net::http_responder respond);

private:
    void create(const rest_caller& caller, const net::http_request& request,
                net::http_responder respond);
    void show(const rest_caller& caller, std::string uid, net::http_responder respond);
    void update(const rest_caller& caller, std::string uid, const net::http_request& request,
                net::http_responder respond);
    void remove(const rest_caller& caller, std::string uid, net::http_responder respond);
    void add_members(const rest_caller& caller, std::string uid, const net::http_request& request,
                     net::http_responder respond);
    void remove_member(const rest_caller& caller, std::string uid, std::string user,
                       net::http_responder respond);
    void list(const rest_caller& caller, std::string user, const net::http_request& request,
              net::http_responder respond);
    void unread_summary(const rest_caller& caller, std::string user,
                        const net::http_request& request, net::http_responder respond);
    void summary(const rest_caller& caller, std::string uid, net::http_responder respond);
    void digest(const rest_caller& caller, std::string user, const net::http_request& request,
                net::http_responder respond);
    void settings(const rest_caller& caller, const net::http_request& request,
                  net::http_responder respond);
    void profile(const rest_caller& caller, std::string user, net::http_responder respond);

    hub& hub_;
    ai::service* ai_ = nullptr;
};

}  // namespace sb::api
