// Scenario 4, churn: the fan-out of scenario 1 at a fixed rate, first steady, then with
// churn_rate connects and disconnects per second of other clients on the same channel (each
// stays churn_hold_ms, then sends a close frame and leaves). Compares the subscribers' p99.

#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

#include <fmt/format.h>

namespace sb::bench {

run_report run_churn(const run_options& o) {
    run_report report;
    report.scenario = o.scenario;
    controller c(o);
    const fanout_plan plan = plan_fanout(c, o);
    const std::uint32_t ch = plan.channel;
    group_spec churn;
    churn.name = "churn";
    churn.role = conn_role::churn;
    churn.count = 0;
    churn.workers = o.churn_rate > 2000 ? 2 : 1;
    churn.churn_rate = o.churn_rate;
    churn.churn_hold_ms = o.churn_hold_ms;
    churn.channels_of = [ch](std::uint64_t) { return std::vector<std::uint32_t>{ch}; };
    const std::size_t churn_group = c.add_group(std::move(churn));
    // Every churned connection leaves a TIME_WAIT socket on the tool's side for 60 s: spread
    // them over several source addresses.
    c.set_sources(choose_sources(o, "127.0.0.2-127.0.0.9"));
    c.start();
    record_server_start(c, report);
    if (!connect_all(c, plan.group, report, o)) return report;

    if (o.warmup > 0) (void)c.run_step("warmup", 0, o.rate, o.warmup);
    c.log(fmt::format("steady: {} events/s for {} s", o.rate, o.duration));
    report.steps.push_back(c.run_step("steady", 1, o.rate, o.duration));
    const tick_stats before = c.tick(churn_group);
    c.log(fmt::format("churn: {} connects/s on the same channel", o.churn_rate));
    c.command(churn_group, ipc_type::churn_start);
    report.steps.push_back(c.run_step("churn", 2, o.rate, o.duration));
    c.command(churn_group, ipc_type::churn_stop);
    const tick_stats after = c.tick(churn_group);
    (void)c.final_report(plan.group, &report.steps);
    record_server_end(c, report);

    const double churn_seconds =
        static_cast<double>(after.at_ns - before.at_ns) / 1e9;  // churn_start .. churn_stop
    const auto connects = after.churn_connects - before.churn_connects;
    const auto p99 = [](const step_result& s) {
        return static_cast<double>(s.latency.percentile(0.99)) / 1e6;
    };
    nlohmann::json& s = report.summary;
    s["churn_target_per_s"] = o.churn_rate;
    s["churn_connects"] = connects;
    s["churn_closes"] = after.churn_closes - before.churn_closes;
    s["churn_failures"] = after.churn_failures - before.churn_failures;
    s["churn_closed_by_server"] = after.closed_by_server - before.closed_by_server;
    s["churn_connects_per_s_approx"] =
        static_cast<double>(connects) / std::max(1e-9, churn_seconds);
    s["p99_steady_ms"] = p99(report.steps[0]);
    s["p99_churn_ms"] = p99(report.steps[1]);
    s["p99_ratio_churn_over_steady"] = p99(report.steps[0]) > 0
                                           ? p99(report.steps[1]) / p99(report.steps[0])
                                           : 0.0;
    report.notes.push_back(fmt::format(
        "churn: {} connect+subscribe cycles ({:.0f}/s asked {}), {} failures; p99 steady {:.2f} "
        "ms, with churn {:.2f} ms (x{:.2f})",
        connects, s["churn_connects_per_s_approx"].get<double>(), o.churn_rate,
        s["churn_failures"].get<std::uint64_t>(), p99(report.steps[0]), p99(report.steps[1]),
        s["p99_ratio_churn_over_steady"].get<double>()));
    return report;
}

}  // namespace sb::bench
