#pragma once
// The native REST API under /v1/realtime/ (the seed's Broadcast API; history, receipts, tokens,
// rooms and webhooks join it in their issues). Callers authenticate with X-App-Id and the app's
// secret in X-Api-Key; bodies and errors are JSON:API documents with the seed's codes.

#include "api/hub.hpp"
#include "core/ids.hpp"
#include "net/http_service.hpp"

#include <memory>
#include <vector>

namespace sb::api {

class native_rest_api {
public:
    explicit native_rest_api(hub& h);

    // `request.path` starts with /v1/realtime/.
    void handle(net::http_request request, net::http_responder respond);

private:
    void publish(const core::tenant& t, const net::http_request& request, bool batch, net::http_responder respond);

    hub& hub_;
    std::vector<std::unique_ptr<core::ulid_generator>> ids_;  // one per shard
};

}  // namespace sb::api
