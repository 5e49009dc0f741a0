#include "load/publisher.hpp"

#include "load/http_client.hpp"
#include "load/payload.hpp"
#include "load/proc_stats.hpp"
#include "load/stats.hpp"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <deque>
#include <memory>
#include <unordered_map>

namespace sb::bench {

std::string event_body(std::string_view channel, std::string_view data) {
    std::string body;
    body.reserve(channel.size() + data.size() + 48);
    body.append(R"({"name":"bench","channel":")").append(channel);
    body.append(R"(","data":")").append(data).append("\"}");
    return body;
}

std::string http_request(std::string_view host, std::string_view path_and_query,
                         std::string_view body) {
    std::string r;
    r.reserve(path_and_query.size() + body.size() + host.size() + 128);
    r.append("POST ").append(path_and_query).append(" HTTP/1.1\r\nHost: ").append(host);
    r.append("\r\nContent-Type: application/json\r\nContent-Length: ");
    r.append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    return r;
}

namespace {

constexpr std::uint64_t control_tag = UINT64_MAX;
constexpr std::uint64_t timer_tag = UINT64_MAX - 1;
constexpr std::uint64_t http_bit = std::uint64_t{1} << 62;
constexpr std::uint64_t late_after_ns = 1'000'000;

class publisher final : public ws_owner {
public:
    publisher(const publisher_plan& plan, const ws_client_config& config,
              const pusher_signer& signer, ipc_channel control)
        : plan_(plan),
          config_(config),
          signer_(signer),
          control_(control),
          timer_fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
          events_path_(signer.events_path()),
          batch_path_(signer.batch_path()) {
        ep_.add(control_.fd(), EPOLLIN, control_tag);
        ep_.add(timer_fd_, EPOLLIN, timer_tag);
        for (const endpoint& t : config.targets) {
            hosts_.push_back(t.host + ":" + std::to_string(t.port));
        }
    }
    ~publisher() { ::close(timer_fd_); }
    publisher(const publisher&) = delete;
    publisher& operator=(const publisher&) = delete;

    int run() {
        std::vector<epoll_event> events(256);
        while (running_) {
            const int timeout = active_ || draining_ || connecting_ ? 5 : 100;
            const int n = epoll_wait(ep_.fd(), events.data(), static_cast<int>(events.size()),
                                     timeout);
            for (int i = 0; i < n; ++i) {
                const auto& ev = events[static_cast<std::size_t>(i)];
                if (ev.data.u64 == control_tag) {
                    if (!read_control()) return 0;
                } else if (ev.data.u64 == timer_tag) {
                    std::uint64_t expirations = 0;
                    [[maybe_unused]] auto r = ::read(timer_fd_, &expirations, sizeof expirations);
                } else if ((ev.data.u64 & http_bit) != 0) {
                    const std::size_t idx = ev.data.u64 & ~http_bit;
                    if (idx < http_.size()) http_[idx]->on_event(ev.events);
                } else if (ev.data.u64 < speakers_.size()) {
                    speakers_[ev.data.u64]->on_event(ev.events, buffer_, *this);
                }
            }
            const std::uint64_t now = now_ns();
            reopen_closed(http_, ep_, last_reopen_ns_, now);
            if (active_) schedule(now);
            dispatch(now);
            if (connecting_) check_connected();
            if (active_ || draining_) check_finished(now);
        }
        return 0;
    }

    void on_ready(ws_client&) override { ++speakers_ready_; }
    void on_delivery(ws_client&, const payload_stamp&, std::uint64_t) override { ++discarded_; }
    void on_closed(ws_client& c) override {
        if (!c.was_ready()) ++speakers_failed_;
        else ++result_.errors;
    }

private:
    struct queued_request {
        std::string bytes;
        std::uint64_t due_ns;
        std::uint32_t events;
        std::size_t target;  // index into config.targets: only its connections may carry it
    };

    bool read_control() {
        const bool alive = control_.fill();
        while (auto m = control_.next()) handle(*m);
        return alive && running_;
    }

