#pragma once
// `switchboard-bench compare-results`: medians of several runs of two targets through the same
// scenario, and their ratios. bench/compare runs the servers and calls this on the JSON results.

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sb::bench {

struct comparison_input {
    std::string label_a;
    std::string label_b;
    std::vector<nlohmann::json> runs_a;
    std::vector<nlohmann::json> runs_b;
};

// Medians per step and per summary figure, with a/b ratios.
[[nodiscard]] nlohmann::json compare_runs(const comparison_input& in);
void print_comparison(std::ostream& out, const nlohmann::json& comparison);

// argv after "compare-results": --a FILE... --b FILE... [--json OUT]. Returns the exit code.
int compare_results_main(int argc, char** argv);

}  // namespace sb::bench
