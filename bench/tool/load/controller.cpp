#include "load/controller.hpp"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace sb::bench {

namespace {

constexpr std::size_t default_per_worker = 5'000;

double seconds_between(std::uint64_t a, std::uint64_t b) {
    return b > a ? static_cast<double>(b - a) / 1e9 : 0.0;
}

}  // namespace

controller::controller(const run_options& options) : options_(options) {
    std::string_view rest = options.target;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view one = rest.substr(0, comma);
        if (!one.empty()) config_.targets.push_back(parse_endpoint(one));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    if (config_.targets.empty()) throw std::invalid_argument("--target: no host:port given");
    config_.app_key = options.key;
    signer_ = std::make_unique<pusher_signer>(options.app_id, options.key, options.secret);
    config_.signer = signer_.get();
    config_.channel_names = &channels_;
    config_.counters = &counters_;
    make_upgrade_request(config_);
}

controller::~controller() {
    for (auto& w : workers_) {
        if (w->pid <= 0) continue;
        w->channel.send(ipc_type::exit);
    }
    for (auto& w : workers_) {
        if (w->pid <= 0) continue;
        // Give each worker a moment to close its sockets, then make sure it is gone.
        for (int i = 0; i < 50; ++i) {
            if (waitpid(w->pid, nullptr, WNOHANG) == w->pid) {
                w->pid = 0;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (w->pid > 0) {
            kill(w->pid, SIGKILL);
            waitpid(w->pid, nullptr, 0);
        }
        w->channel.close();
    }
}

std::uint32_t controller::add_channel(std::string name) {
    channels_.push_back(std::move(name));
    subscribers_of_.push_back(0);
    return static_cast<std::uint32_t>(channels_.size() - 1);
}

std::uint64_t controller::subscribers_of(std::uint32_t channel) const {
    return channel < subscribers_of_.size() ? subscribers_of_[channel] : 0;
}

std::size_t controller::add_group(group_spec spec) {
    if (started_) throw std::logic_error("add_group after start");
    const std::size_t index = groups_.size();
    const std::uint64_t first_id = [&] {
        std::uint64_t id = 0;
        for (const auto& g : groups_) id += g.count;
        return id;
    }();
    if (spec.role == conn_role::counted) {
        for (std::uint64_t i = 0; i < spec.count; ++i) {
            for (const std::uint32_t ch : spec.channels_of(first_id + i)) ++subscribers_of_.at(ch);
        }
    }
    std::size_t workers = spec.workers;
    if (workers == 0) workers = std::max<std::size_t>(1, (spec.count + default_per_worker - 1) /
                                                             default_per_worker);
    workers = std::clamp<std::size_t>(workers, 1, std::max<std::size_t>(1, spec.count));
    if (spec.role == conn_role::churn) workers = std::max<std::size_t>(workers, 1);
    const std::size_t per = (spec.count + workers - 1) / std::max<std::size_t>(1, workers);
    if (per > max_connections_per_worker) {
        throw std::invalid_argument("group " + spec.name + ": more than " +
                                    std::to_string(max_connections_per_worker) +
                                    " connections per worker; raise --workers");
    }
    for (std::size_t k = 0; k < workers; ++k) {
        subscriber_plan plan;
        plan.name = spec.name + "#" + std::to_string(k);
        plan.role = spec.role;
        plan.first_id = first_id + std::min(spec.count, k * per);
        plan.count = std::min(spec.count, (k + 1) * per) - std::min(spec.count, k * per);
        plan.channels_of = spec.channels_of;
        plan.rcvbuf = spec.rcvbuf;
        plan.max_pending_connects = spec.max_pending_connects;
        plan.churn_rate = spec.churn_rate / static_cast<double>(workers);
        plan.churn_hold_ms = spec.churn_hold_ms;
        plan.presence_stamp_phase = spec.presence_stamp_phase;
        plans_.push_back(std::move(plan));
        auto w = std::make_unique<worker>();
        w->name = plans_.back().name;
        w->group = index;
        workers_.push_back(std::move(w));
    }
    groups_.push_back(std::move(spec));
    return index;
}

void controller::set_publisher(publisher_plan plan) { publisher_plan_ = std::move(plan); }

void controller::set_fetcher(fetcher_plan plan) { fetcher_plan_ = std::move(plan); }

void controller::fork_worker(worker& w, const std::function<int(ipc_channel)>& body) {
    int fds[2];
    make_ipc_pair(fds);
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::close(fds[0]);
        for (auto& other : workers_) other->channel.close();
        _exit(body(ipc_channel(fds[1])));
    }
    ::close(fds[1]);
    w.pid = pid;
    w.channel = ipc_channel(fds[0]);
}

void controller::start() {
    if (started_) return;
    started_ = true;
    for (auto& p : plans_) p.sources = sources_;
    for (std::size_t i = 0; i < plans_.size(); ++i) {
        const subscriber_plan& plan = plans_[i];
        fork_worker(*workers_[i], [this, &plan](ipc_channel ch) {
            return run_subscriber_worker(plan, config_, ch);
        });
    }
    if (publisher_plan_) {
        publisher_plan_->sources = sources_;
        auto w = std::make_unique<worker>();
        w->name = "publisher";
        w->group = SIZE_MAX;
        w->publisher = true;
        workers_.push_back(std::move(w));
        const publisher_plan& plan = *publisher_plan_;
        fork_worker(*workers_.back(), [this, &plan](ipc_channel ch) {
            return run_publisher(plan, config_, *signer_, ch);
        });
    }
    if (fetcher_plan_) {
        fetcher_plan_->sources = sources_;
        auto w = std::make_unique<worker>();
        w->name = "fetcher";
        w->group = SIZE_MAX;
        w->fetcher = true;
        workers_.push_back(std::move(w));
        const fetcher_plan& plan = *fetcher_plan_;
        fork_worker(*workers_.back(), [&plan](ipc_channel ch) { return run_fetcher(plan, ch); });
    }
}

ipc_message controller::wait_for(worker& w, ipc_type type, double timeout_s) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    for (;;) {
        for (auto it = w.inbox.begin(); it != w.inbox.end(); ++it) {
            if (it->type == ipc_type::failed) throw std::runtime_error(w.name + ": " + it->body);
            if (it->type == type) {
                ipc_message m = std::move(*it);
                w.inbox.erase(it);
                return m;
            }
        }
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) {
            throw std::runtime_error(w.name + ": no answer within " +
                                     std::to_string(static_cast<int>(timeout_s)) + " s");
        }
        pollfd p{w.channel.fd(), POLLIN, 0};
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
        poll(&p, 1, static_cast<int>(std::min<long long>(ms + 1, 1000)));
        const bool alive = w.channel.fill();
        while (auto m = w.channel.next()) w.inbox.push_back(std::move(*m));
        if (!alive && w.inbox.empty()) throw std::runtime_error(w.name + " exited");
    }
}

