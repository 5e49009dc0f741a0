#include "scenarios/scenario.hpp"

namespace sb::bench {

namespace {

void set_if_zero(std::size_t& v, std::size_t d) { v = v == 0 ? d : v; }
void set_if_zero(double& v, double d) { v = v == 0 ? d : v; }

void fanout_defaults(run_options& o) {
    set_if_zero(o.subscribers, 1000);
    set_if_zero(o.rate, 100);
    set_if_zero(o.duration, 10);
}

void smoke_defaults(run_options& o) {
    set_if_zero(o.subscribers, 200);
    set_if_zero(o.rate, 20);
    set_if_zero(o.duration, 2);
    o.warmup = 0;
    o.drain = o.drain > 5 ? 5 : o.drain;
}

void rooms_defaults(run_options& o) {
    set_if_zero(o.subscribers, 10'000);
    set_if_zero(o.rate, 2000);
    set_if_zero(o.duration, 10);
}

void storm_defaults(run_options& o) { set_if_zero(o.subscribers, 10'000); }

void churn_defaults(run_options& o) {
    set_if_zero(o.subscribers, 1000);
    set_if_zero(o.rate, 100);
    set_if_zero(o.duration, 10);
}

void slow_defaults(run_options& o) {
    set_if_zero(o.subscribers, 1000);
    set_if_zero(o.rate, 100);
    set_if_zero(o.duration, 10);
}

void presence_defaults(run_options& o) {
    set_if_zero(o.subscribers, 1000);  // joins; --rate (background fan-out) stays off at 0
    set_if_zero(o.duration, 10);
}

void history_defaults(run_options& o) {
    set_if_zero(o.subscribers, 1000);
    set_if_zero(o.rate, 100);
    set_if_zero(o.duration, 10);
}

}  // namespace

const std::vector<scenario>& all_scenarios() {
    static const std::vector<scenario> table = {
        {"fanout", "N subscribers on one channel; fixed rates or an open-loop ramp",
         fanout_defaults, run_fanout},
        {"rooms", "10,000 connections, own channel + shared room of 10, chat-like traffic",
         rooms_defaults, run_rooms},
        {"storm", "connects/s, and server memory per idle subscribed connection", storm_defaults,
         run_storm},
        {"churn", "fan-out p99 with and without 1,000 connects+disconnects/s", churn_defaults,
         run_churn},
        {"slow-consumer", "one subscriber stops reading: others unaffected, it gets evicted",
         slow_defaults, run_slow_consumer},
        {"smoke", "200 subscribers, 2 s: fails unless reach is exactly 100%", smoke_defaults,
         run_smoke},
        {"presence", "presence storm: joins/leaves, member_added latency and reach at observers",
         presence_defaults, run_presence},
        {"history", "history page fetches over the native REST API during fan-out (Switchboard)",
         history_defaults, run_history},
    };
    return table;
}

const scenario* find_scenario(std::string_view name) {
    for (const auto& s : all_scenarios()) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

}  // namespace sb::bench
