// switchboard-baseline: see baseline_server.hpp and bench/README.md.

#include "baseline_server.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

namespace {
sb::bench::baseline::server* running = nullptr;
extern "C" void on_signal(int) {
    if (running != nullptr) running->stop();
}
}  // namespace

int main(int argc, char** argv) {
    sb::bench::baseline::server_options o;
    CLI::App app{"switchboard-baseline: the loopback ceiling for switchboard-bench"};
    std::string apps = o.app_id + ":" + o.key + ":" + o.secret;
    int writes_per_delivery = 1;
    bool no_verify = false;
    app.add_option("--host", o.host)->capture_default_str();
    app.add_option("--port", o.port, "0: an ephemeral port")->capture_default_str();
    app.add_option("--app", apps, "ID:KEY:SECRET")->capture_default_str();
    app.add_option("--writes-per-delivery", writes_per_delivery,
                   "1: one write() per delivery (the default, without --batch)")
        ->check(CLI::IsMember({1}));
    app.add_flag("--batch", o.batch,
                 "coalesce every socket's pending frames into one writev per loop turn");
    app.add_flag("--no-verify", no_verify, "accept unsigned HTTP API requests and channel auth");
    app.add_option("--queue-limit", o.queue_limit_bytes,
                   "bytes queued per connection before it is closed with 4100")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    o.verify_signatures = !no_verify;
    const auto c1 = apps.find(':');
    const auto c2 = apps.find(':', c1 == std::string::npos ? 0 : c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos) {
        std::cerr << "--app expects ID:KEY:SECRET\n";
        return 2;
    }
    o.app_id = apps.substr(0, c1);
    o.key = apps.substr(c1 + 1, c2 - c1 - 1);
    o.secret = apps.substr(c2 + 1);

    std::signal(SIGPIPE, SIG_IGN);
    try {
        sb::bench::baseline::server s(o);
        running = &s;
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        std::printf("listening on http://%s:%u (%s)\n", o.host.c_str(), s.port(),
                    o.batch ? "batch: one writev per socket per loop turn"
                            : "one write per delivery");
        std::fflush(stdout);
        s.run();
    } catch (const std::exception& e) {
        std::cerr << "switchboard-baseline: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