std::vector<controller::worker*> controller::workers_of(std::size_t group) {
    std::vector<worker*> out;
    for (auto& w : workers_) {
        if (w->group == group) out.push_back(w.get());
    }
    return out;
}

controller::worker& controller::publisher_worker() {
    for (auto& w : workers_) {
        if (w->publisher) return *w;
    }
    throw std::logic_error("no publisher planned");
}

controller::worker& controller::fetcher_worker() {
    for (auto& w : workers_) {
        if (w->fetcher) return *w;
    }
    throw std::logic_error("no fetcher planned");
}

std::vector<ipc_message> controller::broadcast(std::size_t group, ipc_type type, ipc_type reply,
                                               double timeout_s, const ipc_writer& body) {
    auto ws = workers_of(group);
    for (auto* w : ws) w->channel.send(type, body);
    std::vector<ipc_message> out;
    for (auto* w : ws) out.push_back(wait_for(*w, reply, timeout_s));
    return out;
}

connect_result controller::connect(std::size_t group, double timeout_s) {
    connect_result r;
    for (auto& m : broadcast(group, ipc_type::connect, ipc_type::connected, timeout_s)) {
        ipc_reader rd(m.body);
        const auto t = rd.get<tick_stats>();
        const auto elapsed = rd.get<std::uint64_t>();
        r.ready += t.subscribed;
        r.failed += t.failed;
        r.seconds = std::max(r.seconds, static_cast<double>(elapsed) / 1e9);
    }
    // The per-connection histogram travels with the final report; fetch it without sequence data.
    ipc_writer body;
    body.put<std::uint32_t>(UINT32_MAX);  // no phase: connect latency only
    for (auto& m : broadcast(group, ipc_type::report, ipc_type::report_reply, timeout_s, body)) {
        ipc_reader rd(m.body);
        worker_report wr;
        if (wr.read(rd)) r.latency.merge(wr.connect_latency);
    }
    return r;
}

void controller::connect_publisher(double timeout_s) {
    auto& p = publisher_worker();
    p.channel.send(ipc_type::connect);
    const ipc_message m = wait_for(p, ipc_type::connected, timeout_s);
    ipc_reader rd(m.body);
    const auto t = rd.get<tick_stats>();
    if (t.failed > 0) {
        throw std::runtime_error("publisher: " + std::to_string(t.failed) +
                                 " connections failed (is the server at " + options_.target +
                                 "?)");
    }
}