    void handle(const ipc_message& m) {
        switch (m.type) {
            case ipc_type::connect:
                open_connections();
                connecting_ = true;
                check_connected();
                break;
            case ipc_type::publish: {
                ipc_reader r(m.body);
                start_phase(r.get<publish_command>());
                break;
            }
            case ipc_type::tick: {
                tick_stats t;
                t.at_ns = now_ns();
                t.cpu_ns = self_cpu_ns();
                t.discarded = discarded_;
                t.frames = counters().frames;
                t.bytes = counters().bytes;
                t.protocol_errors = counters().protocol_errors;
                ipc_writer w;
                w.put(t);
                control_.send(ipc_type::tick_reply, w);
                break;
            }
            case ipc_type::close_all:
                for (auto& s : speakers_) s->close_now(*this);
                http_.clear();
                control_.send(ipc_type::closed);
                break;
            case ipc_type::exit:
                running_ = false;
                break;
            default:
                break;
        }
    }

    ws_counters& counters() { return *config_.counters; }

    void open_connections() {
        if (plan_.mode == publish_mode::client) {
            for (std::size_t i = 0; i < plan_.speaker_channels.size(); ++i) {
                auto c = std::make_unique<ws_client>(
                    config_, i, std::vector<std::uint32_t>{plan_.speaker_channels[i]},
                    i % config_.targets.size());
                const in_addr* source =
                    plan_.sources.empty() ? nullptr : &plan_.sources[i % plan_.sources.size()];
                c->open(ep_, source);
                speakers_.push_back(std::move(c));
                speaker_of_[plan_.speaker_channels[i]] = i;
            }
        }
        // HTTP connections also serve ballast in client mode.
        if (plan_.mode != publish_mode::client || plan_.ballast_channel) {
            // At least one connection per target; connection i serves target i mod n.
            const std::size_t n = std::max(plan_.http_connections, config_.targets.size());
            for (std::size_t i = 0; i < n; ++i) {
                const in_addr* source =
                    plan_.sources.empty() ? nullptr : &plan_.sources[i % plan_.sources.size()];
                http_.push_back(std::make_unique<http_client>(
                    config_.targets[i % config_.targets.size()], source, http_counters_,
                    http_bit | i));
                http_target_.push_back(i % config_.targets.size());
                http_.back()->open(ep_);
            }
        }
    }

    void check_connected() {
        const bool http_ok = std::all_of(http_.begin(), http_.end(),
                                         [](const auto& c) { return c->is_open(); });
        const bool speakers_done = speakers_ready_ + speakers_failed_ == speakers_.size();
        const bool http_failed = http_counters_.connect_failures > 0;
        if (!(http_ok || http_failed) || !speakers_done) return;
        connecting_ = false;
        tick_stats t;
        t.subscribed = static_cast<std::uint32_t>(speakers_ready_);
        t.failed = static_cast<std::uint32_t>(speakers_failed_ + http_counters_.connect_failures);
        ipc_writer w;
        w.put(t);
        w.put<std::uint64_t>(0);
        control_.send(ipc_type::connected, w);
    }

    void start_phase(const publish_command& cmd) {
        cmd_ = cmd;
        result_ = publish_result{};
        result_.phase = cmd.phase;
        result_.first_seq = cmd.first_seq;
        result_.end_seq = cmd.first_seq;
        result_.cpu_ns = self_cpu_ns();
        http_counters_.latency.clear();
        http_counters_.responses = 0;
        http_counters_.non_2xx = 0;
        http_counters_.lost_events = 0;
        start_ns_ = now_ns() + 2'000'000;  // a little ahead, so the first event is not late
        result_.started_ns = start_ns_;
        const double seconds = static_cast<double>(cmd.duration_ns) / 1e9;
        total_events_ = static_cast<std::uint64_t>(cmd.rate * seconds + 0.5);
        total_ballast_ = static_cast<std::uint64_t>(cmd.ballast_rate * seconds + 0.5);
        next_event_ = 0;
        next_ballast_ = 0;
        active_ = true;
        draining_ = false;
        arm_timer_at(timer_fd_, start_ns_);
    }

