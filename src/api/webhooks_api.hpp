#pragma once
// The webhook routes of the native REST API: /v1/realtime/webhooks[/:id[/deliveries[/:id/redeliver]]]
// (issue: webhooks). Secret key only.

#include "api/hub.hpp"
#include "api/native_rest_api.hpp"
#include "net/http_service.hpp"

#include <string_view>
#include <vector>

namespace sb::api {

class webhooks_api {
public:
    explicit webhooks_api(hub& h) : hub_(h) {}

    // `segments` is the path split at '/' (v1, realtime, webhooks, …).
    void handle(const rest_caller& caller, const net::http_request& request,
                const std::vector<std::string_view>& segments, net::http_responder respond);

private:
    hub& hub_;
};

}  // namespace sb::api
