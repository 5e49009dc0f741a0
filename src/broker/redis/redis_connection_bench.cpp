// Throughput and latency of redis_connection against a local redis-server.
//
//   export SB_TEST_REDIS_URL=$(scripts/services/redis)
//   build-bench/src/broker/redis_bench
//
// - pipelined_incr/N: N INCRs issued in one loop turn (one gather write), timed until the last
//   reply is in. items_per_second (wall time) is commands per second through one connection; N=1 is
//   the unpipelined round trip.
// - pipelined_set_1k/N: the same with SET of a 1 KiB value (bytes matter, not just round trips).
// - publish_to_receive: one PUBLISH on a commands connection, timed until the subscriber
//   connection's handler has the message: the Redis leg of a cross-node publication. p50/p99 in
//   microseconds are reported as counters.
// - publish_burst/N: N publishes in one turn, timed until all are received: messages per second
//   one node can push through Redis to another.
// Client, server and (here) 2 shared cores are all on one machine: the numbers bound the client's
// own overhead from above; they are not a network benchmark.

#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/redis/redis_connection.hpp"

namespace {

namespace redis = sb::broker::redis;
namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

std::optional<redis::redis_url> bench_url() {
    const char* text = std::getenv("SB_TEST_REDIS_URL");
    if (text == nullptr) return std::nullopt;
    const redis::parsed_url p = redis::parse_redis_url(text);
    if (!p) return std::nullopt;
    return p.url;
}

template <class Predicate>
bool run_until(asio::io_context& context, Predicate done) {
    const auto deadline = clock_type::now() + std::chrono::seconds(30);
    while (!done()) {
        if (clock_type::now() > deadline) return false;
        context.run_one();
    }
    return true;
}

std::unique_ptr<redis::redis_connection> open(
    asio::io_context& context, redis::connection_mode mode,
    std::function<void(redis::pubsub_message&&)> on_message = {}) {
    redis::connection_options o;
    o.url = *bench_url();
    o.mode = mode;
    o.on_message = std::move(on_message);
    auto c = std::make_unique<redis::redis_connection>(context, std::move(o));
    c->start();
    if (!run_until(context, [&] { return c->connected(); })) return nullptr;
    return c;
}

void pipelined(benchmark::State& state, std::string_view value) {
    if (!bench_url()) {
        state.SkipWithError("SB_TEST_REDIS_URL is not set");
        return;
    }
    asio::io_context context;
    auto c = open(context, redis::connection_mode::commands);
    if (!c) {
        state.SkipWithError("cannot connect");
        return;
    }
    const auto n = static_cast<std::size_t>(state.range(0));
    std::size_t done = 0;
    for (auto _ : state) {
        done = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (value.empty()) {
                c->command({"INCR", "sbbench:counter"}, [&](redis::reply) { ++done; });
            } else {
                c->command({"SET", "sbbench:value", value}, [&](redis::reply) { ++done; });
            }
        }
        run_until(context, [&] { return done == n; });
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
    c->command({"DEL", "sbbench:counter", "sbbench:value"}, nullptr);
    run_until(context, [&] { return c->pending() == 0; });
}

void pipelined_incr(benchmark::State& state) { pipelined(state, {}); }
BENCHMARK(pipelined_incr)->UseRealTime()->Arg(1)->Arg(16)->Arg(256)->Arg(4096);

void pipelined_set_1k(benchmark::State& state) {
    static const std::string value(1024, 'v');
    pipelined(state, value);
}
BENCHMARK(pipelined_set_1k)->UseRealTime()->Arg(1)->Arg(256)->Arg(4096);

void publish_to_receive(benchmark::State& state) {
    if (!bench_url()) {
        state.SkipWithError("SB_TEST_REDIS_URL is not set");
        return;
    }
    asio::io_context context;
    std::size_t received = 0;
    auto sub = open(context, redis::connection_mode::subscriber,
                    [&](redis::pubsub_message&&) { ++received; });
    auto pub = open(context, redis::connection_mode::commands);
    if (!sub || !pub) {
        state.SkipWithError("cannot connect");
        return;
    }
    bool subscribed = false;
    sub->subscribe("sbbench:latency", [&](redis::reply) { subscribed = true; });
    run_until(context, [&] { return subscribed; });
    const std::string payload(200, 'p');  // about the size of a chat event
    std::vector<double> samples;
    for (auto _ : state) {
        const std::size_t want = received + 1;
        const auto start = clock_type::now();
        pub->command({"PUBLISH", "sbbench:latency", payload}, nullptr);
        run_until(context, [&] { return received == want; });
        samples.push_back(
            std::chrono::duration<double, std::micro>(clock_type::now() - start).count());
    }
    std::sort(samples.begin(), samples.end());
    if (!samples.empty()) {
        state.counters["p50_us"] = samples[samples.size() / 2];
        state.counters["p99_us"] = samples[samples.size() * 99 / 100];
    }
}
BENCHMARK(publish_to_receive)->UseRealTime();

void publish_burst(benchmark::State& state) {
    if (!bench_url()) {
        state.SkipWithError("SB_TEST_REDIS_URL is not set");
        return;
    }
    asio::io_context context;
    std::size_t received = 0;
    auto sub = open(context, redis::connection_mode::subscriber,
                    [&](redis::pubsub_message&&) { ++received; });
    auto pub = open(context, redis::connection_mode::commands);
    if (!sub || !pub) {
        state.SkipWithError("cannot connect");
        return;
    }
    bool subscribed = false;
    sub->subscribe("sbbench:burst", [&](redis::reply) { subscribed = true; });
    run_until(context, [&] { return subscribed; });
    const std::string payload(200, 'p');
    const auto n = static_cast<std::size_t>(state.range(0));
    for (auto _ : state) {
        const std::size_t want = received + n;
        for (std::size_t i = 0; i < n; ++i)
            pub->command({"PUBLISH", "sbbench:burst", payload}, nullptr);
        run_until(context, [&] { return received == want; });
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(publish_burst)->UseRealTime()->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