    std::uint64_t due_of(std::uint64_t k, double rate) const {
        return start_ns_ + static_cast<std::uint64_t>(static_cast<double>(k) * 1e9 / rate);
    }

    void schedule(std::uint64_t now) {
        const std::size_t per_request = plan_.mode == publish_mode::batch ? plan_.batch_size : 1;
        while (next_event_ < total_events_) {
            const std::uint64_t due = due_of(next_event_, cmd_.rate);
            if (due > now) break;
            const auto n = static_cast<std::uint32_t>(
                std::min<std::uint64_t>(per_request, total_events_ - next_event_));
            enqueue_events(cmd_.first_seq + next_event_, n, due);
            next_event_ += n;
        }
        while (next_ballast_ < total_ballast_) {
            const std::uint64_t due = due_of(next_ballast_, cmd_.ballast_rate);
            if (due > now) break;
            enqueue_ballast(due);
            ++next_ballast_;
        }
        std::uint64_t next_due = UINT64_MAX;
        if (next_event_ < total_events_) next_due = due_of(next_event_, cmd_.rate);
        if (next_ballast_ < total_ballast_) {
            next_due = std::min(next_due, due_of(next_ballast_, cmd_.ballast_rate));
        }
        if (next_due != UINT64_MAX) arm_timer_at(timer_fd_, next_due);
    }

    void enqueue_events(std::uint64_t first_seq, std::uint32_t n, std::uint64_t due) {
        result_.end_seq = first_seq + n;
        if (plan_.mode == publish_mode::client) {
            for (std::uint32_t i = 0; i < n; ++i) {
                const std::uint64_t seq = first_seq + i;
                const std::uint32_t ch = plan_.target_of(seq);
                format_payload(payload_, {cmd_.phase, seq, due}, plan_.payload_bytes);
                const std::string& name = (*config_.channel_names)[ch];
                frame_.assign(R"({"event":"client-bench","channel":")").append(name);
                frame_.append(R"(","data":")").append(payload_).append("\"}");
                const auto it = speaker_of_.find(ch);
                if (it == speaker_of_.end() ||
                    speakers_[it->second]->current() != ws_client::state::ready) {
                    ++result_.errors;
                    continue;
                }
                speakers_[it->second]->send_text(frame_);
                ++result_.sent;
                ++result_.requests;
                if (now_ns() - due > late_after_ns) ++result_.late;
            }
            return;
        }
        std::string body;
        std::string path;
        if (plan_.mode == publish_mode::batch) {
            body = R"({"batch":[)";
            for (std::uint32_t i = 0; i < n; ++i) {
                const std::uint64_t seq = first_seq + i;
                format_payload(payload_, {cmd_.phase, seq, due}, plan_.payload_bytes);
                if (i != 0) body += ',';
                body.append(R"({"channel":")").append((*config_.channel_names)[plan_.target_of(seq)]);
                body.append(R"(","name":"bench","data":")").append(payload_).append("\"}");
            }
            body += "]}";
            path = batch_path_;
        } else {
            format_payload(payload_, {cmd_.phase, first_seq, due}, plan_.payload_bytes);
            body = event_body((*config_.channel_names)[plan_.target_of(first_seq)], payload_);
            path = events_path_;
        }
        // Requests, not sequence numbers, go round-robin: a batch starts every tenth sequence
        // number, which would pin all batches to the same node of an even-sized cluster.
        enqueue_request(path, body, due, n, requests_enqueued_++ % hosts_.size());
    }

    void enqueue_ballast(std::uint64_t due) {
        format_payload(payload_, {ballast_phase, 0, due}, plan_.ballast_bytes);
        enqueue_request(events_path_,
                        event_body((*config_.channel_names)[*plan_.ballast_channel], payload_),
                        due, 0, 0);
    }

