#pragma once
// The command line of switchboard-bench, parsed once in main and read by every scenario.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sb::bench {

struct ramp_spec {
    double from = 0;
    double to = 0;
    double step = 0;
    double seconds = 0;
    [[nodiscard]] std::vector<double> rates() const;
};

// "from:to:step:seconds", e.g. "100:1000:100:5". Throws std::invalid_argument.
[[nodiscard]] ramp_spec parse_ramp(const std::string& text);

struct run_options {
    std::string scenario;
    // One host:port, or several separated by commas (--target repeated): then connection i goes
    // to target i mod n and publish request k to target k mod n (a cluster's nodes).
    std::string target = "127.0.0.1:6001";
    std::string app_id = "app-id";
    std::string key = "app-key";
    std::string secret = "app-secret";
    std::size_t subscribers = 0;  // 0: the scenario's default
    double rate = 0;              // events per second; 0: the scenario's default
    std::string ramp;             // from:to:step:seconds; overrides rate
    double duration = 0;          // seconds per step; 0: the scenario's default
    std::string publish = "http"; // http | batch | client
    // fanout's channel; empty: bench-fanout (private-bench-fanout for client events). A colon name
    // such as chat:bench-fanout keeps history on Switchboard, so the same run measures its cost.
    std::string channel;
    std::size_t payload = 100;    // bytes of event data
    std::size_t workers = 0;      // subscriber processes; 0: automatic
    std::string source_addrs;     // e.g. 127.0.0.2-127.0.0.9; empty: scenario default
    pid_t server_pid = 0;
    std::vector<pid_t> more_server_pids;  // other nodes: CPU is summed over all, memory is the first's
    int server_threads = 0;       // as the server was started (--threads); recorded, not used
    std::string label;            // the target's name in results: switchboard, soketi, ...
    std::string json_path;
    std::size_t http_connections = 32;  // keep-alive connections of the HTTP publisher
    std::size_t pipeline = 1;
    double warmup = 1;            // seconds at the first rate before measuring (phase 0)
    double drain = 10;            // longest wait for outstanding deliveries after a step
    double churn_rate = 1000;     // churn: connects (and disconnects) per second
    std::uint32_t churn_hold_ms = 1000;
    double cpu_limit = 0.8;       // a tool process above this share of a core invalidates a run
    double p99_limit_ms = 50;     // the ramp's criterion
    bool ramp_continue = false;   // keep ramping after a step fails the criterion
    double settle = 3;            // storm: idle seconds before memory is read
    std::size_t room_size = 10;   // rooms: members per shared room
    std::size_t ballast_bytes = 10'000;  // slow-consumer: ballast event data (Pusher: <= 10 KB)
    double ballast_rate = 500;              // slow-consumer: ballast events per second
    std::size_t observers = 10;     // presence: members that watch the storm
    double join_rate = 100;         // presence: joins (and leaves) per second
    std::uint32_t hold_ms = 500;    // presence: how long a joiner stays
    std::size_t fanout_subscribers = 1000;  // presence: background fan-out's subscribers
    double fetch_rate = 50;         // history: page fetches per second
    std::size_t fetchers = 4;       // history: keep-alive connections of the fetcher
    std::size_t page_size = 50;     // history: messages per page (1-100)
    bool strict = false;            // presence, history: fail unless reach is 100%, no errors
    bool quiet = false;
};

}  // namespace sb::bench
