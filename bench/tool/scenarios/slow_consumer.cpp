// Scenario 5, slow consumer: the fan-out of scenario 1 plus one more subscriber on the same
// channel with a 4 KiB receive buffer. It also listens to a "ballast" channel that carries large
// events only to it, so that its queue on the server fills in seconds rather than minutes. First
// it reads normally (step "reading"), then it stops reading (step "stalled"). The other
// subscribers' latency must not change, and the server should disconnect the stalled one when its
// queue limit is reached (Switchboard closes with 4100). The stalled client cannot see the close
// while it is not reading: it resumes afterwards and reads up to the close frame or end of
// stream.

#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

#include <fmt/format.h>

#include <thread>

namespace sb::bench {

run_report run_slow_consumer(const run_options& o) {
    run_report report;
    report.scenario = o.scenario;
    controller c(o);
    const fanout_plan plan = plan_fanout(c, o);
    const std::uint32_t ch = plan.channel;
    const std::uint32_t ballast = c.add_channel("bench-ballast");
    group_spec slow;
    slow.name = "slow";
    slow.role = conn_role::stall;
    slow.count = 1;
    slow.rcvbuf = 4096;
    slow.channels_of = [ch, ballast](std::uint64_t) {
        return std::vector<std::uint32_t>{ch, ballast};
    };
    const std::size_t slow_group = c.add_group(std::move(slow));
    // The ballast goes through the same publisher as the fan-out events.
    publisher_plan pub;
    pub.mode = parse_publish_mode(o.publish);
    pub.target_of = [ch](std::uint64_t) { return ch; };
    if (pub.mode == publish_mode::client) pub.speaker_channels = {ch};
    pub.payload_bytes = o.payload;
    pub.http_connections = o.http_connections;
    pub.pipeline = o.pipeline;
    pub.ballast_channel = ballast;
    pub.ballast_bytes = o.ballast_bytes;
    c.set_publisher(std::move(pub));
    c.set_sources(choose_sources(o, ""));
    c.start();
    record_server_start(c, report);
    if (!connect_all(c, plan.group, report, o)) return report;
    const connect_result sc = c.connect(slow_group, 30);
    if (sc.ready != 1) {
        report.ok = false;
        report.failure = "the slow consumer could not subscribe";
        return report;
    }

    if (o.warmup > 0) (void)c.run_step("warmup", 0, o.rate, o.warmup, o.ballast_rate);
    c.log(fmt::format("reading: {} events/s + ballast {}/s x {} B for {} s", o.rate,
                      o.ballast_rate, o.ballast_bytes, o.duration));
    report.steps.push_back(c.run_step("reading", 1, o.rate, o.duration, o.ballast_rate));
    const tick_stats before = c.tick(slow_group);
    c.command(slow_group, ipc_type::stall);
    c.log("the slow consumer stops reading");
    report.steps.push_back(c.run_step("stalled", 2, o.rate, o.duration, o.ballast_rate));
    c.command(slow_group, ipc_type::resume);
    c.log("the slow consumer reads again, to see whether it was disconnected");
    tick_stats after = c.tick(slow_group);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.drain);
    // A server may close only after a grace period once its close frame is out: wait for the
    // close up to --drain seconds, or until nothing has arrived for 3 s.
    std::uint64_t last_bytes = after.bytes;
    auto last_change = std::chrono::steady_clock::now();
    while (after.open > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        after = c.tick(slow_group);
        const auto now = std::chrono::steady_clock::now();
        if (after.bytes != last_bytes) {
            last_bytes = after.bytes;
            last_change = now;
        } else if (now - last_change > std::chrono::seconds(3)) {
            break;  // drained and still connected
        }
    }
    (void)c.final_report(plan.group, &report.steps);
    record_server_end(c, report);

    const bool evicted = after.open == 0 && after.closed_by_server > 0;
    const auto p99 = [](const step_result& s) {
        return static_cast<double>(s.latency.percentile(0.99)) / 1e6;
    };
    nlohmann::json& s = report.summary;
    s["slow_consumer_evicted"] = evicted;
    s["slow_consumer_close_code"] = after.last_close_code;
    s["slow_consumer_events_received_while_stalled_and_after"] =
        after.discarded - before.discarded;
    s["slow_consumer_bytes_received_after_stall"] = after.bytes - before.bytes;
    s["p99_reading_ms"] = p99(report.steps[0]);
    s["p99_stalled_ms"] = p99(report.steps[1]);
    s["p99_ratio_stalled_over_reading"] =
        p99(report.steps[0]) > 0 ? p99(report.steps[1]) / p99(report.steps[0]) : 0.0;
    report.notes.push_back(fmt::format(
        "slow consumer: {} (close code {}), {} bytes read after it stalled; others' p99 {:.2f} ms "
        "reading -> {:.2f} ms stalled (x{:.2f})",
        evicted ? "disconnected by the server" : "NOT disconnected", after.last_close_code,
        after.bytes - before.bytes, p99(report.steps[0]), p99(report.steps[1]),
        s["p99_ratio_stalled_over_reading"].get<double>()));
    return report;
}

}  // namespace sb::bench
