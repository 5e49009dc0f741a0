#include "load/fetcher.hpp"

#include "load/http_client.hpp"
#include "load/stats.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <deque>
#include <memory>

namespace sb::bench {

std::string http_get_request(std::string_view host, std::string_view path,
                             std::string_view headers) {
    std::string r;
    r.append("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
    r.append(headers).append("\r\n");
    return r;
}

probe_answer probe_http(const endpoint& target, const std::string& request, double timeout_s) {
    probe_answer out;
    const int fd = start_connect(target, nullptr);
    if (fd < 0) return out;
    const std::uint64_t deadline = now_ns() + static_cast<std::uint64_t>(timeout_s * 1e9);
    std::size_t written = 0;
    std::string in;
    for (;;) {
        const std::uint64_t now = now_ns();
        if (now >= deadline) break;
        pollfd p{fd, static_cast<short>(written < request.size() ? POLLOUT : POLLIN), 0};
        if (poll(&p, 1, static_cast<int>((deadline - now) / 1'000'000 + 1)) <= 0) continue;
        if (written < request.size()) {
            const ssize_t w = ::send(fd, request.data() + written, request.size() - written,
                                     MSG_NOSIGNAL);
            if (w <= 0) break;
            written += static_cast<std::size_t>(w);
            continue;
        }
        char buf[8192];
        const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
        if (r <= 0) break;
        in.append(buf, static_cast<std::size_t>(r));
        const std::size_t head_end = in.find("\r\n\r\n");
        if (head_end == std::string::npos || !in.starts_with("HTTP/1.")) continue;
        // Content-Length only: every server the tool probes sends it for short answers.
        std::string head = in.substr(0, head_end);
        for (char& ch : head) ch = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + 32) : ch;
        std::size_t length = 0;
        const std::size_t at = head.find("\r\ncontent-length:");
        if (at != std::string::npos) {
            std::size_t pos = at + 17;
            while (pos < head_end && in[pos] == ' ') ++pos;
            std::from_chars(in.data() + pos, in.data() + head_end, length);
        }
        if (in.size() < head_end + 4 + length) continue;
        std::from_chars(in.data() + 9, in.data() + 12, out.status);
        out.body = in.substr(head_end + 4, length);
        break;
    }
    ::close(fd);
    return out;
}

namespace {

constexpr std::uint64_t control_tag = UINT64_MAX;
constexpr std::uint64_t timer_tag = UINT64_MAX - 1;
constexpr std::uint64_t late_after_ns = 1'000'000;

class fetcher {
public:
    fetcher(const fetcher_plan& plan, ipc_channel control)
        : plan_(plan),
          control_(control),
          timer_fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
        ep_.add(control_.fd(), EPOLLIN, control_tag);
        ep_.add(timer_fd_, EPOLLIN, timer_tag);
    }
    ~fetcher() { ::close(timer_fd_); }
    fetcher(const fetcher&) = delete;
    fetcher& operator=(const fetcher&) = delete;

