#pragma once
// The history fetcher: a forked worker process that sends GET requests (history pages) on an
// open-loop schedule, the way the publisher sends events.
//
// Request k of a step is due at start + k/rate; its latency runs from that due time to the end of
// its response, so waiting for a free connection counts (no coordinated omission). Requests go
// over `connections` keep-alive connections, one in flight on each. Every non-2xx answer, and
// every request lost with its connection or unanswered after the drain, is a fetch error.
// One thread, one epoll set, a timerfd for the schedule.

#include "load/histogram.hpp"
#include "load/ipc.hpp"
#include "load/net.hpp"

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sb::bench {

struct fetcher_plan {
    endpoint target;
    std::string request;  // the whole GET request, written as is for every fetch
    std::size_t connections = 4;
    std::vector<in_addr> sources;
};

// The body of ipc_type::fetch.
struct fetch_command {
    double rate = 0;  // requests per second
    std::uint64_t duration_ns = 0;
    std::uint64_t drain_ns = 5'000'000'000ULL;  // how long to wait for answers afterwards
};

// The body of ipc_type::fetched, followed by the latency histogram (serialized) and the last
// error body.
struct fetch_result {
    std::uint64_t requests = 0;   // written
    std::uint64_t responses = 0;
    std::uint64_t non_2xx = 0;
    std::uint64_t errors = 0;     // lost with a connection, connect failures, unanswered
    std::uint64_t late = 0;       // written more than 1 ms after their due time
    std::uint64_t started_ns = 0;
    std::uint64_t finished_ns = 0;
};

// "GET {path} HTTP/1.1" with Host and the given extra header lines ("Name: value\r\n" each).
[[nodiscard]] std::string http_get_request(std::string_view host, std::string_view path,
                                           std::string_view headers);

int run_fetcher(const fetcher_plan& plan, ipc_channel control);

// One blocking request on a fresh connection, for probing a target before a run: the status
// (0 when the connection failed or no answer came within `timeout_s`) and the body.
struct probe_answer {
    unsigned status = 0;
    std::string body;
};
[[nodiscard]] probe_answer probe_http(const endpoint& target, const std::string& request,
                                      double timeout_s);

}  // namespace sb::bench
