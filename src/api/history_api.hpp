#pragma once
// The history, search, import and read-receipt routes of the native REST API (the seed's
// "Message History API" and "Read Receipts API"):
//   GET  /v1/realtime/channels/:channel_id/messages?limit&before&after&order
//   POST /v1/realtime/channels/:channel_id/messages/import            (secret key)
//   POST /v1/realtime/channels/:channel_id/read
//   GET  /v1/realtime/channels/:channel_id/messages/:message_id/read
//   GET  /v1/realtime/messages/search?channel_id&query&limit&page
// Channel names come percent-decoded from the path. Reads run on the store's reader threads and
// answer on the shard that read the request.

#include "api/hub.hpp"
#include "api/native_rest_api.hpp"
#include "net/http_service.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sb::api {

class history_api {
public:
    explicit history_api(hub& h) : hub_(h) {}

    // `segments` is the path split at '/' (v1, realtime, …). Answers 404 for paths it does not know.
    void handle(const rest_caller& caller, const net::http_request& request,
                const std::vector<std::string_view>& segments, net::http_responder respond);

private:
    void page(const rest_caller& caller, std::string channel, const net::http_request& request,
              net::http_responder respond);
    void import(const rest_caller& caller, std::string channel, const net::http_request& request,
                net::http_responder respond);
    void mark(const rest_caller& caller, std::string channel, const net::http_request& request,
              net::http_responder respond);
    void status(const rest_caller& caller, std::string channel, std::string message_id, net::http_responder respond);
    void search(const rest_caller& caller, const net::http_request& request, net::http_responder respond);

    hub& hub_;
};

}  // namespace sb::api
