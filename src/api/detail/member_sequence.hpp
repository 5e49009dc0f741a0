#pragma once
// Cluster mode: one presence channel's member events at its home shard, lined up with the
// member lists its subscribers get (broker.hpp "membership versions").
//
// Why: the list a joiner gets is read by the broker in one step, while member events of other
// nodes arrive separately, in version order. An event may arrive here before the joiner's list
// (then it was fanned out before the joiner was attached, and the joiner must get it with its
// list when the list lacks it) or after it (then the joiner must not get it when the list holds
// it). A list as of version V holds exactly the events up to V, so: keep the events that arrive
// while lists are on their way, hold back a list until every event up to V has arrived and been
// fanned out (the joiner is attached after those, so it misses them, as it should), and hand
// the list the kept events above V. Later events reach the attached joiner by fan-out.
//
// Thread: the channel's home shard. No I/O: the hub fans out, posts and arms timers.

#include "net/task.hpp"

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace sb::api::detail {

class member_sequence {
public:
    // What a waiting list runs once it may go out: the events it lacks, as frame texts.
    using release = net::unique_callback<std::vector<std::string>>;

    // `subscribed_at`: the version the broker subscription started at (every later event will
    // arrive); unknown when the broker could not say (then lists never wait).
    member_sequence(std::uint64_t subscribed_at, bool known) : seen_(subscribed_at), known_(known) {}

    // A member list was asked for; its answer is expected through list_answered or wait.
    void list_asked() { ++asked_; }

    // An event of `version` arrived (in version order) and is being fanned out; `text` is its
    // frame per group ([0] Pusher, [1] native; empty: none). Returns what may go out now:
    // run each after the event's fan-out was posted.
    [[nodiscard]] std::vector<net::unique_task> received(std::uint64_t version, std::string exclude,
                                                         const std::string (&text)[2]) {
        if (version > seen_) seen_ = version;
        known_ = true;
        if (asked_ > 0) events_.push_back({version, std::move(exclude), {text[0], text[1]}});
        std::vector<net::unique_task> ready;
        for (auto it = waiting_.begin(); it != waiting_.end();) {
            if (it->version > seen_) {
                ++it;
                continue;
            }
            ready.push_back(take(*it));
            it = waiting_.erase(it);
        }
        return ready;
    }

    // True when a list as of `version` may go out now (every event up to it arrived here).
    [[nodiscard]] bool caught_up(std::uint64_t version) const noexcept {
        return !known_ || version == 0 || version <= seen_;
    }

    // The list as of `version`, for a subscriber with socket `socket` in `group`, goes out now:
    // the kept events it lacks.
    [[nodiscard]] std::vector<std::string> list_answered(std::uint64_t version, const std::string& socket,
                                                          std::size_t group) {
        std::vector<std::string> lacking;
        if (version > 0)
            for (const auto& e : events_)
                if (e.version > version && !e.text[group].empty() && e.exclude != socket)
                    lacking.push_back(e.text[group]);
        if (asked_ > 0 && --asked_ == 0) events_.clear();
        return lacking;
    }

    // Holds a list as of `version` back until the events up to it arrived (received) or
    // `deadline_ms` passed (expire): then `go` runs with list_answered's result.
    void wait(std::uint64_t deadline_ms, std::uint64_t version, std::string socket, std::size_t group, release go) {
        waiting_.push_back({deadline_ms, version, std::move(socket), group, std::move(go)});
    }

    // Lists that waited past their deadline (an event up to their version was lost, e.g. in a
    // broker outage): they go with what is here rather than never.
    [[nodiscard]] std::vector<net::unique_task> expire(std::uint64_t now_ms) {
        std::vector<net::unique_task> late;
        for (auto it = waiting_.begin(); it != waiting_.end();) {
            if (it->deadline_ms > now_ms) {
                ++it;
                continue;
            }
            late.push_back(take(*it));
            it = waiting_.erase(it);
        }
        return late;
    }

    // Everything still waiting, to let go when the channel is forgotten.
    [[nodiscard]] std::vector<net::unique_task> release_all() {
        std::vector<net::unique_task> all;
        for (auto& w : waiting_) all.push_back(take(w));
        waiting_.clear();
        return all;
    }

private:
    struct event {
        std::uint64_t version;
        std::string exclude;
        std::string text[2];
    };
    struct waiter {
        std::uint64_t deadline_ms;
        std::uint64_t version;
        std::string socket;
        std::size_t group;
        release go;
    };

    net::unique_task take(waiter& w) {
        return [go = std::move(w.go), lacking = list_answered(w.version, w.socket, w.group)]() mutable {
            go(std::move(lacking));
        };
    }

    std::uint64_t seen_;
    bool known_;
    std::uint32_t asked_ = 0;
    std::deque<event> events_;
    std::vector<waiter> waiting_;
};

}  // namespace sb::api::detail
