#pragma once
// The demo pages (web/ served under /demo/) and their development token endpoint
// (POST /demo/token), which mints a connection token for the demo app for any user who asks.
// That is only safe for a demo app, so the endpoint exists only when the operator names one
// (the embedded default app, or [demo] app = "…" in the configuration).

#include "api/hub.hpp"
#include "net/http_service.hpp"

#include <string>

namespace sb::api {

struct demo_options {
    std::string web_dir;   // folder served under /demo/ ("" = no pages)
    std::string app_id;    // app whose tokens /demo/token mints ("" = no endpoint)
};

class demo_pages {
public:
    demo_pages(hub& h, demo_options options) : hub_(h), options_(std::move(options)) {}

    // `request.path` starts with /demo.
    void handle(const net::http_request& request, net::http_responder respond);

private:
    void mint(const net::http_request& request, net::http_responder respond);

    hub& hub_;
    demo_options options_;
};

}  // namespace sb::api
