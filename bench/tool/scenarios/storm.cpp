// Scenario 3, connection storm and idle memory: open N connections as fast as the server takes
// them, each subscribing to its own channel; report connects per second, and once they sit idle,
// the server's resident memory per subscribed connection (and the kernel's TCP memory, which
// counts both ends of each loopback connection). N up to 19,000 spreads over several worker
// processes (20,000 open files per process) and several source addresses (about 28,000
// ephemeral ports per source/destination pair).

#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

#include <fmt/format.h>

namespace sb::bench {

run_report run_storm(const run_options& o) {
    run_report report;
    report.scenario = o.scenario;
    controller c(o);
    const std::size_t n = o.subscribers;
    for (std::size_t i = 0; i < n; ++i) c.add_channel(fmt::format("storm-{}", i));
    group_spec g;
    g.name = "storm";
    g.count = n;
    g.workers = o.workers;
    g.max_pending_connects = 512;
    g.channels_of = [](std::uint64_t id) {
        return std::vector<std::uint32_t>{static_cast<std::uint32_t>(id)};
    };
    const std::size_t group = c.add_group(std::move(g));
    c.set_sources(choose_sources(o, "127.0.0.2-127.0.0.9"));
    c.start();

    c.idle(0.5);
    record_server_start(c, report);
    const std::uint64_t tcp_before = tcp_kernel_memory_bytes();
    const std::uint64_t slab_before = kernel_slab_bytes();
    c.log(fmt::format("storm: {} connections", n));
    const connect_result cr = c.connect(group, connect_timeout(n));
    const double per_s = cr.seconds > 0 ? static_cast<double>(cr.ready) / cr.seconds : 0.0;
    c.log(fmt::format("{} subscribed, {} failed in {:.2f} s: {:.0f} connects/s", cr.ready,
                      cr.failed, cr.seconds, per_s));
    c.log(fmt::format("idle {} s before reading memory", o.settle));
    c.idle(o.settle);
    const auto idle_mem = c.server_memory();
    const std::uint64_t tcp_idle = tcp_kernel_memory_bytes();
    const std::uint64_t slab_idle = kernel_slab_bytes();
    const tick_stats t = c.tick(group);

    nlohmann::json& s = report.summary;
    s["connections"] = n;
    s["subscribed"] = cr.ready;
    s["failed"] = cr.failed;
    s["still_open_after_idle"] = t.subscribed;
    s["connect_seconds"] = cr.seconds;
    s["connects_per_s"] = per_s;
    s["connect_latency_ms"] = {{"p50", static_cast<double>(cr.latency.percentile(0.5)) / 1e6},
                               {"p99", static_cast<double>(cr.latency.percentile(0.99)) / 1e6},
                               {"max", static_cast<double>(cr.latency.max()) / 1e6}};
    const double ready = static_cast<double>(std::max<std::size_t>(1, cr.ready));
    s["kernel_tcp_buffer_bytes_per_connection_both_ends"] =
        tcp_idle > tcp_before ? static_cast<double>(tcp_idle - tcp_before) / ready : 0.0;
    // Machine-wide, so other activity shows up here too: a rough figure.
    s["kernel_slab_bytes_per_connection_both_ends"] =
        slab_idle > slab_before ? static_cast<double>(slab_idle - slab_before) / ready : 0.0;
    report.notes.push_back(fmt::format(
        "connects: {} of {} subscribed in {:.2f} s = {:.0f} connects/s (p50 {:.1f} ms, p99 {:.1f} "
        "ms per connection); {} still subscribed after {} s idle",
        cr.ready, n, cr.seconds, per_s, static_cast<double>(cr.latency.percentile(0.5)) / 1e6,
        static_cast<double>(cr.latency.percentile(0.99)) / 1e6, t.subscribed, o.settle));
    if (report.server_rss_start && idle_mem) {
        const double delta =
            static_cast<double>(idle_mem->rss_bytes) - static_cast<double>(*report.server_rss_start);
        s["server_rss_idle_bytes"] = idle_mem->rss_bytes;
        s["server_rss_bytes_per_connection"] = delta / ready;
        report.notes.push_back(fmt::format(
            "server RSS {:.1f} MB -> {:.1f} MB idle: {:.0f} bytes per subscribed connection; "
            "kernel: {:.0f} bytes of slab and {:.0f} bytes of TCP buffers per connection (both "
            "ends of the loopback connection, machine-wide)",
            static_cast<double>(*report.server_rss_start) / 1e6,
            static_cast<double>(idle_mem->rss_bytes) / 1e6, delta / ready,
            s["kernel_slab_bytes_per_connection_both_ends"].get<double>(),
            s["kernel_tcp_buffer_bytes_per_connection_both_ends"].get<double>()));
    } else {
        report.notes.push_back("server memory not measured: pass --server-pid");
    }
    c.close_all();
    c.idle(std::min(o.settle, 2.0));
    record_server_end(c, report);
    if (report.server_rss_end) s["server_rss_after_close_bytes"] = *report.server_rss_end;
    if (cr.failed != 0) {
        report.ok = false;
        report.failure = fmt::format("{} connections failed", cr.failed);
    }
    return report;
}

}  // namespace sb::bench
