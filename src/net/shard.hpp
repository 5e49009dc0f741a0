#pragma once
// One network thread and everything it owns (STYLE.md section 2).
//
// A shard runs one io_context on one thread. Connections accepted on a shard stay on it, so
// their state needs no locks; other threads reach a shard only through post(), whose tasks run
// in the order they were posted from any one thread. The shard also owns what its connections
// share: one read buffer (a connection holds no read memory while idle), the list of
// connections with frames to flush (written after the handlers already queued, so one sendmsg
// carries many frames, and a few connections per handler, so that the next event's fan-out and
// the HTTP requests do not wait behind a pass over every subscriber), and a one-second tick for
// timeouts.
//
// Thread: post(), index() and count() may be called from any thread; everything else only from
// the shard's own thread.

#include "net/task.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace sb::net {

class ws_connection;

class shard {
public:
    shard(std::uint32_t index, std::uint32_t count, std::size_t read_buffer_size);
    ~shard();
    shard(const shard&) = delete;
    shard& operator=(const shard&) = delete;

    [[nodiscard]] std::uint32_t index() const noexcept { return index_; }
    [[nodiscard]] std::uint32_t count() const noexcept { return count_; }
    [[nodiscard]] boost::asio::io_context& context() noexcept { return *context_; }

    // Runs `task` on this shard's thread, after what is already queued. Never runs inline.
    void post(unique_task task);

    // The shard whose thread is calling, or nullptr outside shard threads.
    [[nodiscard]] static shard* current() noexcept;

    [[nodiscard]] std::span<std::uint8_t> read_buffer() noexcept { return read_buffer_; }

    // Queues `c` to be flushed once the handlers already queued have run.
    void schedule_flush(ws_connection* c);
    // Keeps a closed connection alive until the pending flush pass has run.
    void hold_until_flushed(std::shared_ptr<ws_connection> c);

    // Connections visited by the tick.
    void add_connection(ws_connection* c);
    void remove_connection(ws_connection* c);
    [[nodiscard]] std::size_t connection_count() const noexcept { return connections_.size(); }
    template <class F>
    void for_each_connection(F&& f) {
        // By index over a copy: a visited connection may close and leave the list.
        const auto snapshot = connections_;
        for (ws_connection* c : snapshot) f(*c);
    }

    // Runs `task(now_ms)` on every one-second tick of this shard (call before run()).
    void add_tick_task(unique_callback<std::uint64_t> task) { tick_tasks_.push_back(std::move(task)); }

    // Runs the event loop on the calling thread until stop().
    void run();
    void stop();

private:
    void flush_pending();
    void post_flush();
    void arm_tick();

    static constexpr std::size_t flush_chunk = 16;
    static constexpr std::uint32_t max_flush_deferrals = 4;

    std::uint32_t index_;
    std::uint32_t count_;
    std::unique_ptr<boost::asio::io_context> context_;
    struct tick_timer;
    std::unique_ptr<tick_timer> tick_;
    std::vector<std::uint8_t> read_buffer_;
    std::vector<ws_connection*> dirty_;
    std::vector<ws_connection*> flushing_;
    std::size_t flush_next_ = 0;
    std::uint32_t flush_deferrals_ = 0;
    std::atomic<std::uint32_t> queued_tasks_{0};
    std::vector<std::shared_ptr<ws_connection>> held_;
    std::vector<std::shared_ptr<ws_connection>> held_in_pass_;
    std::vector<ws_connection*> connections_;
    std::vector<unique_callback<std::uint64_t>> tick_tasks_;
    bool flush_posted_ = false;
};

// All shards of the process, created at startup.
class shard_set {
public:
    shard_set(std::uint32_t count, std::size_t read_buffer_size);
    ~shard_set();

    [[nodiscard]] std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(shards_.size()); }
    [[nodiscard]] shard& at(std::uint32_t i) noexcept { return *shards_[i]; }

    // Posts `task` to shard i (never inline, even when called from shard i).
    void invoke_on(std::uint32_t i, unique_task task) { shards_[i]->post(std::move(task)); }
    // Posts one task per shard, built by `make(shard&)`.
    template <class Make>
    void invoke_on_all(Make&& make) {
        for (auto& s : shards_) s->post(make(*s));
    }

    // Starts one thread per shard; returns at once.
    void start();
    // Stops every shard and joins the threads.
    void stop_and_join();

private:
    std::vector<std::unique_ptr<shard>> shards_;
    struct threads;
    std::unique_ptr<threads> threads_;
};

}  // namespace sb::net
