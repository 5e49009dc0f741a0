// Scenario 2, many rooms: every connection has its own channel and shares a room with
// room_size - 1 others. Chat-like traffic: 80% of events go to a random room, 20% to a random
// connection's own channel (client events: 100% rooms, sent by one speaker per room).

#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

#include <fmt/format.h>

namespace sb::bench {

namespace {

// A fixed mix of the sequence number, so the parent and the publisher agree on every event's
// target without sharing state.
std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

}  // namespace

run_report run_rooms(const run_options& o) {
    run_report report;
    report.scenario = o.scenario;
    const publish_mode mode = parse_publish_mode(o.publish);
    const std::string prefix = mode == publish_mode::client ? "private-" : "";
    controller c(o);
    const std::size_t n = o.subscribers;
    const std::size_t room_size = std::max<std::size_t>(2, o.room_size);
    const std::size_t rooms = (n + room_size - 1) / room_size;
    for (std::size_t i = 0; i < n; ++i) c.add_channel(fmt::format("{}user-{}", prefix, i));
    const auto first_room = static_cast<std::uint32_t>(n);
    for (std::size_t k = 0; k < rooms; ++k) c.add_channel(fmt::format("{}room-{}", prefix, k));

    group_spec g;
    g.name = "members";
    g.count = n;
    g.workers = o.workers;
    g.channels_of = [first_room, room_size](std::uint64_t id) {
        return std::vector<std::uint32_t>{static_cast<std::uint32_t>(id),
                                          first_room + static_cast<std::uint32_t>(id / room_size)};
    };
    const std::size_t group = c.add_group(std::move(g));

    publisher_plan pub;
    pub.mode = mode;
    const bool rooms_only = mode == publish_mode::client;
    pub.target_of = [n, rooms, first_room, rooms_only](std::uint64_t seq) {
        const std::uint64_t h = mix(seq);
        if (rooms_only || h % 10 < 8) {
            return first_room + static_cast<std::uint32_t>((h >> 8) % rooms);
        }
        return static_cast<std::uint32_t>((h >> 8) % n);
    };
    if (mode == publish_mode::client) {
        for (std::size_t k = 0; k < rooms; ++k) {
            pub.speaker_channels.push_back(first_room + static_cast<std::uint32_t>(k));
        }
    }
    pub.payload_bytes = o.payload;
    pub.http_connections = o.http_connections;
    pub.pipeline = o.pipeline;
    c.set_publisher(std::move(pub));
    c.set_sources(choose_sources(o, ""));
    c.start();
    record_server_start(c, report);
    if (!connect_all(c, group, report, o)) return report;
    run_rate_steps(c, o, report, requested_rates(o));
    (void)c.final_report(group, &report.steps);
    record_server_end(c, report);
    report.summary["rooms"] = rooms;
    report.summary["room_size"] = room_size;
    report.summary["max_rate_p99_under_limit"] = max_rate_within(report.steps, o.p99_limit_ms);
    report.notes.push_back(fmt::format("{} connections, {} rooms of {}; events: {}", n, rooms,
                                       room_size,
                                       rooms_only ? "client events to rooms"
                                                  : "80% to rooms, 20% to own channels"));
    return report;
}

}  // namespace sb::bench
