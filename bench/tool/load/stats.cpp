#include "load/stats.hpp"

#include <algorithm>

namespace sb::bench {

phase_stats& worker_report::phase(std::uint32_t id) {
    auto& slot = phases[id];
    if (!slot) slot = std::make_unique<phase_stats>();
    return *slot;
}

void worker_report::merge(const worker_report& other) {
    const tick_stats& o = other.tick;
    tick.at_ns = std::max(tick.at_ns, o.at_ns);
    tick.deliveries += o.deliveries;
    tick.discarded += o.discarded;
    tick.frames += o.frames;
    tick.bytes += o.bytes;
    tick.cpu_ns += o.cpu_ns;
    tick.churn_connects += o.churn_connects;
    tick.churn_closes += o.churn_closes;
    tick.churn_failures += o.churn_failures;
    tick.members_added += o.members_added;
    tick.members_removed += o.members_removed;
    tick.open += o.open;
    tick.subscribed += o.subscribed;
    tick.closed_by_server += o.closed_by_server;
    tick.failed += o.failed;
    if (o.last_close_code != 0) tick.last_close_code = o.last_close_code;
    tick.protocol_errors += o.protocol_errors;
    for (const auto& [id, p] : other.phases) {
        auto& mine = phase(id);
        mine.deliveries += p->deliveries;
        mine.latency.merge(p->latency);
    }
    if (seq_counts.size() < other.seq_counts.size()) seq_counts.resize(other.seq_counts.size());
    for (std::size_t i = 0; i < other.seq_counts.size(); ++i) seq_counts[i] += other.seq_counts[i];
    connect_latency.merge(other.connect_latency);
    connect_elapsed_ns = std::max(connect_elapsed_ns, other.connect_elapsed_ns);
}

void worker_report::write(ipc_writer& w) const {
    w.put(tick);
    w.put<std::uint64_t>(phases.size());
    std::vector<std::uint64_t> h;
    for (const auto& [id, p] : phases) {
        w.put(id);
        w.put(p->deliveries);
        h.clear();
        p->latency.serialize(h);
        w.put_vector(h);
    }
    w.put_vector(seq_counts);
    h.clear();
    connect_latency.serialize(h);
    w.put_vector(h);
    w.put(connect_elapsed_ns);
}

bool worker_report::read(ipc_reader& r) {
    tick = r.get<tick_stats>();
    const auto n = r.get<std::uint64_t>();
    for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
        const auto id = r.get<std::uint32_t>();
        auto& p = phase(id);
        p.deliveries += r.get<std::uint64_t>();
        const auto h = r.get_vector<std::uint64_t>();
        std::size_t pos = 0;
        if (!p.latency.merge_serialized(h, pos)) return false;
    }
    seq_counts = r.get_vector<std::uint32_t>();
    const auto h = r.get_vector<std::uint64_t>();
    std::size_t pos = 0;
    if (!connect_latency.merge_serialized(h, pos)) return false;
    connect_elapsed_ns = r.get<std::uint64_t>();
    return r.ok();
}

}  // namespace sb::bench
