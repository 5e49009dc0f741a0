#include "api/http_router.hpp"

#include "api/client.hpp"
#include "api/conversations_api.hpp"
#include "api/responses.hpp"
#include "net/shard.hpp"
#include "protocol/pusher/request_signature.hpp"

#include <charconv>
#include <random>

namespace sb::api {

namespace pusher = protocol::pusher;

http_router::http_router(hub& h, const net::ws_limits& ws_limits, demo_options demo)
    : hub_(h),
      ws_limits_(ws_limits),
      pusher_api_(h),
      native_api_(h),
      demo_(h, std::move(demo)),
      next_socket_(h.shards().size(), 0) {
    std::random_device rd;
    node_id_ = 100'000'000 + (std::uint64_t{rd()} % 900'000'000);  // nine digits, never zero
}

void http_router::handle(net::http_request request, net::http_responder respond) {
    const std::string_view path = request.path;
    if (path == "/healthz") return respond(json_response(200, R"({"status":"ok"})"));
    if (path == "/readyz") {
        if (!ready_.load()) return respond(json_response(503, R"({"status":"shutting down"})"));
        if (!broker_ready_.load()) return respond(json_response(503, R"({"status":"broker unavailable"})"));
        return respond(json_response(200, R"({"status":"ready"})"));
    }
    if (path.rfind("/apps/", 0) == 0) return pusher_api_.handle(std::move(request), std::move(respond));
    if (path.rfind("/v1/", 0) == 0 || conversations_api::owns(path)) {
        // Browsers call the native API from other origins with keys in headers, never cookies,
        // so any origin may.
        if (request.method == "OPTIONS") {
            net::http_response r;
            r.status = 204;
            r.content_type = "text/plain";
            r.headers = {{"Access-Control-Allow-Origin", "*"},
                         {"Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS"},
                         {"Access-Control-Allow-Headers", "Content-Type, X-App-Id, X-Api-Key, Authorization"},
                         {"Access-Control-Max-Age", "600"}};
            return respond(std::move(r));
        }
        net::http_responder with_cors = [respond = std::move(respond)](net::http_response r) mutable {
            r.headers.emplace_back("Access-Control-Allow-Origin", "*");
            respond(std::move(r));
        };
        if (path.rfind("/v1/realtime/", 0) == 0 || conversations_api::owns(path))
            return native_api_.handle(std::move(request), std::move(with_cors));
        return with_cors(jsonapi_error(protocol::jsonapi::codes::not_found("no route for " + request.method + " " + request.path)));
    }
    if (path == "/demo" || path.rfind("/demo/", 0) == 0) return demo_.handle(request, std::move(respond));
    if (path == "/") return respond(text_response(200, "Switchboard: connect with a Pusher client to /app/{key}"));
    respond(jsonapi_error(protocol::jsonapi::codes::not_found("no route for " + request.method + " " + request.path)));
}

bool http_router::accepts_websocket(std::string_view path) const {
    // Exactly /app/{key}: one non-empty segment.
    if (path.rfind("/app/", 0) != 0) return false;
    const std::string_view key = path.substr(5);
    return !key.empty() && key.find('/') == std::string_view::npos;
}

void http_router::upgrade(net::http_request request, boost::asio::ip::tcp::socket socket,
                          std::string handshake_response, std::string leftover, net::shard& home) {
    const std::string_view key = std::string_view(request.path).substr(5);
    connect_request connect;
    const std::string decoded_key = pusher::percent_decode(key);
    connect.tenant = hub_.apps().find_by_key(decoded_key);

    const auto params = pusher::parse_query(request.query);
    if (const std::string* token = pusher::find_param(params, "token")) connect.token = *token;
    if (const std::string* ext = pusher::find_param(params, "extensions"))
        connect.native = ("," + *ext + ",").find(",native,") != std::string::npos;
    if (!connect.tenant && !connect.token.empty()) connect.app_id_from_path = decoded_key;
    const std::string* protocol_param = pusher::find_param(params, "protocol");
    if (!protocol_param) {
        connect.refusal = &pusher::errors::no_protocol;
    } else {
        int version = 0;
        const auto r = std::from_chars(protocol_param->data(), protocol_param->data() + protocol_param->size(), version);
        if (r.ec != std::errc{} || r.ptr != protocol_param->data() + protocol_param->size() || version < 5 ||
            version > 7)
            connect.refusal = &pusher::errors::unsupported_protocol;
    }
    if (!ready_.load()) connect.refusal = &pusher::errors::reconnect_now;

    const std::uint32_t shard_index = home.index();
    const std::uint64_t sequence = ++next_socket_[shard_index] * home.count() + shard_index;
    auto c = std::make_shared<client>(home, std::move(socket), ws_limits_, hub_, connect,
                                      core::socket_id{node_id_, sequence});
    c->start(handshake_response, leftover);
}

}  // namespace sb::api
