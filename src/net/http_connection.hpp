#pragma once
// An accepted TCP connection speaking HTTP/1.1 until it asks for a WebSocket (Boost.Beast
// parses; Beast stays inside http_connection.cpp). Keep-alive requests are answered in order;
// an idle or slow client is dropped after `idle_timeout`.

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace sb::net {

class shard;
class http_service;

struct http_limits {
    std::size_t max_header_size = 16 * 1024;
    std::size_t max_body_size = 1024 * 1024;
    std::chrono::seconds idle_timeout{60};
};

// Starts serving `socket` on `home` (call on home's thread).
void serve_http(shard& home, boost::asio::ip::tcp::socket socket, http_service& service,
                const http_limits& limits);

}  // namespace sb::net
