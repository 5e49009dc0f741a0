#include "load/subscriber_worker.hpp"

#include "load/proc_stats.hpp"
#include "load/stats.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <deque>
#include <memory>

namespace sb::bench {

namespace {

constexpr std::uint64_t control_tag = UINT64_MAX;
constexpr std::size_t max_seq_count = std::size_t{1} << 25;  // 32M sequence numbers per run
constexpr std::uint32_t max_phase = 4096;

class subscriber_worker final : public ws_owner {
public:
    subscriber_worker(const subscriber_plan& plan, const ws_client_config& config,
                      ipc_channel control)
        : plan_(plan), config_(config), control_(control) {
        ep_.add(control_.fd(), EPOLLIN, control_tag);
    }

    int run() {
        std::vector<epoll_event> events(1024);
        while (running_) {
            const bool busy = connecting_ || churning_ || !churn_closes_.empty();
            const int n = epoll_wait(ep_.fd(), events.data(), static_cast<int>(events.size()),
                                     busy ? 1 : 50);
            for (int i = 0; i < n; ++i) {
                const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
                const std::uint32_t ev = events[static_cast<std::size_t>(i)].events;
                if (tag == control_tag) {
                    if (!read_control()) return 0;
                    continue;
                }
                const auto slot = static_cast<std::uint32_t>(tag);
                const auto gen = static_cast<std::uint32_t>(tag >> 32);
                if (slot < slots_.size() && slots_[slot] && gens_[slot] == gen) {
                    slots_[slot]->on_event(ev, buffer_, *this);
                }
            }
            release_closed();
            if (connecting_) pump_connects();
            if (churning_ || !churn_closes_.empty()) pump_churn();
        }
        return 0;
    }

    void on_ready(ws_client& c) override {
        report_.connect_latency.record(c.ready_ns() - c.started_ns());
        if (plan_.role == conn_role::churn) {
            churn_closes_.push_back({c.ready_ns() + plan_.churn_hold_ms * 1'000'000ULL, c.id()});
            ++report_.tick.churn_connects;
            return;
        }
        ++ready_;
        --pending_;
        if (connecting_ && ready_ + failed_ == plan_.count) answer_connected();
    }

    void on_delivery(ws_client&, const payload_stamp& stamp, std::uint64_t recv_ns) override {
        if (plan_.role != conn_role::counted && plan_.role != conn_role::observer) {
            ++report_.tick.discarded;
            return;
        }
        ++report_.tick.deliveries;
        if (stamp.phase != current_phase_id_ || current_phase_ == nullptr) {
            if (stamp.phase >= max_phase) return;
            current_phase_id_ = stamp.phase;
            current_phase_ = &report_.phase(stamp.phase);
        }
        ++current_phase_->deliveries;
        current_phase_->latency.record(recv_ns > stamp.send_ns ? recv_ns - stamp.send_ns : 0);
        if (stamp.seq < max_seq_count) {
            auto& counts = report_.seq_counts;
            if (stamp.seq >= counts.size()) {
                counts.resize(std::max<std::size_t>(stamp.seq + 1, counts.size() * 2));
            }
            ++counts[stamp.seq];
        }
    }

    void on_closed(ws_client& c) override {
        const auto slot = static_cast<std::uint32_t>(c.id() & 0xffffffffU);
        closed_slots_.push_back(slot);
        if (plan_.role == conn_role::churn) {
            if (!c.was_ready()) ++report_.tick.churn_failures;
            else if (c.closed_by_tool()) ++report_.tick.churn_closes;
            else ++report_.tick.closed_by_server;
            return;
        }
        if (!c.was_ready()) {
            ++failed_;
            --pending_;
            if (connecting_ && ready_ + failed_ == plan_.count) answer_connected();
        } else if (!c.closed_by_tool()) {
            ++report_.tick.closed_by_server;
            report_.tick.last_close_code = c.close_code();
        }
    }

private:
    struct churn_close {
        std::uint64_t at_ns;
        std::uint64_t id;
    };

    // Epoll tags and ids are slot | generation << 32, so an event queued for a closed socket
    // never reaches the connection that reuses its slot.
    std::uint64_t open_connection(std::uint64_t plan_index) {
        std::uint32_t slot = 0;
        if (!free_slots_.empty()) {
            slot = free_slots_.back();
            free_slots_.pop_back();
        } else {
            slot = static_cast<std::uint32_t>(slots_.size());
            slots_.emplace_back();
            gens_.push_back(0);
        }
        const std::uint64_t tag = (std::uint64_t{++gens_[slot]} << 32) | slot;
        const std::uint64_t id = plan_.first_id + plan_index;
        auto channels = plan_.channels_of(id);
        // Round-robin over the targets by planned id, so a cluster's nodes get equal shares
        // whichever worker holds the connection.
        slots_[slot] = std::make_unique<ws_client>(config_, tag, std::move(channels),
                                                   id % config_.targets.size());
        slots_[slot]->set_presence_member(id, plan_.presence_stamp_phase);
        const in_addr* source =
            plan_.sources.empty() ? nullptr : &plan_.sources[plan_index % plan_.sources.size()];
        if (!slots_[slot]->open(ep_, source, plan_.rcvbuf)) on_closed(*slots_[slot]);
        return tag;
    }

    void release_closed() {
        for (const std::uint32_t slot : closed_slots_) {
            if (plan_.role == conn_role::churn) {
                slots_[slot].reset();
                free_slots_.push_back(slot);
            }
        }
        closed_slots_.clear();
    }

    void pump_connects() {
        while (next_ < plan_.count && pending_ < plan_.max_pending_connects) {
            ++pending_;
            open_connection(next_++);
        }
    }

