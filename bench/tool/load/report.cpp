#include "load/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <ostream>

namespace sb::bench {

namespace {

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

nlohmann::json latency_json(const histogram& h) {
    return {{"count", h.count()},
            {"p50_ms", ms(h.percentile(0.50))},
            {"p90_ms", ms(h.percentile(0.90))},
            {"p99_ms", ms(h.percentile(0.99))},
            {"p999_ms", ms(h.percentile(0.999))},
            {"max_ms", ms(h.max())},
            {"mean_ms", h.mean() / 1e6}};
}

nlohmann::json optional_json(const std::optional<std::uint64_t>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string human_rate(double v) {
    if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
    if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
    return fmt::format("{:.0f}", v);
}

}  // namespace

bool run_report::valid() const {
    for (const auto& s : steps) {
        if (!s.valid) return false;
    }
    return true;
}

double max_rate_within(const std::vector<step_result>& steps, double p99_limit_ms) {
    // Steps in rate order; the answer is the last rate before the first step that fails, so a
    // lucky step above a failing one does not count.
    std::vector<const step_result*> by_rate;
    for (const auto& s : steps) {
        if (s.phase != 0) by_rate.push_back(&s);
    }
    std::stable_sort(by_rate.begin(), by_rate.end(), [](const auto* a, const auto* b) {
        return a->target_rate < b->target_rate;
    });
    double best = 0;
    for (const auto* s : by_rate) {
        const bool ok = s->valid && s->reach() >= 0.999 && s->latency.count() > 0 &&
                        ms(s->latency.percentile(0.99)) < p99_limit_ms;
        if (!ok) break;
        best = s->target_rate;
    }
    return best;
}

nlohmann::json to_json(const run_report& report, const run_options& o, const machine_info& m) {
    nlohmann::json j;
    j["tool"] = "switchboard-bench";
    j["format"] = 1;
    j["scenario"] = report.scenario;
    j["label"] = o.label;
    j["target"] = o.target;
    j["started_at"] = utc_now();
    j["valid"] = report.valid();
    j["ok"] = report.ok;
    if (!report.failure.empty()) j["failure"] = report.failure;
    j["server"] = {{"pid", o.server_pid},
                   {"more_pids", o.more_server_pids},
                   {"threads", o.server_threads},
                   {"os_threads", report.server_os_threads},
                   {"rss_start_bytes", optional_json(report.server_rss_start)},
                   {"rss_end_bytes", optional_json(report.server_rss_end)}};
    j["parameters"] = {{"subscribers", o.subscribers},
                       {"rate", o.rate},
                       {"ramp", o.ramp},
                       {"duration_s", o.duration},
                       {"publish", o.publish},
                       {"channel", o.channel},
                       {"payload_bytes", o.payload},
                       {"workers", o.workers},
                       {"source_addrs", o.source_addrs},
                       {"http_connections", o.http_connections},
                       {"pipeline", o.pipeline},
                       {"warmup_s", o.warmup},
                       {"cpu_limit", o.cpu_limit},
                       {"p99_limit_ms", o.p99_limit_ms}};
    j["machine"] = {{"cpu_model", m.cpu_model},
                    {"cpus", m.cpus},
                    {"kernel", m.kernel},
                    {"memory_bytes", m.memory_bytes},
                    {"open_files_limit", m.open_files_limit}};
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : report.steps) {
        nlohmann::json tool = nlohmann::json::object();
        double tool_total = 0;
        for (const auto& c : s.tool_cpu) {
            tool[c.process] = c.cores;
            tool_total += c.cores;
        }
        steps.push_back({
            {"name", s.name},
            {"phase", s.phase},
            {"target_rate", s.target_rate},
            {"duration_s", s.duration_s},
            {"sent", s.pub.sent},
            {"sent_rate", s.sent_rate},
            {"late", s.pub.late},
            {"requests", s.pub.requests},
            {"http", {{"responses", s.pub.responses},
                      {"non_2xx", s.pub.non_2xx},
                      {"errors", s.pub.errors},
                      {"max_backlog", s.pub.max_backlog},
                      {"last_error", s.http_error},
                      {"latency", latency_json(s.http_latency)}}},
            {"window_s", s.window_s},
            {"deliveries_per_s", s.deliveries_per_s},
            {"expected", s.expected},
            {"received", s.received},
            {"reach", s.reach()},
            {"lost", s.lost},
            {"duplicates", s.duplicates},
            {"latency", latency_json(s.latency)},
            {"server_cpu_cores", s.server_cpu},
            {"server_rss_before_bytes", optional_json(s.server_rss_before)},
            {"server_rss_after_bytes", optional_json(s.server_rss_after)},
            {"tool_cpu_cores", tool},
            {"tool_cpu_total_cores", tool_total},
            {"busiest_tool_process", s.busiest_tool.process},
            {"busiest_tool_cores", s.busiest_tool.cores},
            {"connections_closed_by_server", s.closed_by_server},
            {"valid", s.valid},
            {"invalid_reason", s.invalid_reason},
        });
    }
    j["steps"] = steps;
    j["summary"] = report.summary;
    return j;
}

void print_table(std::ostream& out, const run_report& r, const run_options& o) {
    out << fmt::format("\n{} against {} ({}), server threads {}, {} subscribers, publish {}\n",
                       r.scenario, o.label.empty() ? "target" : o.label, o.target,
                       o.server_threads, o.subscribers, o.publish);
    if (!r.steps.empty()) {
        out << fmt::format("{:<16} {:>8} {:>8} {:>6} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6} "
                           "{:>6} {}\n",
                           "step", "rate", "sent/s", "late", "deliv/s", "reach", "p50ms",
                           "p99ms", "p99.9ms", "maxms", "srv%", "tool%", "valid");
    }
    for (const auto& s : r.steps) {
        out << fmt::format(
            "{:<16} {:>8} {:>8} {:>6} {:>10} {:>7.3f}% {:>8.2f} {:>8.2f} {:>8.2f} {:>8.1f} {:>6.0f} "
            "{:>6.0f} {}\n",
            s.name, human_rate(s.target_rate), human_rate(s.sent_rate), s.pub.late,
            human_rate(s.deliveries_per_s), s.reach() * 100, ms(s.latency.percentile(0.5)),
            ms(s.latency.percentile(0.99)), ms(s.latency.percentile(0.999)), ms(s.latency.max()),
            s.server_cpu * 100, s.busiest_tool.cores * 100,
            s.valid ? "yes" : "INVALID: " + s.invalid_reason);
        if (s.lost != 0 || s.duplicates != 0 || s.pub.errors != 0 || s.pub.non_2xx != 0 ||
            s.closed_by_server != 0) {
            out << fmt::format("{:<16} lost {} duplicates {} http non-2xx {} errors {} "
                               "closed by server {} {}\n",
                               "", s.lost, s.duplicates, s.pub.non_2xx, s.pub.errors,
                               s.closed_by_server, s.http_error);
        }
    }
    for (const auto& n : r.notes) out << n << "\n";
    out << (r.valid() ? "valid run" : "INVALID run: the load tool was saturated") << "; "
        << (r.ok ? "ok" : "FAILED: " + r.failure) << "\n";
}

}  // namespace sb::bench
