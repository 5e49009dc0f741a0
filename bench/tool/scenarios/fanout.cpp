// Scenario 1, fan-out: N subscribers on one channel, events published at fixed rates or an
// open-loop ramp; and the smoke run the test suite uses (the same plan, small, checked for
// exactly 100% reach and no duplicates).

#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

#include <fmt/format.h>

namespace sb::bench {

run_report run_fanout(const run_options& o) {
    run_report report;
    report.scenario = o.scenario;
    controller c(o);
    const fanout_plan plan = plan_fanout(c, o);
    c.set_sources(choose_sources(o, ""));
    c.start();
    record_server_start(c, report);
    if (!connect_all(c, plan.group, report, o)) return report;
    run_rate_steps(c, o, report, requested_rates(o));
    (void)c.final_report(plan.group, &report.steps);
    record_server_end(c, report);
    const double best = max_rate_within(report.steps, o.p99_limit_ms);
    report.summary["max_rate_p99_under_limit"] = best;
    report.notes.push_back(fmt::format("max rate with p99 < {} ms: {} events/s ({} deliveries/s)",
                                       o.p99_limit_ms, best,
                                       best * static_cast<double>(o.subscribers)));
    return report;
}

run_report run_smoke(const run_options& o) {
    run_report report = run_fanout(o);
    if (!report.ok) return report;
    for (const auto& s : report.steps) {
        if (s.expected == 0 || s.received != s.expected || s.lost != 0 || s.duplicates != 0 ||
            s.pub.errors != 0 || s.pub.non_2xx != 0 || s.closed_by_server != 0) {
            report.ok = false;
            report.failure = fmt::format(
                "{}: expected {} deliveries, received {} (lost {}, duplicates {}), http errors {} "
                "non-2xx {} {}, connections closed by the server {}",
                s.name, s.expected, s.received, s.lost, s.duplicates, s.pub.errors,
                s.pub.non_2xx, s.http_error, s.closed_by_server);
            return report;
        }
    }
    report.notes.push_back("smoke: 100% reach, no duplicates");
    return report;
}

}  // namespace sb::bench