    void enqueue_request(const std::string& path, const std::string& body, std::uint64_t due,
                         std::uint32_t events, std::size_t target_node) {
        const auto unix_now = static_cast<std::uint64_t>(::time(nullptr));
        std::string target = path;
        target.append("?").append(signer_.signed_query("POST", path, body, unix_now));
        backlog_.push_back({http_request(hosts_[target_node], target, body), due, events,
                            target_node});
        result_.max_backlog = std::max<std::uint64_t>(result_.max_backlog, backlog_.size());
    }

    void dispatch(std::uint64_t now) {
        // In order: a request whose target has no free connection waits, and so do those
        // behind it, so events leave in sequence whatever the number of targets.
        while (!backlog_.empty()) {
            const queued_request& q = backlog_.front();
            http_client* best = nullptr;
            for (std::size_t i = 0; i < http_.size(); ++i) {
                auto& c = http_[i];
                if (http_target_[i] != q.target) continue;
                if (!c->is_open() || c->in_flight() >= plan_.pipeline) continue;
                if (best == nullptr || c->in_flight() < best->in_flight()) best = c.get();
            }
            if (best == nullptr) return;
            best->send(q.bytes, q.events, now);
            if (q.events == 0) {
                ++result_.ballast_sent;
            } else {
                result_.sent += q.events;
                ++result_.requests;
                if (now - q.due_ns > late_after_ns) result_.late += q.events;
            }
            backlog_.pop_front();
        }
    }

    void check_finished(std::uint64_t now) {
        if (active_ && next_event_ >= total_events_ && next_ballast_ >= total_ballast_ &&
            backlog_.empty()) {
            active_ = false;
            draining_ = true;
            result_.finished_ns = now;
        }
        if (!draining_) return;
        const bool idle = std::all_of(http_.begin(), http_.end(),
                                      [](const auto& c) { return c->in_flight() == 0; });
        if (!idle && now - result_.finished_ns < cmd_.drain_ns) return;
        draining_ = false;
        result_.responses = http_counters_.responses;
        result_.non_2xx = http_counters_.non_2xx;
        result_.errors += http_counters_.lost_events + http_counters_.connect_failures;
        for (const auto& c : http_) result_.errors += c->in_flight();
        result_.cpu_ns = self_cpu_ns() - result_.cpu_ns;
        ipc_writer w;
        w.put(result_);
        std::vector<std::uint64_t> h;
        http_counters_.latency.serialize(h);
        w.put_vector(h);
        w.put_string(http_counters_.last_error_body);
        control_.send(ipc_type::published, w);
    }

    const publisher_plan& plan_;
    const ws_client_config& config_;
    const pusher_signer& signer_;
    ipc_channel control_;
    epoll_set ep_;
    int timer_fd_;
    std::vector<std::string> hosts_;  // Host header per target
    std::vector<std::size_t> http_target_;  // parallel to http_
    std::string events_path_;
    std::string batch_path_;
    read_buffer buffer_;
    http_counters http_counters_;
    std::vector<std::unique_ptr<http_client>> http_;
    std::vector<std::unique_ptr<ws_client>> speakers_;
    std::unordered_map<std::uint32_t, std::size_t> speaker_of_;
    std::deque<queued_request> backlog_;
    std::string payload_;
    std::string frame_;
    publish_command cmd_;
    publish_result result_;
    std::uint64_t start_ns_ = 0;
    std::uint64_t total_events_ = 0;
    std::uint64_t total_ballast_ = 0;
    std::uint64_t next_event_ = 0;
    std::uint64_t next_ballast_ = 0;
    std::uint64_t last_reopen_ns_ = 0;
    std::uint64_t requests_enqueued_ = 0;
    std::uint64_t discarded_ = 0;
    std::size_t speakers_ready_ = 0;
    std::size_t speakers_failed_ = 0;
    bool connecting_ = false;
    bool active_ = false;
    bool draining_ = false;
    bool running_ = true;
};

}  // namespace

int run_publisher(const publisher_plan& plan, const ws_client_config& config,
                  const pusher_signer& signer, ipc_channel control) {
    publisher p(plan, config, signer, control);
    return p.run();
}

}  // namespace sb::bench
