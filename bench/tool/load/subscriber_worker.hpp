#pragma once
// A forked worker process that owns a slice of the subscriber connections.
//
// The plan is fixed before fork (the child inherits it, functions included); afterwards the
// controller only sends short commands over the pipe (ipc.hpp) and the worker answers with
// counters and, at the end, its histograms and per-sequence counts. One thread, one epoll set.
// Each process stays under the machine's 20,000 open files per process: the controller never
// plans more than max_connections_per_worker connections for one worker.

#include "load/ipc.hpp"
#include "load/ws_client.hpp"

#include <netinet/in.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sb::bench {

inline constexpr std::size_t max_connections_per_worker = 18'000;

// What a worker does with the stamped messages it receives.
enum class conn_role : std::uint8_t {
    counted,  // latency histograms per phase, counts per sequence number: the measured clients
    discard,  // counted only in tick.discarded (churn clients, client-event speakers)
    stall,    // the slow consumer: stops reading on `stall`, reads again on `resume`
    churn,    // connects and disconnects at churn_rate between churn_start and churn_stop
    observer, // measured like counted, but apart from the steps' figures (presence observers)
};

struct subscriber_plan {
    std::string name;  // for messages: "subscribers", "churn", "slow"
    conn_role role = conn_role::counted;
    std::uint64_t first_id = 0;  // this worker's connections have ids [first_id, first_id+count)
    std::size_t count = 0;
    // The channels (indexes into ws_client_config::channel_names) of connection `id`.
    std::function<std::vector<std::uint32_t>(std::uint64_t id)> channels_of;
    std::vector<in_addr> sources;  // source addresses, used round-robin; empty: kernel's choice
    int rcvbuf = 0;                // >0: small receive buffer (the slow consumer)
    std::size_t max_pending_connects = 256;  // connects + handshakes in flight at once
    double churn_rate = 0;                   // churn role: connects per second
    std::uint32_t churn_hold_ms = 1000;      // churn role: how long a churn client stays
    // churn role: with count > 0, stop after `count` connections (ids first_id + k, so each is a
    // distinct presence user); with 0, churn until churn_stop.
    // Joiners put a stamp with this phase in their presence user_info (ws_client).
    std::optional<std::uint32_t> presence_stamp_phase;
};

// Runs the worker loop until `exit` or until the controller goes away. Never returns to the
// caller's stack in a meaningful way: the forked child calls _exit with the result.
int run_subscriber_worker(const subscriber_plan& plan, const ws_client_config& config,
                          ipc_channel control);

}  // namespace sb::bench
