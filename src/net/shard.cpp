#include <utility>

#include "net/shard.hpp"

#include "net/ws_connection.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <thread>

namespace sb::net {

namespace asio = boost::asio;

namespace {
thread_local shard* current_shard = nullptr;
}

struct shard::tick_timer {
    explicit tick_timer(asio::io_context& ctx) : timer(ctx) {}
    asio::steady_timer timer;
};

shard::shard(std::uint32_t index, std::uint32_t count, std::size_t read_buffer_size)
    : index_(index),
      count_(count),
      context_(std::make_unique<asio::io_context>(1)),
      tick_(std::make_unique<tick_timer>(*context_)),
      read_buffer_(read_buffer_size) {}

shard::~shard() {
    // Handlers still queued own connections whose destructors leave connections_: destroy the
    // context (and the timer bound to it) while the containers are alive.
    tick_.reset();
    context_.reset();
    // Connections kept for a flush pass that will not run now leave connections_ as they die:
    // before it does.
    held_in_pass_.clear();
    held_.clear();
}

void shard::post(unique_task task) {
    queued_tasks_.fetch_add(1, std::memory_order_relaxed);
    asio::post(*context_, [this, t = std::move(task)]() mutable {
        queued_tasks_.fetch_sub(1, std::memory_order_relaxed);
        t();
    });
}

shard* shard::current() noexcept { return current_shard; }

void shard::schedule_flush(ws_connection* c) {
    dirty_.push_back(c);
    if (flush_posted_) return;
    flush_posted_ = true;
    asio::post(*context_, [this] { flush_pending(); });
}

void shard::hold_until_flushed(std::shared_ptr<ws_connection> c) { held_.push_back(std::move(c)); }

void shard::post_flush() {
    asio::post(*context_, [this] { flush_pending(); });
}

// A pass writes every connection that was dirty when it started, flush_chunk connections per
// handler. Tasks posted meanwhile (the next event's fan-out) run between chunks, so their frames
// join the writes of connections this pass has not reached yet instead of costing a write each.
void shard::flush_pending() {
    if (flush_next_ == flushing_.size()) {
        // Fan-outs already queued would each need a pass of their own: let them join this one
        // first. Bounded, so that a steady stream of posts cannot hold the writes back.
        if (queued_tasks_.load(std::memory_order_relaxed) > 0 && flush_deferrals_ < max_flush_deferrals) {
            ++flush_deferrals_;
            return post_flush();
        }
        flush_deferrals_ = 0;
        flushing_.clear();
        flushing_.swap(dirty_);
        flush_next_ = 0;
        // Held before this pass: each is in flushing_ or in no list, so safe to drop at its end.
        held_in_pass_.clear();
        held_in_pass_.swap(held_);
    }
    const std::size_t end = std::min(flushing_.size(), flush_next_ + flush_chunk);
    while (flush_next_ < end) flushing_[flush_next_++]->flush_now();
    if (flush_next_ < flushing_.size()) return post_flush();
    flushing_.clear();
    flush_next_ = 0;
    held_in_pass_.clear();
    if (dirty_.empty() && held_.empty()) {
        flush_posted_ = false;
        return;
    }
    post_flush();
}

void shard::add_connection(ws_connection* c) {
    c->tick_slot_ = connections_.size();
    connections_.push_back(c);
}

void shard::remove_connection(ws_connection* c) {
    const std::size_t slot = c->tick_slot_;
    if (slot >= connections_.size() || connections_[slot] != c) return;
    connections_[slot] = connections_.back();
    connections_[slot]->tick_slot_ = slot;
    connections_.pop_back();
}

void shard::arm_tick() {
    tick_->timer.expires_after(std::chrono::seconds(1));
    tick_->timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        const auto now = std::chrono::steady_clock::now();
        const auto now_ms = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
        for_each_connection([now_ms](ws_connection& c) { c.tick(now_ms); });
        for (auto& task : tick_tasks_) task(now_ms);
        arm_tick();
    });
}

void shard::run() {
    current_shard = this;
    auto guard = asio::make_work_guard(*context_);
    arm_tick();
    context_->run();
    current_shard = nullptr;
}

void shard::stop() {
    asio::post(*context_, [this] {
        tick_->timer.cancel();
        context_->stop();
    });
}

struct shard_set::threads {
    std::vector<std::thread> list;
};

shard_set::shard_set(std::uint32_t count, std::size_t read_buffer_size)
    : threads_(std::make_unique<threads>()) {
    count = std::clamp<std::uint32_t>(count, 1, 64);
    for (std::uint32_t i = 0; i < count; ++i)
        shards_.push_back(std::make_unique<shard>(i, count, read_buffer_size));
}

shard_set::~shard_set() { stop_and_join(); }

void shard_set::start() {
    for (auto& s : shards_) threads_->list.emplace_back([p = s.get()] { p->run(); });
}

void shard_set::stop_and_join() {
    if (threads_->list.empty()) return;
    for (auto& s : shards_) s->stop();
    for (auto& t : threads_->list) t.join();
    threads_->list.clear();
}

}  // namespace sb::net
