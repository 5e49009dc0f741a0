// switchboard-bench: the Pusher-protocol load generator. See bench/README.md.

#include "load/compare.hpp"
#include "load/options.hpp"
#include "load/proc_stats.hpp"
#include "load/report.hpp"
#include "scenarios/scenario.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
    using namespace sb::bench;
    std::signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && std::string_view(argv[1]) == "compare-results") {
        return compare_results_main(argc - 2, argv + 2);
    }
    run_options o;
    CLI::App app{"switchboard-bench: drives any Pusher-protocol server (see bench/README.md).\n"
                 "Also: switchboard-bench compare-results --a A.json... --b B.json... [--json OUT]"};
    std::string names;
    for (const auto& s : all_scenarios()) {
        names += std::string(names.empty() ? "" : ", ") + std::string(s.name);
    }
    app.add_option("scenario", o.scenario, "one of: " + names)->required();
    std::vector<std::string> targets;
    app.add_option("--target", targets,
                   "host:port of the server (default 127.0.0.1:6001); repeat it or give a comma "
                   "list for several nodes: connections and publishes go round-robin");
    app.add_option("--app-id", o.app_id)->capture_default_str();
    app.add_option("--key", o.key)->capture_default_str();
    app.add_option("--secret", o.secret)->capture_default_str();
    app.add_option("--subscribers", o.subscribers, "connections (0: the scenario's default)");
    app.add_option("--rate", o.rate, "events per second (0: the scenario's default)");
    app.add_option("--ramp", o.ramp, "from:to:step:seconds, e.g. 100:1000:100:5");
    app.add_option("--duration", o.duration, "seconds per step");
    app.add_option("--publish", o.publish, "http | batch | client")->capture_default_str();
    app.add_option("--channel", o.channel,
                   "fanout's channel (default bench-fanout; chat:… keeps history on Switchboard)");
    app.add_option("--payload", o.payload, "bytes of event data")->capture_default_str();
    app.add_option("--workers", o.workers, "subscriber processes (0: one per 5,000)");
    app.add_option("--source-addrs", o.source_addrs, "e.g. 127.0.0.2-127.0.0.9");
    std::vector<pid_t> server_pids;
    app.add_option("--server-pid", server_pids,
                   "read the server's CPU and memory from /proc; repeat it for several nodes "
                   "(CPU is summed, memory is the first one's)");
    app.add_option("--server-threads", o.server_threads, "the server's --threads, recorded");
    app.add_option("--label", o.label, "the target's name in results");
    app.add_option("--json", o.json_path, "write the JSON result here");
    app.add_option("--http-connections", o.http_connections)->capture_default_str();
    app.add_option("--pipeline", o.pipeline, "HTTP requests in flight per connection")
        ->capture_default_str();
    app.add_option("--warmup", o.warmup, "seconds")->capture_default_str();
    app.add_option("--drain", o.drain, "seconds to wait for late deliveries")->capture_default_str();
    app.add_option("--churn-rate", o.churn_rate, "connects per second")->capture_default_str();
    app.add_option("--churn-hold-ms", o.churn_hold_ms)->capture_default_str();
    app.add_option("--cpu-limit", o.cpu_limit, "share of a core")->capture_default_str();
    app.add_option("--p99-limit-ms", o.p99_limit_ms)->capture_default_str();
    app.add_flag("--ramp-continue", o.ramp_continue, "do not stop a ramp at saturation");
    app.add_option("--settle", o.settle, "storm: idle seconds before reading memory")
        ->capture_default_str();
    app.add_option("--room-size", o.room_size)->capture_default_str();
    app.add_option("--ballast-bytes", o.ballast_bytes)->capture_default_str();
    app.add_option("--ballast-rate", o.ballast_rate)->capture_default_str();
    app.add_option("--observers", o.observers, "presence: members watching the storm")
        ->capture_default_str();
    app.add_option("--join-rate", o.join_rate, "presence: joins (and leaves) per second")
        ->capture_default_str();
    app.add_option("--hold-ms", o.hold_ms, "presence: how long each joiner stays")
        ->capture_default_str();
    app.add_option("--fanout-subscribers", o.fanout_subscribers,
                   "presence: subscribers of the background fan-out (with --rate)")
        ->capture_default_str();
    app.add_option("--fetch-rate", o.fetch_rate, "history: page fetches per second")
        ->capture_default_str();
    app.add_option("--fetchers", o.fetchers, "history: fetcher keep-alive connections")
        ->capture_default_str();
    app.add_option("--page-size", o.page_size, "history: messages per page (1-100)")
        ->capture_default_str();
    app.add_flag("--strict", o.strict,
                 "presence, history: exit non-zero unless reach is exactly 100% and nothing failed");
    app.add_flag("--quiet", o.quiet, "no progress on stderr");
    CLI11_PARSE(app, argc, argv);
    if (!targets.empty()) {
        o.target.clear();
        for (const auto& t : targets) o.target += (o.target.empty() ? "" : ",") + t;
    }
    if (!server_pids.empty()) {
        o.server_pid = server_pids.front();
        o.more_server_pids.assign(server_pids.begin() + 1, server_pids.end());
    }

    const scenario* s = find_scenario(o.scenario);
    if (s == nullptr) {
        std::cerr << "unknown scenario " << o.scenario << "; one of: " << names << "\n";
        return 2;
    }
    s->defaults(o);
    try {
        const run_report report = s->run(o);
        const auto json = to_json(report, o, describe_machine());
        if (!o.json_path.empty()) {
            std::ofstream out(o.json_path);
            out << json.dump(2) << "\n";
        }
        print_table(std::cout, report, o);
        return report.ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "switchboard-bench: " << e.what() << "\n";
        return 1;
    }
}
