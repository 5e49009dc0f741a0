#include "scenarios/common.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace sb::bench {

publish_mode parse_publish_mode(const std::string& text) {
    if (text == "http") return publish_mode::http;
    if (text == "batch") return publish_mode::batch;
    if (text == "client") return publish_mode::client;
    throw std::invalid_argument("--publish must be http, batch or client");
}

std::vector<in_addr> choose_sources(const run_options& o, const char* fallback) {
    return parse_source_addrs(o.source_addrs.empty() ? fallback : o.source_addrs);
}

double connect_timeout(std::size_t count) { return 60.0 + static_cast<double>(count) / 200.0; }

fanout_plan plan_fanout(controller& c, const run_options& o) {
    const publish_mode mode = parse_publish_mode(o.publish);
    fanout_plan p;
    std::string name = o.channel;
    if (name.empty()) name = mode == publish_mode::client ? "private-bench-fanout" : "bench-fanout";
    if (mode == publish_mode::client && name.rfind("private", 0) != 0)
        throw std::invalid_argument("--publish client needs a private channel (private-… or private:…)");
    p.channel = c.add_channel(name);
    const std::uint32_t ch = p.channel;
    group_spec g;
    g.name = "subscribers";
    g.role = conn_role::counted;
    g.count = o.subscribers;
    g.workers = o.workers;
    g.channels_of = [ch](std::uint64_t) { return std::vector<std::uint32_t>{ch}; };
    p.group = c.add_group(std::move(g));
    publisher_plan pub;
    pub.mode = mode;
    pub.target_of = [ch](std::uint64_t) { return ch; };
    if (mode == publish_mode::client) pub.speaker_channels = {ch};
    pub.payload_bytes = o.payload;
    pub.http_connections = o.http_connections;
    pub.pipeline = o.pipeline;
    c.set_publisher(std::move(pub));
    return p;
}

bool connect_all(controller& c, std::size_t group, run_report& report, const run_options& o) {
    c.log(fmt::format("connecting {} subscribers to {}", o.subscribers, o.target));
    const connect_result cr = c.connect(group, connect_timeout(o.subscribers));
    c.log(fmt::format("{} subscribed, {} failed in {:.2f} s", cr.ready, cr.failed, cr.seconds));
    report.summary["subscribed"] = cr.ready;
    report.summary["subscribe_failures"] = cr.failed;
    report.summary["connect_seconds"] = cr.seconds;
    report.summary["connect_p99_ms"] = static_cast<double>(cr.latency.percentile(0.99)) / 1e6;
    c.connect_publisher(60);
    if (cr.failed != 0) {
        report.ok = false;
        report.failure = fmt::format("{} of {} subscribers failed to subscribe", cr.failed,
                                     o.subscribers);
        return false;
    }
    return true;
}

std::vector<double> requested_rates(const run_options& o) {
    if (!o.ramp.empty()) return parse_ramp(o.ramp).rates();
    return {o.rate};
}

void run_rate_steps(controller& c, const run_options& o, run_report& report,
                    const std::vector<double>& rates, const std::string& prefix) {
    if (o.warmup > 0 && !rates.empty()) {
        c.log(fmt::format("warm-up: {} events/s for {} s", rates.front(), o.warmup));
        (void)c.run_step("warmup", 0, rates.front(), o.warmup);
    }
    const double seconds = o.ramp.empty() ? o.duration : parse_ramp(o.ramp).seconds;
    int saturated_steps = 0;
    for (std::size_t i = 0; i < rates.size(); ++i) {
        const auto phase = static_cast<std::uint32_t>(i + 1);
        c.log(fmt::format("step {}: {} events/s for {} s", phase, rates[i], seconds));
        step_result s = c.run_step(fmt::format("{} {}", prefix, rates[i]), phase, rates[i], seconds);
        c.log(fmt::format("  {:.0f} deliveries/s, reach {:.4f}%, p99 {:.2f} ms, server {:.0f}%, "
                          "busiest tool process {} {:.0f}%",
                          s.deliveries_per_s, s.reach() * 100,
                          static_cast<double>(s.latency.percentile(0.99)) / 1e6,
                          s.server_cpu * 100, s.busiest_tool.process, s.busiest_tool.cores * 100));
        // Saturated: the subscribers get less than 90% of what was offered during the window,
        // or queues have grown to a second. Two such steps in a row end the ramp: further steps
        // would only measure a longer queue.
        const double offered = static_cast<double>(s.expected) / seconds;
        const bool saturated = s.deliveries_per_s < 0.9 * offered ||
                               static_cast<double>(s.latency.percentile(0.99)) >= 1e9;
        const bool broken = s.reach() < 0.99 || s.closed_by_server > 0;
        saturated_steps = saturated ? saturated_steps + 1 : 0;
        report.steps.push_back(std::move(s));
        if (!o.ramp.empty() && !o.ramp_continue && (broken || saturated_steps >= 2) &&
            i + 1 < rates.size()) {
            report.notes.push_back(fmt::format(
                "ramp stopped after step {}: {}", phase,
                broken ? "reach under 99% or subscribers disconnected"
                       : "saturated twice (under 90% of the offered deliveries, or p99 over 1 s)"));
            break;
        }
    }
}

void record_server_start(const controller& c, run_report& report) {
    if (auto m = c.server_memory()) {
        report.server_rss_start = m->rss_bytes;
        report.server_os_threads = m->threads;
    }
}

void record_server_end(const controller& c, run_report& report) {
    if (auto m = c.server_memory()) {
        report.server_rss_end = m->rss_bytes;
        report.server_os_threads = std::max(report.server_os_threads, m->threads);
    }
}

}  // namespace sb::bench
