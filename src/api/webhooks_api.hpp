#pragma once
// The webhook routes of the native REST API (docs/webhooks.md "API"), secret key only:
//   POST   /v1/realtime/webhooks                                   create
//   GET    /v1/realtime/webhooks                                   list
//   GET    /v1/realtime/webhooks/:id                               read
//   PATCH  /v1/realtime/webhooks/:id                               change
//   DELETE /v1/realtime/webhooks/:id                               delete (with its outbox)
//   GET    /v1/realtime/webhooks/:id/deliveries?limit&status&before  the delivery log
//   POST   /v1/realtime/webhooks/:id/deliveries/:delivery_id/redeliver
// Bodies are parsed by protocol/jsonapi/webhook_request; the work is done by the webhook
// service through webhooks::management, which answers on a storage thread (http_responder may be
// called from any thread).

#include "api/hub.hpp"
#include "api/native_rest_api.hpp"
#include "net/http_service.hpp"

#include <string_view>
#include <vector>

namespace sb::webhooks {
class management;
}  // namespace sb::webhooks

namespace sb::api {

class webhooks_api {
public:
    explicit webhooks_api(hub& h) : hub_(h) {}

    // The webhook service; null (the default) answers 404: webhooks are switched off. Set
    // before the server starts.
    void set_service(webhooks::management* service) noexcept { service_ = service; }

    // `segments` is the path split at '/' (v1, realtime, webhooks, …).
    void handle(const rest_caller& caller, const net::http_request& request,
                const std::vector<std::string_view>& segments, net::http_responder respond);

private:
    hub& hub_;
    webhooks::management* service_ = nullptr;
};

}  // namespace sb::api