void controller::connect_fetcher(double timeout_s) {
    auto& f = fetcher_worker();
    f.channel.send(ipc_type::connect);
    const ipc_message m = wait_for(f, ipc_type::connected, timeout_s);  // rd views its body
    ipc_reader rd(m.body);
    if (rd.get<tick_stats>().failed > 0) {
        throw std::runtime_error("fetcher: connections failed (is the server at " +
                                 options_.target + "?)");
    }
}

void controller::begin_fetch(double rate, double seconds) {
    fetch_command cmd;
    cmd.rate = rate;
    cmd.duration_ns = static_cast<std::uint64_t>(seconds * 1e9);
    cmd.drain_ns = static_cast<std::uint64_t>(std::max(1.0, options_.drain) * 1e9);
    ipc_writer body;
    body.put(cmd);
    fetcher_worker().channel.send(ipc_type::fetch, body);
}

fetch_outcome controller::end_fetch(double timeout_s) {
    const ipc_message m = wait_for(fetcher_worker(), ipc_type::fetched, timeout_s);
    ipc_reader rd(m.body);
    fetch_outcome out;
    out.result = rd.get<fetch_result>();
    const auto h = rd.get_vector<std::uint64_t>();
    std::size_t pos = 0;
    out.latency.merge_serialized(h, pos);
    out.last_error = rd.get_string();
    return out;
}

void controller::command(std::size_t group, ipc_type type) {
    for (auto* w : workers_of(group)) w->channel.send(type);
}

tick_stats controller::tick(std::size_t group) {
    worker_report merged;
    for (auto& m : broadcast(group, ipc_type::tick, ipc_type::tick_reply, 30)) {
        ipc_reader rd(m.body);
        worker_report one;
        one.tick = rd.get<tick_stats>();
        merged.merge(one);
    }
    return merged.tick;
}

tick_stats controller::counted_tick() {
    worker_report merged;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        if (groups_[g].role != conn_role::counted) continue;
        worker_report one;
        one.tick = tick(g);
        merged.merge(one);
    }
    return merged.tick;
}

std::uint64_t controller::expected_for(std::uint64_t first_seq, std::uint64_t end_seq) const {
    std::uint64_t total = 0;
    for (std::uint64_t s = first_seq; s < end_seq; ++s) {
        total += subscribers_of(publisher_plan_->target_of(s));
    }
    return total;
}

std::vector<std::pair<std::string, std::uint64_t>> controller::tool_cpu_now() {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    out.emplace_back("controller", self_cpu_ns());
    for (auto& w : workers_) {
        if (w->pid > 0) out.emplace_back(w->name, process_cpu_ns(w->pid).value_or(0));
    }
    return out;
}

std::optional<std::uint64_t> controller::server_cpu_ns() const {
    if (options_.server_pid <= 0) return std::nullopt;
    auto total = process_cpu_ns(options_.server_pid);
    for (const pid_t pid : options_.more_server_pids) {
        const auto one = process_cpu_ns(pid);
        if (!total || !one) return std::nullopt;
        *total += *one;
    }
    return total;
}

std::optional<process_memory> controller::server_memory() const {
    if (options_.server_pid <= 0) return std::nullopt;
    return process_status(options_.server_pid);
}

