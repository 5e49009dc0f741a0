// Scenario 6a, presence storm: `subscribers` clients (default 1,000) join one presence channel
// at `join_rate` per second, each as its own user, stay `hold_ms` and leave with a close frame,
// while `observers` members of the same channel watch. Pusher servers send
// pusher_internal:member_added to the other members when a user's first connection joins and
// member_removed when its last one leaves (docs/protocol.md), so each observer expects exactly
// one of each per join. Every joiner puts a stamp (`#sb <phase> <user_id> <subscribe sent>`) in
// its user_info, which member_added carries, so observers time subscribe -> member_added with
// the scanner they use for events and count it per user. With --rate, a fan-out on a separate
// public channel runs alone first and then during the storm, and both p99s are reported.

#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

#include <fmt/format.h>

#include <thread>

namespace sb::bench {

namespace {

// Phase of the joiners' stamps: apart from the fan-out's phases (0..2).
constexpr std::uint32_t presence_phase = 100;

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

nlohmann::json latency_summary(const histogram& h) {
    return {{"count", h.count()},
            {"p50_ms", ms(h.percentile(0.5))},
            {"p99_ms", ms(h.percentile(0.99))},
            {"p999_ms", ms(h.percentile(0.999))},
            {"max_ms", ms(h.max())}};
}

}  // namespace

run_report run_presence(const run_options& o) {
    run_report report;
    report.scenario = o.scenario;
    controller c(o);
    const std::uint32_t presence = c.add_channel("presence-bench");
    const std::size_t joins = o.subscribers;

    group_spec watchers;
    watchers.name = "observers";
    watchers.role = conn_role::observer;
    watchers.count = o.observers;
    watchers.channels_of = [presence](std::uint64_t) { return std::vector<std::uint32_t>{presence}; };
    const std::size_t observer_group = c.add_group(std::move(watchers));

    // Planned after the observers, so the joiners' user ids are [observers, observers + joins).
    const std::uint64_t first_joiner = o.observers;
    group_spec joiners;
    joiners.name = "joiners";
    joiners.role = conn_role::churn;
    joiners.count = joins;
    joiners.workers = o.join_rate > 2000 ? 2 : 1;
    joiners.churn_rate = o.join_rate;
    joiners.churn_hold_ms = o.hold_ms;
    joiners.channels_of = [presence](std::uint64_t) { return std::vector<std::uint32_t>{presence}; };
    joiners.presence_stamp_phase = presence_phase;
    const std::size_t joiner_group = c.add_group(std::move(joiners));

    const bool fanout = o.rate > 0;
    std::size_t fanout_group = 0;
    if (fanout) {
        run_options f = o;
        f.subscribers = o.fanout_subscribers;
        f.channel = o.channel.empty() ? "bench-fanout" : o.channel;
        fanout_group = plan_fanout(c, f).group;
    }
    // Every join leaves a TIME_WAIT socket on the tool's side: spread them over source addresses.
    c.set_sources(choose_sources(o, "127.0.0.2-127.0.0.9"));
    c.start();
    record_server_start(c, report);

    const connect_result oc = c.connect(observer_group, connect_timeout(o.observers));
    c.log(fmt::format("{} observers on presence-bench, {} failed", oc.ready, oc.failed));
    if (oc.failed != 0) {
        report.ok = false;
        report.failure = fmt::format("{} of {} observers failed to join", oc.failed, o.observers);
        return report;
    }
    if (fanout) {
        run_options f = o;
        f.subscribers = o.fanout_subscribers;
        if (!connect_all(c, fanout_group, report, f)) return report;
        if (o.warmup > 0) (void)c.run_step("warmup", 0, o.rate, o.warmup);
        c.log(fmt::format("fan-out alone: {} events/s for {} s", o.rate, o.duration));
        report.steps.push_back(c.run_step("fanout alone", 1, o.rate, o.duration));
    }

    const double storm_s = static_cast<double>(joins) / o.join_rate;
    const double members = static_cast<double>(o.observers) +
                           o.join_rate * static_cast<double>(o.hold_ms) / 1000.0;
    c.log(fmt::format("presence storm: {} joins at {}/s, each stays {} ms (~{:.0f} members at once)",
                      joins, o.join_rate, o.hold_ms, members));
    const tick_stats watch_before = c.tick(observer_group);
    const auto cpu_before = c.server_cpu_ns();
    const std::uint64_t storm_start = now_ns();
    c.command(joiner_group, ipc_type::churn_start);
    if (fanout) {
        const double seconds = std::max(o.duration, storm_s + o.hold_ms / 1000.0 + 0.5);
        report.steps.push_back(c.run_step("fanout+presence", 2, o.rate, seconds));
    }
    // Every join done and left (or failed), then the observers' events drained.
    const double join_deadline_s = storm_s + o.hold_ms / 1000.0 + 30;
    tick_stats joined;
    for (;;) {
        joined = c.tick(joiner_group);
        const auto done = joined.churn_connects + joined.churn_failures;
        const auto left = joined.churn_closes + joined.closed_by_server;
        if (done >= joins && left >= joined.churn_connects) break;
        if (static_cast<double>(now_ns() - storm_start) / 1e9 > join_deadline_s) {
            report.notes.push_back("joins or leaves did not finish in time");
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const std::uint64_t storm_end = now_ns();
    const auto cpu_after = c.server_cpu_ns();
    c.command(joiner_group, ipc_type::churn_stop);
    const std::uint64_t want = joined.churn_connects * o.observers;
    tick_stats watch = c.tick(observer_group);
    {
        const auto drain_end = now_ns() + static_cast<std::uint64_t>(o.drain * 1e9);
        std::uint64_t last = UINT64_MAX;
        int quiet = 0;
        for (;;) {
            watch = c.tick(observer_group);
            const std::uint64_t got = (watch.deliveries - watch_before.deliveries) +
                                      (watch.members_removed - watch_before.members_removed);
            if (got >= 2 * want) break;
            quiet = got == last ? quiet + 1 : 0;
            if (quiet >= 4 || now_ns() > drain_end) break;
            last = got;
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
        }
    }

    const worker_report seen = c.final_report(observer_group);
    if (fanout) (void)c.final_report(fanout_group, &report.steps);
    record_server_end(c, report);

    // The storm as one step of the table: rate = joins/s, reach = member_added received over
    // joins x observers, latency = subscribe sent -> member_added at an observer.
    step_result s;
    s.name = "presence joins";
    s.phase = presence_phase;
    s.target_rate = o.join_rate;
    s.window_s = static_cast<double>(storm_end - storm_start) / 1e9;
    s.duration_s = storm_s;
    s.pub.sent = joined.churn_connects;
    // Joins per second achieved: the window ends when the last joiner has stayed and left.
    s.sent_rate = static_cast<double>(joined.churn_connects) /
                  std::max(storm_s, s.window_s - o.hold_ms / 1000.0);
    s.expected = want;
    if (const auto it = seen.phases.find(presence_phase); it != seen.phases.end()) {
        s.received = it->second->deliveries;
        s.latency.merge(it->second->latency);
    }
    for (std::uint64_t id = first_joiner; id < first_joiner + joins; ++id) {
        const std::uint64_t got = id < seen.seq_counts.size() ? seen.seq_counts[id] : 0;
        if (got > o.observers) s.duplicates += got - o.observers;
    }
    s.lost = s.expected + s.duplicates > s.received ? s.expected + s.duplicates - s.received : 0;
    s.window_deliveries = s.received;
    s.deliveries_per_s = static_cast<double>(s.received) / std::max(1e-9, s.window_s);
    if (cpu_before && cpu_after) {
        s.server_cpu = static_cast<double>(*cpu_after - *cpu_before) / 1e9 / s.window_s;
    }
    s.closed_by_server = watch.closed_by_server - watch_before.closed_by_server;
    const std::uint64_t removed = watch.members_removed - watch_before.members_removed;
    const std::uint64_t unstamped = watch.members_added - watch_before.members_added;

    nlohmann::json& sum = report.summary;
    sum["joins_planned"] = joins;
    sum["joins"] = joined.churn_connects;
    sum["join_failures"] = joined.churn_failures;
    sum["leaves"] = joined.churn_closes;
    sum["joiners_closed_by_server"] = joined.closed_by_server;
    sum["observers"] = o.observers;
    sum["join_rate"] = o.join_rate;
    sum["hold_ms"] = o.hold_ms;
    sum["members_at_once_approx"] = members;
    sum["member_added_expected"] = want;
    sum["member_added_received"] = s.received;
    sum["member_added_unstamped"] = unstamped;
    sum["member_added_duplicates"] = s.duplicates;
    sum["member_added_reach"] = s.reach();
    sum["member_removed_expected"] = want;
    sum["member_removed_received"] = removed;
    sum["member_removed_reach"] =
        want == 0 ? 1.0 : static_cast<double>(removed) / static_cast<double>(want);
    sum["join_to_member_added"] = latency_summary(s.latency);
    sum["observers_closed_by_server"] = s.closed_by_server;
    report.notes.push_back(fmt::format(
        "presence: {} of {} joins ({} failed), {} observers; member_added {}/{} ({:.3f}%), "
        "member_removed {}/{} ({:.3f}%); join -> member_added p50 {:.2f} p99 {:.2f} p99.9 {:.2f} "
        "max {:.2f} ms",
        joined.churn_connects, joins, joined.churn_failures, o.observers, s.received, want,
        s.reach() * 100, removed, want, sum["member_removed_reach"].get<double>() * 100,
        ms(s.latency.percentile(0.5)), ms(s.latency.percentile(0.99)),
        ms(s.latency.percentile(0.999)), ms(s.latency.max())));
    if (unstamped != 0) {
        report.notes.push_back(fmt::format(
            "{} member_added without a stamp: the server dropped or changed user_info", unstamped));
    }
    if (members > 90) {
        report.notes.push_back(
            "more than 90 members at once: Pusher and Switchboard cap a presence channel at 100 "
            "members by default (max_presence_members); joins over it fail");
    }
    if (fanout) {
        const auto p99 = [](const step_result& st) { return ms(st.latency.percentile(0.99)); };
        const step_result& alone = report.steps[0];
        const step_result& during = report.steps[1];
        sum["fanout_p99_alone_ms"] = p99(alone);
        sum["fanout_p99_during_presence_ms"] = p99(during);
        sum["fanout_reach_during_presence"] = during.reach();
        report.notes.push_back(fmt::format(
            "background fan-out ({} subscribers, {} events/s): p99 {:.2f} ms alone, {:.2f} ms "
            "during the storm, reach {:.3f}%",
            o.fanout_subscribers, o.rate, p99(alone), p99(during), during.reach() * 100));
    }
    report.steps.push_back(std::move(s));

    if (o.strict) {
        const step_result& st = report.steps.back();
        const bool fan_ok = !fanout || (report.steps[1].received == report.steps[1].expected &&
                                        report.steps[1].duplicates == 0);
        if (joined.churn_failures != 0 || joined.churn_connects != joins || st.expected == 0 ||
            st.received != st.expected || st.duplicates != 0 || removed != want || !fan_ok) {
            report.ok = false;
            report.failure = fmt::format(
                "strict: {} of {} joins ({} failed); member_added {}/{} (duplicates {}), "
                "member_removed {}/{}{}",
                joined.churn_connects, joins, joined.churn_failures, st.received, st.expected,
                st.duplicates, removed, want, fan_ok ? "" : "; fan-out reach under 100%");
        }
    }
    return report;
}

}  // namespace sb::bench
