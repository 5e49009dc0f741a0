// Scenario 6b, history under load (Switchboard only): the fan-out of scenario 1 publishes to a
// channel that keeps history (default chat:bench-history: Switchboard stores every colon name by
// default, history_channels = ["*:*"]), first alone, then while a fetcher process reads pages of
// that history through the native REST API (GET /v1/realtime/channels/:id/messages, headers
// X-App-Id and X-Api-Key = the app secret; docs/protocol.md) at --fetch-rate requests per second.
// Reports fetch latency (from each fetch's scheduled time), fetch errors, and the fan-out's p99
// and reach in both steps. Other Pusher servers have no such API: the scenario probes it first
// and refuses the target with a message instead of reporting a column of errors.

#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sb::bench {

namespace {

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

// Percent-encodes what a path segment cannot carry as is (':' is legal there, but encoding it
// spares the server's router any doubt).
std::string encode_segment(std::string_view text) {
    std::string out;
    for (const char ch : text) {
        const bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                           (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
        if (plain) {
            out += ch;
        } else {
            out += fmt::format("%{:02X}", static_cast<unsigned char>(ch));
        }
    }
    return out;
}

}  // namespace

run_report run_history(const run_options& options) {
    run_report report;
    report.scenario = options.scenario;
    run_options o = options;
    if (o.channel.empty()) o.channel = "chat:bench-history";
    if (o.publish == "client") {
        report.ok = false;
        report.failure = "history: publish over HTTP (--publish http or batch)";
        return report;
    }
    controller c(o);
    const endpoint& target = c.target();
    const std::string host = target.host + ":" + std::to_string(target.port);
    const std::string path = fmt::format("/v1/realtime/channels/{}/messages?limit={}",
                                         encode_segment(o.channel),
                                         std::clamp<std::size_t>(o.page_size, 1, 100));
    const std::string headers =
        fmt::format("X-App-Id: {}\r\nX-Api-Key: {}\r\n", o.app_id, o.secret);
    const std::string request = http_get_request(host, path, headers);

    // Switchboard answers 200 with a JSON:API list even before the first message; anything else
    // (404 from a Pusher server, 404 channel_not_found for a channel without history) ends here.
    const probe_answer probe = probe_http(target, request, 5);
    if (probe.status != 200 || probe.body.find("\"data\"") == std::string::npos) {
        report.ok = false;
        report.failure = fmt::format(
            "history is Switchboard-only (its native REST API): GET {} on {} answered {} {}; "
            "a channel that keeps history is needed too (a colon name such as chat:…)",
            path, host, probe.status == 0 ? std::string("nothing") : std::to_string(probe.status),
            probe.body.substr(0, 160));
        report.notes.push_back("target refused: nothing was measured");
        return report;
    }

    const fanout_plan plan = plan_fanout(c, o);
    fetcher_plan fetch;
    fetch.target = target;
    fetch.request = request;
    fetch.connections = o.fetchers;
    c.set_fetcher(std::move(fetch));
    c.set_sources(choose_sources(o, ""));
    c.start();
    record_server_start(c, report);
    if (!connect_all(c, plan.group, report, o)) return report;
    c.connect_fetcher(30);

    if (o.warmup > 0) (void)c.run_step("warmup", 0, o.rate, o.warmup);
    c.log(fmt::format("fan-out alone on {}: {} events/s for {} s", o.channel, o.rate, o.duration));
    report.steps.push_back(c.run_step("fanout alone", 1, o.rate, o.duration));
    c.log(fmt::format("fan-out + {} history fetches/s (limit {}) over {} connections",
                      o.fetch_rate, o.page_size, o.fetchers));
    c.begin_fetch(o.fetch_rate, o.duration);
    report.steps.push_back(c.run_step("fanout+fetches", 2, o.rate, o.duration));
    const fetch_outcome f = c.end_fetch(o.drain + 60);
    // What a page held at the end, so the figures say how much each fetch carried.
    const probe_answer last_page = probe_http(target, request, 5);
    std::size_t page_messages = 0;
    for (std::size_t at = last_page.body.find("\"type\":\"messages\"");
         at != std::string::npos; at = last_page.body.find("\"type\":\"messages\"", at + 1)) {
        ++page_messages;
    }
    (void)c.final_report(plan.group, &report.steps);
    record_server_end(c, report);

    const fetch_result& r = f.result;
    const std::uint64_t errors = r.non_2xx + r.errors;
    const auto p99 = [](const step_result& s) { return ms(s.latency.percentile(0.99)); };
    nlohmann::json& s = report.summary;
    s["channel"] = o.channel;
    s["fetch_path"] = path;
    s["fetch_rate"] = o.fetch_rate;
    s["fetch_connections"] = o.fetchers;
    s["fetch_requests"] = r.requests;
    s["fetch_responses"] = r.responses;
    s["fetch_non_2xx"] = r.non_2xx;
    s["fetch_errors"] = errors;
    s["fetch_late"] = r.late;
    s["fetch_last_error"] = f.last_error;
    s["last_page_bytes"] = last_page.body.size();
    s["last_page_messages"] = page_messages;
    s["fetch_latency"] = {{"count", f.latency.count()},
                          {"p50_ms", ms(f.latency.percentile(0.5))},
                          {"p99_ms", ms(f.latency.percentile(0.99))},
                          {"p999_ms", ms(f.latency.percentile(0.999))},
                          {"max_ms", ms(f.latency.max())}};
    s["fanout_p99_alone_ms"] = p99(report.steps[0]);
    s["fanout_p99_with_fetches_ms"] = p99(report.steps[1]);
    s["fanout_reach_with_fetches"] = report.steps[1].reach();
    report.notes.push_back(fmt::format(
        "history fetches: {} requests ({}/s asked), {} answered, {} errors ({} non-2xx{}); "
        "latency p50 {:.2f} p99 {:.2f} max {:.2f} ms; a page at the end: {} messages, {} bytes",
        r.requests, o.fetch_rate, r.responses, errors, r.non_2xx,
        f.last_error.empty() ? "" : ", last: " + f.last_error, ms(f.latency.percentile(0.5)),
        ms(f.latency.percentile(0.99)), ms(f.latency.max()), page_messages,
        last_page.body.size()));
    report.notes.push_back(fmt::format(
        "fan-out on {}: p99 {:.2f} ms alone, {:.2f} ms with fetches; reach {:.3f}% / {:.3f}%",
        o.channel, p99(report.steps[0]), p99(report.steps[1]), report.steps[0].reach() * 100,
        report.steps[1].reach() * 100));

    if (o.strict) {
        const auto expected_requests =
            static_cast<std::uint64_t>(o.fetch_rate * o.duration + 0.5);
        bool fan_ok = true;
        for (const auto& st : report.steps) {
            fan_ok = fan_ok && st.expected > 0 && st.received == st.expected &&
                     st.duplicates == 0 && st.pub.errors == 0 && st.pub.non_2xx == 0;
        }
        if (errors != 0 || r.responses != expected_requests || !fan_ok) {
            report.ok = false;
            report.failure = fmt::format(
                "strict: {} of {} fetches answered, {} errors{}; fan-out reach {}",
                r.responses, expected_requests, errors,
                f.last_error.empty() ? "" : " (" + f.last_error + ")",
                fan_ok ? "100%" : "under 100%, or publish errors");
        }
    }
    return report;
}

}  // namespace sb::bench
