#include "api/conversations_api.hpp"

#include "api/responses.hpp"

namespace sb::api {

bool conversations_api::owns(std::string_view path) noexcept {
    auto starts = [&](std::string_view p) { return path.substr(0, p.size()) == p; };
    return starts("/conversations/") || starts("/users/") || starts("/v1/realtime/conversations") ||
           starts("/v1/realtime/ai/");
}

void conversations_api::handle(const rest_caller&, const net::http_request& request,
                               const std::vector<std::string_view>&, net::http_responder respond) {
    (void)hub_;
    respond(jsonapi_error(protocol::jsonapi::codes::not_found("no route for " + request.method + " " + request.path)));
}

}  // namespace sb::api
