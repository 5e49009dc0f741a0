#pragma once
// One keep-alive HTTP/1.1 connection of the publisher, with pipelining: requests are written
// back to back and responses are matched to them in order (RFC 9112 section 9.3.2).
//
// Owned by the publisher process's single thread; edge-triggered in its epoll set. Parses only
// what it needs from a response: the status, Content-Length or chunked framing, and
// "Connection: close".

#include "load/histogram.hpp"
#include "load/net.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sb::bench {

struct http_counters {
    std::uint64_t responses = 0;
    std::uint64_t non_2xx = 0;
    std::uint64_t lost_events = 0;  // events in requests that died with their connection
    std::uint64_t connect_failures = 0;
    histogram latency;              // request written -> response complete
    std::string last_error_body;    // body of the last non-2xx response (first 200 bytes)
};

class http_client {
public:
    http_client(const endpoint& target, const in_addr* source, http_counters& counters,
                std::uint64_t tag);
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    // Starts (or restarts) the TCP connect; registers with `ep`.
    bool open(epoll_set& ep);
    void on_event(std::uint32_t events);

    // Writes one request carrying `events` events; false if the connection is not open.
    bool send(std::string_view request, std::uint32_t events, std::uint64_t now);

    [[nodiscard]] bool is_open() const noexcept { return connected_ && fd_ >= 0; }
    [[nodiscard]] bool is_closed() const noexcept { return fd_ < 0; }
    [[nodiscard]] std::size_t in_flight() const noexcept { return pending_.size(); }
    [[nodiscard]] std::size_t queued_bytes() const noexcept { return out_.size(); }

private:
    struct pending_request {
        std::uint64_t sent_ns;
        std::uint32_t events;
    };
    void read_all();
    // Parses complete responses at the front of in_; false on a malformed response.
    bool parse_responses();
    void flush();
    void fail();

    endpoint target_;
    const in_addr* source_;
    http_counters& counters_;
    epoll_set* ep_ = nullptr;
    std::deque<pending_request> pending_;
    std::string in_;
    std::string out_;
    std::uint64_t tag_;
    int fd_ = -1;
    bool connected_ = false;
    bool close_after_ = false;
};

// Reopens the connections the server closed, at most every 50 ms (`last_ns` keeps the time).
void reopen_closed(std::vector<std::unique_ptr<http_client>>& clients, epoll_set& ep, std::uint64_t& last_ns,
                   std::uint64_t now_ns);

}  // namespace sb::bench
