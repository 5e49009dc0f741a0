#pragma once
// An asynchronous HTTP/1.1 client for outgoing calls (webhook deliveries, LLM requests): http and
// https URLs, TLS with certificate verification against the system's CAs (Boost.Beast + OpenSSL),
// a deadline per request covering connect, TLS, write and read, a bounded response body, and
// keep-alive connections reused per origin. Beast stays in http_client.cpp.
//
// Thread: an http_client belongs to one io_context; call send() from that context's thread (or
// post to it). `done` runs on that thread exactly once, also on failure (status 0, error set).

#include "net/task.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace sb::net {

struct http_client_options {
    bool verify_tls = true;                       // off only for tests against self-signed servers
    std::size_t max_response_body = 1024 * 1024;  // larger bodies fail the request
    std::size_t max_idle_per_origin = 4;          // kept-alive connections per scheme://host:port
    std::chrono::seconds idle_timeout{30};        // idle kept-alive connections older than this are closed
    std::string user_agent = "switchboard";
};

struct http_client_request {
    std::string method = "POST";
    std::string url;  // http://… or https://…
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::chrono::milliseconds timeout{10'000};
};

struct http_client_response {
    int status = 0;     // 0 when no response arrived
    std::string error;  // transport failure or timeout ("" when a response arrived)
    std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
    std::string body;
    std::chrono::microseconds elapsed{0};
};

class http_client {
public:
    explicit http_client(boost::asio::io_context& context, http_client_options options = {});
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    void send(http_client_request request, unique_callback<http_client_response> done);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace sb::net
