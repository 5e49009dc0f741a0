#pragma once
// The scenarios of switchboard-bench. Each is one function that plans connection groups and a
// publisher on a controller, runs its steps and fills a run_report. A new scenario is one more
// file and one more line in scenario.cpp's table: the controller offers groups with their own
// channels, a publisher, a history fetcher, phases, ticks and reports.

#include "load/options.hpp"
#include "load/report.hpp"

#include <string_view>
#include <vector>

namespace sb::bench {

struct scenario {
    std::string_view name;
    std::string_view summary;
    void (*defaults)(run_options&);  // fills what the user left at 0 / empty
    run_report (*run)(const run_options&);
};

[[nodiscard]] const std::vector<scenario>& all_scenarios();
[[nodiscard]] const scenario* find_scenario(std::string_view name);

run_report run_fanout(const run_options& o);
run_report run_smoke(const run_options& o);
run_report run_rooms(const run_options& o);
run_report run_storm(const run_options& o);
run_report run_churn(const run_options& o);
run_report run_slow_consumer(const run_options& o);
run_report run_presence(const run_options& o);
run_report run_history(const run_options& o);

}  // namespace sb::bench
