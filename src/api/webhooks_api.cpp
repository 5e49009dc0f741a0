#include "api/webhooks_api.hpp"

#include "api/responses.hpp"

namespace sb::api {

void webhooks_api::handle(const rest_caller&, const net::http_request& request, const std::vector<std::string_view>&,
                          net::http_responder respond) {
    (void)hub_;
    respond(jsonapi_error(protocol::jsonapi::codes::not_found("no route for " + request.method + " " + request.path)));
}

}  // namespace sb::api
