#pragma once
// The publisher: a forked worker process that sends stamped events on an open-loop schedule.
//
// Open loop: event k of a step is due at start + k/rate, whatever the server answers. It is
// stamped with that due time, so time spent waiting for a free connection counts as latency
// (no coordinated omission), and an event written more than 1 ms after its due time is counted
// as late. Modes:
//   http    POST /apps/{id}/events, one event per request, over `http_connections` keep-alive
//           connections with up to `pipeline` requests in flight on each
//   batch   POST /apps/{id}/batch_events with `batch_size` events per request (the request is due
//           when its first event is; all its events carry that stamp)
//   client  client events (`client-bench`) written by one "speaker" connection per target
//           channel; targets are private channels, so speakers sign their own subscriptions
// One thread, one epoll set, a timerfd for the schedule.

#include "load/ipc.hpp"
#include "load/pusher_signer.hpp"
#include "load/ws_client.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sb::bench {

enum class publish_mode : std::uint8_t { http, batch, client };

// Phase number of ballast events: above every real phase, so subscribers never count them.
inline constexpr std::uint32_t ballast_phase = 0xFFFF'FFF0U;

struct publisher_plan {
    publish_mode mode = publish_mode::http;
    // Channel (index into the channel names) that event `seq` goes to.
    std::function<std::uint32_t(std::uint64_t seq)> target_of;
    std::vector<std::uint32_t> speaker_channels;  // client mode: one speaker per channel
    std::size_t payload_bytes = 100;
    std::size_t http_connections = 8;
    std::size_t pipeline = 1;
    std::size_t batch_size = 10;
    std::optional<std::uint32_t> ballast_channel;  // slow consumer: the channel for ballast
    std::size_t ballast_bytes = 16 * 1024;
    std::vector<in_addr> sources;
};

// The body of ipc_type::publish.
struct publish_command {
    std::uint32_t phase = 0;
    std::uint32_t pad = 0;
    double rate = 0;               // events per second
    double ballast_rate = 0;       // ballast events per second (0: none)
    std::uint64_t duration_ns = 0;
    std::uint64_t first_seq = 0;
    std::uint64_t drain_ns = 5'000'000'000ULL;  // how long to wait for responses afterwards
};

int run_publisher(const publisher_plan& plan, const ws_client_config& config,
                  const pusher_signer& signer, ipc_channel control);

// Request building, exposed for the unit tests.
[[nodiscard]] std::string event_body(std::string_view channel, std::string_view data);
[[nodiscard]] std::string http_request(std::string_view host, std::string_view path_and_query,
                                       std::string_view body);

}  // namespace sb::bench
