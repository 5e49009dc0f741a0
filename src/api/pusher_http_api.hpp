#pragma once
// Pusher's HTTP API under /apps/{app_id}/ (PUSHER.md 1.12): events, batch_events, channel and
// user queries, terminate_connections, with signed requests checked as Pusher does.
// Runs on the shard that read the request.

#include "api/hub.hpp"
#include "net/http_service.hpp"

namespace sb::api {

class pusher_http_api {
public:
    explicit pusher_http_api(hub& h) : hub_(h) {}

    // `request.path` starts with /apps/.
    void handle(net::http_request request, net::http_responder respond);

private:
    void trigger(const core::tenant& t, const net::http_request& request, bool batch, net::http_responder respond);
    void channels(const core::tenant& t, const net::http_request& request, net::http_responder respond);
    void channel(const core::tenant& t, std::string name, const net::http_request& request,
                 net::http_responder respond);
    void users(const core::tenant& t, std::string name, net::http_responder respond);

    hub& hub_;
};

}  // namespace sb::api
