#include "load/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

namespace sb::bench {

namespace {

// The figures compared per step: JSON pointer within a step, and a short name.
const std::vector<std::pair<std::string, std::string>> step_metrics = {
    {"/deliveries_per_s", "deliveries/s"},
    {"/sent_rate", "sent/s"},
    {"/reach", "reach"},
    {"/latency/p50_ms", "p50 ms"},
    {"/latency/p99_ms", "p99 ms"},
    {"/latency/p999_ms", "p99.9 ms"},
    {"/latency/max_ms", "max ms"},
    {"/server_cpu_cores", "server cores"},
    {"/busiest_tool_cores", "tool cores (max)"},
};

std::optional<double> median(std::vector<double> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Values of one pointer over the runs, for the step called `step` ("" = summary).
std::vector<double> collect(const std::vector<nlohmann::json>& runs, const std::string& step,
                            const std::string& pointer) {
    std::vector<double> out;
    for (const auto& run : runs) {
        const nlohmann::json* node = nullptr;
        if (step.empty()) {
            node = &run["summary"];
        } else {
            for (const auto& s : run["steps"]) {
                if (s.value("name", "") == step) node = &s;
            }
        }
        if (node == nullptr) continue;
        const nlohmann::json::json_pointer p(pointer);
        if (node->contains(p) && (*node)[p].is_number()) out.push_back((*node)[p].get<double>());
    }
    return out;
}

nlohmann::json figure(const std::vector<double>& a, const std::vector<double>& b) {
    const auto ma = median(a);
    const auto mb = median(b);
    nlohmann::json f = {{"a", ma ? nlohmann::json(*ma) : nlohmann::json(nullptr)},
                        {"b", mb ? nlohmann::json(*mb) : nlohmann::json(nullptr)},
                        {"a_runs", a},
                        {"b_runs", b}};
    f["ratio"] = (ma && mb && *mb != 0) ? nlohmann::json(*ma / *mb) : nlohmann::json(nullptr);
    return f;
}

std::string number(const nlohmann::json& v) {
    if (!v.is_number()) return "-";
    const double d = v.get<double>();
    if (d >= 1e6) return fmt::format("{:.2f}M", d / 1e6);
    if (d >= 1e4) return fmt::format("{:.1f}k", d / 1e3);
    if (d >= 100) return fmt::format("{:.0f}", d);
    return fmt::format("{:.3g}", d);
}

}  // namespace

nlohmann::json compare_runs(const comparison_input& in) {
    nlohmann::json out;
    out["a"] = in.label_a;
    out["b"] = in.label_b;
    const auto first = !in.runs_a.empty() ? in.runs_a.front() : nlohmann::json::object();
    out["scenario"] = first.value("scenario", "");
    out["runs_a"] = in.runs_a.size();
    out["runs_b"] = in.runs_b.size();
    const auto valid_count = [](const std::vector<nlohmann::json>& runs) {
        return std::count_if(runs.begin(), runs.end(),
                             [](const auto& r) { return r.value("valid", false); });
    };
    out["valid_a"] = valid_count(in.runs_a);
    out["valid_b"] = valid_count(in.runs_b);
    out["threads_a"] = first.contains("server") ? first["server"].value("threads", 0) : 0;
    out["threads_b"] = !in.runs_b.empty() && in.runs_b.front().contains("server")
                           ? in.runs_b.front()["server"].value("threads", 0)
                           : 0;
    // Steps in the order of the first run of a, then any only b has.
    std::vector<std::string> steps;
    for (const auto* runs : {&in.runs_a, &in.runs_b}) {
        for (const auto& run : *runs) {
            const nlohmann::json run_steps = run.value("steps", nlohmann::json::array());
            for (const auto& s : run_steps) {
                const std::string name = s.value("name", "");
                if (std::find(steps.begin(), steps.end(), name) == steps.end()) {
                    steps.push_back(name);
                }
            }
        }
    }
    out["steps"] = nlohmann::json::array();
    for (const auto& step : steps) {
        nlohmann::json row = {{"name", step}};
        for (const auto& [pointer, name] : step_metrics) {
            row[name] = figure(collect(in.runs_a, step, pointer), collect(in.runs_b, step, pointer));
        }
        out["steps"].push_back(row);
    }
    std::map<std::string, bool> keys;
    for (const auto* runs : {&in.runs_a, &in.runs_b}) {
        for (const auto& run : *runs) {
            const nlohmann::json summary = run.value("summary", nlohmann::json::object());
            for (const auto& [k, v] : summary.items()) {
                if (v.is_number()) keys[k] = true;
            }
        }
    }
    out["summary"] = nlohmann::json::object();
    for (const auto& [k, unused] : keys) {
        out["summary"][k] = figure(collect(in.runs_a, "", "/" + k), collect(in.runs_b, "", "/" + k));
    }
    return out;
}

void print_comparison(std::ostream& os, const nlohmann::json& c) {
    os << fmt::format("\n{}: a = {} ({} threads, {}/{} runs valid), b = {} ({} threads, {}/{} "
                      "runs valid); medians\n",
                      c.value("scenario", ""), c.value("a", ""), c.value("threads_a", 0),
                      c.value("valid_a", 0), c.value("runs_a", 0), c.value("b", ""),
                      c.value("threads_b", 0), c.value("valid_b", 0), c.value("runs_b", 0));
    os << fmt::format("{:<18} {:<18} {:>10} {:>10} {:>8}\n", "step", "figure", "a", "b", "a/b");
    for (const auto& row : c["steps"]) {
        bool first = true;
        for (const auto& [pointer, name] : step_metrics) {
            const auto& f = row[name];
            if (f["a"].is_null() && f["b"].is_null()) continue;
            os << fmt::format("{:<18} {:<18} {:>10} {:>10} {:>8}\n",
                              first ? row.value("name", "") : "", name, number(f["a"]),
                              number(f["b"]),
                              f["ratio"].is_number() ? fmt::format("{:.2f}", f["ratio"].get<double>())
                                                     : "-");
            first = false;
        }
    }
    bool first = true;
    for (const auto& [k, f] : c["summary"].items()) {
        os << fmt::format("{:<18} {:<18} {:>10} {:>10} {:>8}\n", first ? "summary" : "", k,
                          number(f["a"]), number(f["b"]),
                          f["ratio"].is_number() ? fmt::format("{:.2f}", f["ratio"].get<double>())
                                                 : "-");
        first = false;
    }
}

int compare_results_main(int argc, char** argv) {
    comparison_input in;
    std::string json_out;
    std::vector<nlohmann::json>* list = nullptr;
    for (int i = 0; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--a") {
            list = &in.runs_a;
        } else if (arg == "--b") {
            list = &in.runs_b;
        } else if (arg == "--json" && i + 1 < argc) {
            json_out = argv[++i];
        } else if (list != nullptr) {
            std::ifstream f(arg);
            const auto j = nlohmann::json::parse(f, nullptr, false);
            if (j.is_discarded()) {
                std::cerr << "compare-results: cannot read " << arg << "\n";
                return 1;
            }
            list->push_back(j);
        } else {
            std::cerr << "usage: switchboard-bench compare-results --a A.json... --b B.json... "
                         "[--json OUT]\n";
            return 2;
        }
    }
    if (in.runs_a.empty() || in.runs_b.empty()) {
        std::cerr << "compare-results: need results for both --a and --b\n";
        return 2;
    }
    in.label_a = in.runs_a.front().value("label", "a");
    in.label_b = in.runs_b.front().value("label", "b");
    const auto c = compare_runs(in);
    if (!json_out.empty()) std::ofstream(json_out) << c.dump(2) << "\n";
    print_comparison(std::cout, c);
    return 0;
}

}  // namespace sb::bench
