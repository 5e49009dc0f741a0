#pragma once
// Pieces several scenarios share: publish modes, the fan-out plan, step loops and server facts.

#include "load/controller.hpp"
#include "load/options.hpp"
#include "load/report.hpp"

#include <string>
#include <vector>

namespace sb::bench {

[[nodiscard]] publish_mode parse_publish_mode(const std::string& text);

// The source addresses to use: the user's, else `fallback` (may be empty: the kernel chooses).
[[nodiscard]] std::vector<in_addr> choose_sources(const run_options& o, const char* fallback);

// Seconds to allow for connecting `count` connections.
[[nodiscard]] double connect_timeout(std::size_t count);

// The fan-out of scenario 1, shared by smoke, churn and slow-consumer: one channel ("bench-fanout",
// or "private-bench-fanout" for client events), o.subscribers counted subscribers on it, and a
// publisher aimed at it. Returns the counted group.
struct fanout_plan {
    std::uint32_t channel = 0;
    std::size_t group = 0;
};
fanout_plan plan_fanout(controller& c, const run_options& o);

// Connects the counted group and the publisher, recording connect figures in the summary.
// False (with report.ok = false) when some subscriber failed to subscribe.
bool connect_all(controller& c, std::size_t group, run_report& report, const run_options& o);

// The warm-up phase 0, then one step per rate (phases 1..n). For a ramp, stops after two
// consecutive saturated steps (under 90% of the offered deliveries per second, or p99 over 1 s),
// a step under 99% reach, or lost subscribers, unless o.ramp_continue.
void run_rate_steps(controller& c, const run_options& o, run_report& report,
                    const std::vector<double>& rates, const std::string& prefix = "rate");

// The rates the user asked for: the ramp's steps, else the single rate.
[[nodiscard]] std::vector<double> requested_rates(const run_options& o);

// Server RSS and thread count at the start/end of the run.
void record_server_start(const controller& c, run_report& report);
void record_server_end(const controller& c, run_report& report);

}  // namespace sb::bench
