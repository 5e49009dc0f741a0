#pragma once
// The result of one run: a JSON document (one per run, for bench/compare and the docs) and a
// human table on stdout.

#include "load/controller.hpp"
#include "load/options.hpp"
#include "load/proc_stats.hpp"

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace sb::bench {

struct run_report {
    std::string scenario;
    std::vector<step_result> steps;
    nlohmann::json summary = nlohmann::json::object();  // scenario-specific figures
    std::vector<std::string> notes;                     // printed under the table
    bool ok = true;           // the scenario's own verdict (smoke: 100% reach, no duplicates)
    std::string failure;
    std::optional<std::uint64_t> server_rss_start;
    std::optional<std::uint64_t> server_rss_end;
    std::uint32_t server_os_threads = 0;

    [[nodiscard]] bool valid() const;
};

[[nodiscard]] nlohmann::json to_json(const run_report& report, const run_options& options,
                                     const machine_info& machine);
void print_table(std::ostream& out, const run_report& report, const run_options& options);

// The highest target rate up to which every step kept p99 under the limit with full reach
// (>= 99.9%) and a valid measurement; 0 when the first step already failed.
[[nodiscard]] double max_rate_within(const std::vector<step_result>& steps, double p99_limit_ms);

}  // namespace sb::bench
