#pragma once
// What net asks of the layer above: answer HTTP requests and take over WebSocket upgrades.
// Implemented by api; net owns the interface so that it depends on nothing above it.

#include "net/task.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::net {

class shard;

struct http_request {
    std::string method;  // "GET", "POST", …
    std::string path;    // raw (still percent-encoded), without the query
    std::string query;   // raw, without '?'
    std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
    std::string body;
    std::string remote_address;

    // The first header of that (lowercase) name, or "".
    [[nodiscard]] std::string_view header(std::string_view name) const noexcept {
        for (const auto& [k, v] : headers)
            if (k == name) return v;
        return {};
    }
};

struct http_response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

// Answers one request. Must be called exactly once; may be called from any thread (the
// connection's shard is where the response is written).
using http_responder = unique_callback<http_response>;

class http_service {
public:
    virtual ~http_service() = default;
    // Called on the shard that read the request.
    virtual void handle(http_request request, http_responder respond) = 0;
    // True when a WebSocket upgrade to this path is taken over by upgrade(); others get 404.
    [[nodiscard]] virtual bool accepts_websocket(std::string_view path) const = 0;
    // Takes over an upgraded connection: must write `handshake_response` first (ws_connection::
    // start does), then speak WebSocket. `leftover` is what the client sent after its request.
    virtual void upgrade(http_request request, boost::asio::ip::tcp::socket socket,
                         std::string handshake_response, std::string leftover, shard& home) = 0;
};

}  // namespace sb::net