step_result controller::run_step(std::string name, std::uint32_t phase, double rate,
                                 double seconds, double ballast_rate) {
    step_result r;
    r.name = std::move(name);
    r.phase = phase;
    r.target_rate = rate;
    r.duration_s = seconds;
    if (auto m = server_memory()) r.server_rss_before = m->rss_bytes;

    auto& pub = publisher_worker();
    publish_command cmd;
    cmd.phase = phase;
    cmd.rate = rate;
    cmd.ballast_rate = ballast_rate;
    cmd.duration_ns = static_cast<std::uint64_t>(seconds * 1e9);
    cmd.first_seq = next_seq_;
    cmd.drain_ns = static_cast<std::uint64_t>(std::max(1.0, options_.drain) * 1e9);

    const tick_stats before = counted_tick();
    const auto cpu_before = tool_cpu_now();
    const auto server_before = server_cpu_ns();
    ipc_writer body;
    body.put(cmd);
    pub.channel.send(ipc_type::publish, body);
    const std::uint64_t window_start = now_ns();

    // The window closes when the schedule does, whether or not the server has answered.
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds + 0.002));
    const tick_stats after = counted_tick();
    const auto cpu_after = tool_cpu_now();
    const auto server_after = server_cpu_ns();
    const double window = seconds_between(window_start, now_ns());
    r.window_s = seconds_between(before.at_ns, after.at_ns);
    r.window_deliveries = after.deliveries - before.deliveries;
    r.deliveries_per_s =
        r.window_s > 0 ? static_cast<double>(r.window_deliveries) / r.window_s : 0.0;
    if (server_before && server_after) {
        r.server_cpu = static_cast<double>(*server_after - *server_before) / 1e9 / window;
    }
    for (std::size_t i = 0; i < cpu_after.size() && i < cpu_before.size(); ++i) {
        cpu_share s{cpu_after[i].first,
                    static_cast<double>(cpu_after[i].second - cpu_before[i].second) / 1e9 / window};
        if (s.cores > r.busiest_tool.cores) r.busiest_tool = s;
        r.tool_cpu.push_back(std::move(s));
    }

    const ipc_message published = wait_for(pub, ipc_type::published, seconds + options_.drain + 60);
    ipc_reader rd(published.body);
    r.pub = rd.get<publish_result>();
    const auto h = rd.get_vector<std::uint64_t>();
    std::size_t pos = 0;
    r.http_latency.merge_serialized(h, pos);
    r.http_error = rd.get_string();
    next_seq_ = r.pub.end_seq;
    // Over the schedule's length, or longer when the publisher fell behind it.
    r.sent_rate = static_cast<double>(r.pub.sent) /
                  std::max(seconds, seconds_between(r.pub.started_ns, r.pub.finished_ns));
    r.expected = expected_for(r.pub.first_seq, r.pub.end_seq);

    // Drain: wait until the step's deliveries stop arriving or all have arrived.
    const auto drain_deadline = now_ns() + static_cast<std::uint64_t>(options_.drain * 1e9);
    std::uint64_t last = UINT64_MAX;
    tick_stats now_tick;
    int quiet = 0;
    for (;;) {
        now_tick = counted_tick();
        const std::uint64_t got = now_tick.deliveries - before.deliveries;
        if (got >= r.expected && r.expected > 0) break;
        quiet = got == last ? quiet + 1 : 0;
        if (quiet >= 4 || now_ns() > drain_deadline) break;
        last = got;
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
    r.closed_by_server = now_tick.closed_by_server - before.closed_by_server;

    ipc_writer phase_body;
    phase_body.put<std::uint32_t>(phase);
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        if (groups_[g].role != conn_role::counted) continue;
        for (auto& m : broadcast(g, ipc_type::report, ipc_type::report_reply, 60, phase_body)) {
            ipc_reader prd(m.body);
            worker_report wr;
            if (!wr.read(prd)) throw std::runtime_error("malformed phase report");
            const auto it = wr.phases.find(phase);
            if (it == wr.phases.end()) continue;
            r.received += it->second->deliveries;
            r.latency.merge(it->second->latency);
        }
    }
    if (auto m = server_memory()) r.server_rss_after = m->rss_bytes;
    if (r.busiest_tool.cores > options_.cpu_limit) {
        r.valid = false;
        r.invalid_reason = r.busiest_tool.process + " used " +
                           std::to_string(static_cast<int>(r.busiest_tool.cores * 100)) +
                           "% of a core (limit " +
                           std::to_string(static_cast<int>(options_.cpu_limit * 100)) + "%)";
    }
    return r;
}

worker_report controller::final_report(std::size_t group, std::vector<step_result>* steps) {
    worker_report merged;
    ipc_writer body;  // empty body: everything
    for (auto& m : broadcast(group, ipc_type::report, ipc_type::report_reply, 120, body)) {
        ipc_reader rd(m.body);
        worker_report wr;
        if (!wr.read(rd)) throw std::runtime_error("malformed report");
        merged.merge(wr);
    }
    if (steps != nullptr && groups_[group].role == conn_role::counted) {
        for (auto& s : *steps) {
            s.lost = 0;
            s.duplicates = 0;
            for (std::uint64_t q = s.pub.first_seq; q < s.pub.end_seq; ++q) {
                const std::uint64_t want = subscribers_of(publisher_plan_->target_of(q));
                const std::uint64_t got = q < merged.seq_counts.size() ? merged.seq_counts[q] : 0;
                if (got < want) s.lost += want - got;
                if (got > want) s.duplicates += got - want;
            }
        }
    }
    return merged;
}

void controller::close_all() {
    for (auto& w : workers_) w->channel.send(ipc_type::close_all);
    for (auto& w : workers_) wait_for(*w, ipc_type::closed, 60);
}

void controller::idle(double seconds) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

void controller::log(const std::string& line) const {
    if (!options_.quiet) std::fprintf(stderr, "[bench] %s\n", line.c_str());
}

}  // namespace sb::bench