    void pump_churn() {
        const std::uint64_t now = now_ns();
        while (!churn_closes_.empty() && churn_closes_.front().at_ns <= now) {
            const std::uint64_t id = churn_closes_.front().id;
            churn_closes_.pop_front();
            const auto slot = static_cast<std::uint32_t>(id & 0xffffffffU);
            if (slot < slots_.size() && slots_[slot] && slots_[slot]->id() == id) {
                slots_[slot]->close_now(*this);
            }
        }
        release_closed();
        if (!churning_) return;
        const double elapsed = static_cast<double>(now - churn_started_ns_) / 1e9;
        const auto due = static_cast<std::uint64_t>(elapsed * plan_.churn_rate);
        const std::uint64_t limit = plan_.count > 0 ? plan_.count : UINT64_MAX;
        while (churn_started_ < due && churn_started_ < limit) {
            if (slots_.size() - free_slots_.size() >= max_connections_per_worker) {
                ++report_.tick.churn_failures;  // the tool could not keep up: counted, not hidden
            } else {
                open_connection(churn_started_);
            }
            ++churn_started_;
        }
    }

    void answer_connected() {
        connecting_ = false;
        report_.connect_elapsed_ns = now_ns() - connect_started_ns_;
        ipc_writer w;
        w.put(tick());
        w.put(report_.connect_elapsed_ns);
        control_.send(ipc_type::connected, w);
    }

    tick_stats tick() {
        tick_stats t = report_.tick;
        t.at_ns = now_ns();
        t.frames = counters().frames;
        t.bytes = counters().bytes;
        t.protocol_errors = counters().protocol_errors;
        t.members_added = counters().members_added;
        t.members_removed = counters().members_removed;
        t.cpu_ns = self_cpu_ns();
        t.open = 0;
        t.subscribed = 0;
        for (const auto& c : slots_) {
            if (!c || c->current() == ws_client::state::closed) continue;
            ++t.open;
            t.subscribed += c->current() == ws_client::state::ready;
        }
        t.failed = static_cast<std::uint32_t>(failed_);
        return t;
    }

    ws_counters& counters() { return *config_.counters; }

    // An empty body asks for everything; a phase number for that phase only (a ramp step's
    // verdict); UINT32_MAX for the connect histogram only.
    void send_report(const std::string& body) {
        report_.tick = tick();
        ipc_writer w;
        if (body.empty()) {
            report_.write(w);
        } else {
            ipc_reader r(body);
            const auto phase = r.get<std::uint32_t>();
            worker_report part;
            part.tick = report_.tick;
            part.connect_latency.merge(report_.connect_latency);
            part.connect_elapsed_ns = report_.connect_elapsed_ns;
            if (const auto it = report_.phases.find(phase); it != report_.phases.end()) {
                auto& p = part.phase(phase);
                p.deliveries = it->second->deliveries;
                p.latency.merge(it->second->latency);
            }
            part.write(w);
        }
        control_.send(ipc_type::report_reply, w);
    }

    bool read_control() {
        const bool alive = control_.fill();
        while (auto m = control_.next()) handle(*m);
        return alive && running_;
    }

    void handle(const ipc_message& m) {
        switch (m.type) {
            case ipc_type::connect:
                connecting_ = true;
                connect_started_ns_ = now_ns();
                if (plan_.count == 0) answer_connected();
                break;
            case ipc_type::tick: {
                ipc_writer w;
                w.put(tick());
                control_.send(ipc_type::tick_reply, w);
                break;
            }
            case ipc_type::report:
                send_report(m.body);
                break;
            case ipc_type::churn_start:
                churning_ = true;
                churn_started_ns_ = now_ns();
                churn_started_ = 0;
                break;
            case ipc_type::churn_stop:
                churning_ = false;
                break;
            case ipc_type::stall:
                for (auto& c : slots_) {
                    if (c) c->pause();
                }
                break;
            case ipc_type::resume:
                for (auto& c : slots_) {
                    if (c) c->resume();
                }
                break;
            case ipc_type::close_all: {
                churning_ = false;
                churn_closes_.clear();
                for (auto& c : slots_) {
                    if (c) c->close_now(*this);
                }
                release_closed();
                ipc_writer w;
                w.put(tick());
                control_.send(ipc_type::closed, w);
                break;
            }
            case ipc_type::exit:
                running_ = false;
                break;
            default:
                break;
        }
    }

    const subscriber_plan& plan_;
    const ws_client_config& config_;
    ipc_channel control_;
    epoll_set ep_;
    read_buffer buffer_;
    worker_report report_;
    std::vector<std::unique_ptr<ws_client>> slots_;
    std::vector<std::uint32_t> gens_;
    std::vector<std::uint32_t> free_slots_;
    std::vector<std::uint32_t> closed_slots_;
    std::deque<churn_close> churn_closes_;
    phase_stats* current_phase_ = nullptr;
    std::uint32_t current_phase_id_ = 0;
    std::uint64_t connect_started_ns_ = 0;
    std::uint64_t churn_started_ns_ = 0;
    std::uint64_t churn_started_ = 0;
    std::size_t next_ = 0;
    std::size_t pending_ = 0;
    std::size_t ready_ = 0;
    std::size_t failed_ = 0;
    bool connecting_ = false;
    bool churning_ = false;
    bool running_ = true;
};

}  // namespace

int run_subscriber_worker(const subscriber_plan& plan, const ws_client_config& config,
                          ipc_channel control) {
    subscriber_worker worker(plan, config, control);
    return worker.run();
}

}  // namespace sb::bench
