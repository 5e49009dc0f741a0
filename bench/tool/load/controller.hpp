#pragma once
// The controller: the parent process of a run. It plans connection groups, forks the worker
// processes (subscribers in slices under the per-process file limit, one publisher, optionally
// one history fetcher), drives them step by step over their pipes, samples the CPU and memory of
// the server (every node of it) and of every tool process, and merges what the workers measured.
//
// Scenarios use only this interface; a new scenario adds groups and steps, not plumbing.
// Single-threaded; every call blocks until the workers answer or a timeout passes (then it
// throws std::runtime_error), except begin_fetch, whose answer end_fetch collects.

#include "load/fetcher.hpp"
#include "load/histogram.hpp"
#include "load/ipc.hpp"
#include "load/net.hpp"
#include "load/options.hpp"
#include "load/proc_stats.hpp"
#include "load/publisher.hpp"
#include "load/pusher_signer.hpp"
#include "load/stats.hpp"
#include "load/subscriber_worker.hpp"
#include "load/ws_client.hpp"

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sb::bench {

struct group_spec {
    std::string name;
    conn_role role = conn_role::counted;
    std::size_t count = 0;
    std::function<std::vector<std::uint32_t>(std::uint64_t id)> channels_of;
    std::size_t workers = 0;  // 0: enough to keep each under 5,000 connections
    int rcvbuf = 0;
    double churn_rate = 0;
    std::uint32_t churn_hold_ms = 1000;
    std::size_t max_pending_connects = 256;
    std::optional<std::uint32_t> presence_stamp_phase;  // see subscriber_plan
};

struct connect_result {
    std::size_t ready = 0;
    std::size_t failed = 0;
    double seconds = 0;  // first connect to last subscription (slowest worker)
    histogram latency;   // per connection: connect() -> subscribed
};

// CPU used by one process over a window.
struct cpu_share {
    std::string process;  // "server", "publisher", "subscribers#2", "controller", ...
    double cores = 0;     // 1.0 = one core busy for the whole window
};

// What the history fetcher measured over one step.
struct fetch_outcome {
    fetch_result result;
    histogram latency;  // due time -> response complete
    std::string last_error;
};

// One publishing step, as the controller measured it.
struct step_result {
    std::string name;
    std::uint32_t phase = 0;
    double target_rate = 0;
    double duration_s = 0;
    publish_result pub;
    histogram http_latency;
    std::string http_error;
    double sent_rate = 0;          // events written per second of the schedule
    double window_s = 0;           // the measured window (the publishing schedule)
    std::uint64_t window_deliveries = 0;
    double deliveries_per_s = 0;   // counted deliveries received per second in the window
    std::uint64_t expected = 0;    // deliveries the step's events should produce
    std::uint64_t received = 0;    // deliveries of the step's events received (after drain)
    std::uint64_t lost = 0;        // from per-sequence counts (final report)
    std::uint64_t duplicates = 0;
    histogram latency;
    double server_cpu = 0;         // cores
    std::optional<std::uint64_t> server_rss_before;
    std::optional<std::uint64_t> server_rss_after;
    std::vector<cpu_share> tool_cpu;
    cpu_share busiest_tool;
    std::uint32_t closed_by_server = 0;  // counted connections lost during the step
    bool valid = true;
    std::string invalid_reason;
    [[nodiscard]] double reach() const {
        return expected == 0 ? 1.0 : static_cast<double>(received) / static_cast<double>(expected);
    }
};

class controller {
public:
    explicit controller(const run_options& options);
    ~controller();
    controller(const controller&) = delete;
    controller& operator=(const controller&) = delete;

    // --- planning (before start) ---
    std::uint32_t add_channel(std::string name);
    [[nodiscard]] const std::vector<std::string>& channels() const noexcept { return channels_; }
    // Returns the group's index. Counted groups define the expected deliveries per channel.
    std::size_t add_group(group_spec spec);
    void set_publisher(publisher_plan plan);
    void set_fetcher(fetcher_plan plan);
    void set_sources(std::vector<in_addr> sources) { sources_ = std::move(sources); }
    [[nodiscard]] std::uint64_t subscribers_of(std::uint32_t channel) const;

    // Forks every worker. After this, plans are fixed.
    void start();

    // --- driving ---
    connect_result connect(std::size_t group, double timeout_s);
    void connect_publisher(double timeout_s);
    void connect_fetcher(double timeout_s);
    // Starts the fetcher's open-loop schedule (returns at once) / waits for its result.
    void begin_fetch(double rate, double seconds);
    fetch_outcome end_fetch(double timeout_s);
    // Publishes one step (open loop), measures the window, drains, and reads the step's phase
    // from the counted groups.
    step_result run_step(std::string name, std::uint32_t phase, double rate, double seconds,
                         double ballast_rate = 0);
    // Sends a bare command to every worker of a group (stall, resume, churn_start, ...).
    void command(std::size_t group, ipc_type type);
    tick_stats tick(std::size_t group);
    // Final reports of a group, merged; fills lost/duplicates of `steps` for counted groups.
    worker_report final_report(std::size_t group, std::vector<step_result>* steps = nullptr);
    void close_all();
    // Sleeps while answering nothing: lets the server settle.
    void idle(double seconds);

    // --- observation ---
    [[nodiscard]] std::optional<process_memory> server_memory() const;
    // CPU time of the server (every --server-pid, summed); nullopt without one.
    [[nodiscard]] std::optional<std::uint64_t> server_cpu_ns() const;
    [[nodiscard]] const run_options& options() const noexcept { return options_; }
    // The first target; targets(): all of them (--target a,b,c).
    [[nodiscard]] const endpoint& target() const noexcept { return config_.targets.front(); }
    [[nodiscard]] const std::vector<endpoint>& targets() const noexcept { return config_.targets; }
    void log(const std::string& line) const;

private:
    struct worker {
        std::string name;
        std::size_t group = 0;
        pid_t pid = 0;
        ipc_channel channel;
        std::deque<ipc_message> inbox;
        bool publisher = false;
        bool fetcher = false;
    };

    void fork_worker(worker& w, const std::function<int(ipc_channel)>& body);
    ipc_message wait_for(worker& w, ipc_type type, double timeout_s);
    std::vector<ipc_message> broadcast(std::size_t group, ipc_type type, ipc_type reply,
                                       double timeout_s, const ipc_writer& body = {});
    [[nodiscard]] std::vector<worker*> workers_of(std::size_t group);
    worker& publisher_worker();
    worker& fetcher_worker();
    tick_stats counted_tick();
    std::uint64_t expected_for(std::uint64_t first_seq, std::uint64_t end_seq) const;
    std::vector<std::pair<std::string, std::uint64_t>> tool_cpu_now();

    run_options options_;
    ws_counters counters_;
    ws_client_config config_;
    std::unique_ptr<pusher_signer> signer_;
    std::vector<std::string> channels_;
    std::vector<std::uint64_t> subscribers_of_;  // counted connections per channel
    std::vector<group_spec> groups_;
    std::vector<subscriber_plan> plans_;  // one per subscriber worker, indexes parallel workers_
    std::optional<publisher_plan> publisher_plan_;
    std::optional<fetcher_plan> fetcher_plan_;
    std::vector<in_addr> sources_;
    std::vector<std::unique_ptr<worker>> workers_;
    std::uint64_t next_seq_ = 0;
    bool started_ = false;
};

}  // namespace sb::bench
