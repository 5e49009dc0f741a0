#pragma once
// What workers report to the controller, and the helpers that merge it.

#include "load/histogram.hpp"
#include "load/ipc.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace sb::bench {

// Counters a worker answers a tick with; cheap enough to ask for at every step boundary.
struct tick_stats {
    std::uint64_t at_ns = 0;
    std::uint64_t deliveries = 0;  // stamped messages received on counted connections
    std::uint64_t discarded = 0;   // stamped messages on uncounted connections (churn, speakers)
    std::uint64_t frames = 0;      // every frame received
    std::uint64_t bytes = 0;       // every byte received
    std::uint64_t cpu_ns = 0;      // getrusage(RUSAGE_SELF) user + system
    std::uint64_t churn_connects = 0;  // churn: connect + subscribe cycles completed
    std::uint64_t churn_closes = 0;    // churn: connections closed by the tool
    std::uint64_t churn_failures = 0;
    std::uint64_t members_added = 0;    // unstamped pusher_internal:member_added received
    std::uint64_t members_removed = 0;  // pusher_internal:member_removed received
    std::uint32_t open = 0;              // connections open now
    std::uint32_t subscribed = 0;        // connections with every channel subscribed
    std::uint32_t closed_by_server = 0;  // subscribed connections the server closed or reset
    std::uint32_t failed = 0;            // connections that never got subscribed
    std::uint32_t last_close_code = 0;   // last close code the server sent (1006: no close frame)
    std::uint32_t protocol_errors = 0;   // pusher:error, subscription_error, bad frames
};

struct phase_stats {
    std::uint64_t deliveries = 0;
    histogram latency;  // scheduled send -> received, ns
};

// Everything one subscriber worker measured, merged across workers by the controller.
struct worker_report {
    tick_stats tick;
    std::map<std::uint32_t, std::unique_ptr<phase_stats>> phases;
    std::vector<std::uint32_t> seq_counts;  // deliveries per sequence number (counted conns)
    histogram connect_latency;              // connect() -> every channel subscribed
    std::uint64_t connect_elapsed_ns = 0;   // first connect() -> last subscription, this worker

    phase_stats& phase(std::uint32_t id);
    void merge(const worker_report& other);
    void write(ipc_writer& w) const;
    bool read(ipc_reader& r);
};

// One step of the publisher.
struct publish_result {
    std::uint32_t phase = 0;
    std::uint32_t pad = 0;
    std::uint64_t first_seq = 0;  // sequence numbers [first_seq, end_seq) were published
    std::uint64_t end_seq = 0;
    std::uint64_t sent = 0;       // events sent (a batch request carries several)
    std::uint64_t requests = 0;   // HTTP requests or WebSocket frames
    std::uint64_t late = 0;       // events written more than 1 ms after their scheduled time
    std::uint64_t responses = 0;  // HTTP responses received
    std::uint64_t non_2xx = 0;
    std::uint64_t errors = 0;     // connection failures, requests lost to a closed connection
    std::uint64_t max_backlog = 0;  // most requests waiting for a free connection at once
    std::uint64_t started_ns = 0;
    std::uint64_t finished_ns = 0;  // the last scheduled event was written
    std::uint64_t ballast_sent = 0;
    std::uint64_t cpu_ns = 0;
};

}  // namespace sb::bench