    int run() {
        std::vector<epoll_event> events(64);
        while (running_) {
            const int timeout = active_ || draining_ || connecting_ ? 5 : 100;
            const int n =
                epoll_wait(ep_.fd(), events.data(), static_cast<int>(events.size()), timeout);
            for (int i = 0; i < n; ++i) {
                const auto& ev = events[static_cast<std::size_t>(i)];
                if (ev.data.u64 == control_tag) {
                    if (!read_control()) return 0;
                } else if (ev.data.u64 == timer_tag) {
                    std::uint64_t expirations = 0;
                    [[maybe_unused]] auto r = ::read(timer_fd_, &expirations, sizeof expirations);
                } else if (ev.data.u64 < http_.size()) {
                    http_[ev.data.u64]->on_event(ev.events);
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

private:
    bool read_control() {
        const bool alive = control_.fill();
        while (auto m = control_.next()) handle(*m);
        return alive && running_;
    }

    void handle(const ipc_message& m) {
        switch (m.type) {
            case ipc_type::connect:
                for (std::size_t i = 0; i < std::max<std::size_t>(1, plan_.connections); ++i) {
                    const in_addr* source = plan_.sources.empty()
                                                ? nullptr
                                                : &plan_.sources[i % plan_.sources.size()];
                    http_.push_back(std::make_unique<http_client>(plan_.target, source, counters_, i));
                    http_.back()->open(ep_);
                }
                connecting_ = true;
                check_connected();
                break;
            case ipc_type::fetch: {
                ipc_reader r(m.body);
                start(r.get<fetch_command>());
                break;
            }
            case ipc_type::close_all:
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

    void check_connected() {
        const bool open = std::all_of(http_.begin(), http_.end(),
                                      [](const auto& c) { return c->is_open(); });
        if (!open && counters_.connect_failures == 0) return;
        connecting_ = false;
        tick_stats t;
        t.failed = static_cast<std::uint32_t>(counters_.connect_failures);
        ipc_writer w;
        w.put(t);
        control_.send(ipc_type::connected, w);
    }

    void start(const fetch_command& cmd) {
        cmd_ = cmd;
        result_ = fetch_result{};
        counters_ = http_counters{};
        start_ns_ = now_ns() + 2'000'000;
        result_.started_ns = start_ns_;
        total_ = static_cast<std::uint64_t>(cmd.rate * static_cast<double>(cmd.duration_ns) / 1e9 + 0.5);
        next_ = 0;
        active_ = total_ > 0;
        draining_ = !active_;
        result_.finished_ns = start_ns_;
        arm_timer_at(timer_fd_, start_ns_);
    }

    std::uint64_t due_of(std::uint64_t k) const {
        return start_ns_ + static_cast<std::uint64_t>(static_cast<double>(k) * 1e9 / cmd_.rate);
    }

    void schedule(std::uint64_t now) {
        while (next_ < total_ && due_of(next_) <= now) backlog_.push_back(due_of(next_++));
        if (next_ < total_) arm_timer_at(timer_fd_, due_of(next_));
    }

    void dispatch(std::uint64_t now) {
        while (!backlog_.empty()) {
            http_client* free = nullptr;
            for (auto& c : http_) {
                if (c->is_open() && c->in_flight() == 0) {
                    free = c.get();
                    break;
                }
            }
            if (free == nullptr) return;
            const std::uint64_t due = backlog_.front();
            backlog_.pop_front();
            // Timed from the due time: the wait for a free connection is part of the fetch.
            free->send(plan_.request, 1, due);
            ++result_.requests;
            if (now - due > late_after_ns) ++result_.late;
        }
    }

    void check_finished(std::uint64_t now) {
        if (active_ && next_ >= total_ && backlog_.empty()) {
            active_ = false;
            draining_ = true;
            result_.finished_ns = now;
        }
        if (!draining_) return;
        const bool idle = std::all_of(http_.begin(), http_.end(),
                                      [](const auto& c) { return c->in_flight() == 0; });
        if (!idle && now - result_.finished_ns < cmd_.drain_ns) return;
        draining_ = false;
        result_.responses = counters_.responses;
        result_.non_2xx = counters_.non_2xx;
        // lost_events counts non-2xx answers too (one "event" per request): keep only the rest.
        result_.errors = counters_.lost_events - counters_.non_2xx + counters_.connect_failures;
        for (const auto& c : http_) result_.errors += c->in_flight();
        ipc_writer w;
        w.put(result_);
        std::vector<std::uint64_t> h;
        counters_.latency.serialize(h);
        w.put_vector(h);
        w.put_string(counters_.last_error_body);
        control_.send(ipc_type::fetched, w);
    }

    const fetcher_plan& plan_;
    ipc_channel control_;
    epoll_set ep_;
    int timer_fd_;
    http_counters counters_;
    std::vector<std::unique_ptr<http_client>> http_;
    std::deque<std::uint64_t> backlog_;  // due times of requests not written yet
    fetch_command cmd_;
    fetch_result result_;
    std::uint64_t start_ns_ = 0;
    std::uint64_t total_ = 0;
    std::uint64_t next_ = 0;
    std::uint64_t last_reopen_ns_ = 0;
    bool connecting_ = false;
    bool active_ = false;
    bool draining_ = false;
    bool running_ = true;
};

}  // namespace

int run_fetcher(const fetcher_plan& plan, ipc_channel control) {
    fetcher f(plan, control);
    return f.run();
}

}  // namespace sb::bench
