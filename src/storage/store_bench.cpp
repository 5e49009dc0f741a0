// Storage benchmarks: what the history writer and the history API cost.
//
//   append/<backend>/<batch>/<channels>
//                              messages per second through connection::append, one transaction
//                              per batch. The server's writer thread commits in groups of
//                              ~100–1000, so batch 1 is the worst case, not the expected one.
//                              Messages spread over <channels> channels, 1000 users, ~150-byte
//                              JSON bodies of random words (all full-text indexed), no
//                              idempotency key. The channel count matters: each message dirties
//                              one index page per channel ordering (id, offset), so a batch over
//                              many channels writes more pages than one over few.
//   page/<backend>/<cursor>    latency of one history page (50 messages, newest first) in a
//                              channel of 1,000,000 messages, at a random `before` cursor or at
//                              the newest end; p50/p99/max in microseconds as counters.
//   since_offset/<backend>     latency of a recovery read of 100 messages at a random offset.
//   pg_copy_append/<batch>     (PostgreSQL only) the alternative to the unnest() append: COPY
//                              into a temporary table, then the same INSERT … SELECT. Kept here
//                              to show why append() does not use it.
//
// SQLite runs in a temporary directory; PostgreSQL runs when SB_TEST_POSTGRES_URL is set, in a
// schema of its own that is dropped at exit. SB_BENCH_DIR overrides the SQLite directory (put it
// on the disk you care about: /tmp may be tmpfs).

#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "storage/store.hpp"

namespace {

namespace fs = std::filesystem;
using sb::storage::message_record;

constexpr std::string_view tenant = "app1/production";
constexpr std::size_t big_channel_size = 1'000'000;
constexpr std::size_t page_limit = 50;

// Generates the writer's input: time-ordered ids, per-channel offsets, bodies of random words.
class message_source {
public:
    explicit message_source(std::uint64_t seed, std::uint64_t channels = 100)
        : ids_(seed), rng_(seed), channels_(channels) {}

    message_record next(std::string channel) {
        static constexpr std::array<std::string_view, 24> words{
            "hello", "meeting", "deploy", "release", "notes",   "standup", "lunch",  "review",
            "merge", "ticket",  "urgent", "design",  "launch",  "budget",  "client", "report",
            "fix",   "build",   "coffee", "friday",  "roadmap", "metrics", "alert",  "thanks"};
        message_record m;
        m.tenant = tenant;
        m.offset = ++offsets_[channel];
        m.channel = std::move(channel);
        now_ms_ += 1;
        m.id = ids_.next("msg_", now_ms_);
        m.user_id = "user_" + std::to_string(rng_() % 1000);
        m.event = "message";
        std::string text;
        for (int i = 0; i < 14; ++i) {
            if (i != 0) text += ' ';
            text += words[rng_() % words.size()];
        }
        m.data = R"({"text":")" + text + R"(","attachments":[],"client_id":")" +
                 std::to_string(rng_()) + "\"}";
        m.created_at_ms = now_ms_;
        return m;
    }

    std::vector<message_record> batch(std::size_t n, const std::string* fixed_channel = nullptr) {
        std::vector<message_record> out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            out.push_back(next(fixed_channel != nullptr
                                   ? *fixed_channel
                                   : "chat:room-" + std::to_string(rng_() % channels_)));
        }
        return out;
    }

private:
    sb::core::ulid_generator ids_;
    std::mt19937_64 rng_;
    std::uint64_t channels_;
    std::uint64_t now_ms_ = 1'700'000'000'000;
    std::map<std::string, std::uint64_t> offsets_;
};

// --- where the databases live --------------------------------------------------------------

struct backend_target {
    std::string name;
    std::string url;  // for open_store
};

class sqlite_dir {
public:
    sqlite_dir() {
        const char* base = std::getenv("SB_BENCH_DIR");
        std::string pattern =
            (base != nullptr ? fs::path(base) : fs::temp_directory_path()) / "sb-bench-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~sqlite_dir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    [[nodiscard]] std::string url(std::string_view file) const {
        return "sqlite://" + (path_ / file).string();
    }

private:
    fs::path path_;
};

// A schema per run in the PostgreSQL database named by SB_TEST_POSTGRES_URL.
class pg_schema {
public:
    explicit pg_schema(std::string base)
        : base_(std::move(base)), name_("sb_bench_" + std::to_string(getpid())) {
        exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_);
    }
    ~pg_schema() { exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE"); }

    [[nodiscard]] std::string url() const {
        return base_ + (base_.find('?') == std::string::npos ? "?" : "&") +
               "options=-csearch_path%3D" + name_;
    }
    void exec(const std::string& sql) const {
        PGconn* c = PQconnectdb(base_.c_str());
        PQsetNoticeProcessor(
            c, [](void*, const char*) {}, nullptr);
        PGresult* r = PQexec(c, sql.c_str());
        const bool ok =
            PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        std::string error = PQerrorMessage(c);
        PQclear(r);
        PQfinish(c);
        if (!ok) throw std::runtime_error("postgres: " + error);
    }

private:
    std::string base_;
    std::string name_;
};

std::unique_ptr<sqlite_dir> sqlite_files;
std::unique_ptr<pg_schema> pg_database;

// --- append --------------------------------------------------------------------------------

void append_benchmark(benchmark::State& state, std::string url) {
    const auto batch_size = static_cast<std::size_t>(state.range(0));
    const auto channels = static_cast<std::uint64_t>(state.range(1));
    auto store = sb::storage::open_store(url, "");
    auto conn = store->connect();
    // Google Benchmark calls this several times per argument on the same database: the source
    // outlives the calls so ids stay unique and offsets keep counting.
    static std::map<std::pair<std::string, std::uint64_t>, message_source> sources;
    message_source& source =
        sources.try_emplace({url, channels}, 7 + channels, channels).first->second;
    std::vector<message_record> batch;
    for (auto _ : state) {
        state.PauseTiming();
        batch = source.batch(batch_size);
        state.ResumeTiming();
        conn->append(batch);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch_size));
}

// COPY FROM STDIN into a temporary table, then INSERT … SELECT with the same conflict handling
// and position update as postgres_connection::append.
void pg_copy_append_benchmark(benchmark::State& state, std::string url) {
    const auto batch_size = static_cast<std::size_t>(state.range(0));
    auto store = sb::storage::open_store(url, "");  // migrations
    PGconn* c = PQconnectdb(url.c_str());
    const auto run = [&](const char* sql) {
        PGresult* r = PQexec(c, sql);
        const auto status = PQresultStatus(r);
        PQclear(r);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_COPY_IN) {
            state.SkipWithError(PQerrorMessage(c));
            return false;
        }
        return true;
    };
    if (!run("CREATE TEMP TABLE staging (tenant text, channel text, id text,"
             " channel_offset bigint, user_id text, event text, data text, created_at_ms bigint,"
             " idempotency_key text) ON COMMIT DELETE ROWS")) {
        PQfinish(c);
        return;
    }
    const auto escape = [](std::string& out, std::string_view s) {
        for (const char ch : s) {
            switch (ch) {
                case '\\':
                    out += "\\\\";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                case '\n':
                    out += "\\n";
                    break;
                case '\r':
                    out += "\\r";
                    break;
                default:
                    out += ch;
            }
        }
    };
    static message_source source(11);
    std::string rows;
    for (auto _ : state) {
        state.PauseTiming();
        const auto batch = source.batch(batch_size);
        state.ResumeTiming();
        rows.clear();
        for (const auto& m : batch) {
            escape(rows, m.tenant), rows += '\t';
            escape(rows, m.channel), rows += '\t';
            escape(rows, m.id), rows += '\t';
            rows += std::to_string(m.offset), rows += '\t';
            escape(rows, m.user_id), rows += '\t';
            escape(rows, m.event), rows += '\t';
            escape(rows, m.data), rows += '\t';
            rows += std::to_string(m.created_at_ms), rows += '\t';
            rows += "\\N\n";
        }
        if (!run("BEGIN") || !run("COPY staging FROM STDIN")) break;
        PQputCopyData(c, rows.data(), static_cast<int>(rows.size()));
        PQputCopyEnd(c, nullptr);
        PQclear(PQgetResult(c));
        if (!run("WITH inserted AS (INSERT INTO messages (tenant, channel, id, channel_offset,"
                 " user_id, event, data, created_at_ms, idempotency_key) SELECT * FROM staging"
                 " ON CONFLICT (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL DO "
                 "NOTHING"
                 " RETURNING tenant, channel, channel_offset)"
                 " INSERT INTO channel_positions (tenant, channel, epoch, last_offset)"
                 " SELECT tenant, channel, substr(md5(gen_random_uuid()::text), 1, 16),"
                 " max(channel_offset)"
                 " FROM inserted GROUP BY tenant, channel ORDER BY tenant, channel"
                 " ON CONFLICT (tenant, channel) DO UPDATE"
                 " SET last_offset ="
                 " greatest(channel_positions.last_offset, excluded.last_offset)") ||
            !run("COMMIT")) {
            break;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch_size));
    PQfinish(c);
}

// --- reads from a channel of 1M messages ---------------------------------------------------

struct big_channel {
    std::unique_ptr<sb::storage::store> store;
    std::vector<std::string> ids;  // ascending
};

// Built on first use per backend, in batches of 1000 (about 20 s on SQLite).
big_channel& big_channel_for(const std::string& url) {
    static std::map<std::string, big_channel> channels;
    auto it = channels.find(url);
    if (it != channels.end()) return it->second;
    big_channel b;
    b.store = sb::storage::open_store(url, "");
    auto conn = b.store->connect();
    message_source source(3);
    const std::string channel = "chat:big";
    b.ids.reserve(big_channel_size);
    for (std::size_t done = 0; done < big_channel_size; done += 1000) {
        const auto batch = source.batch(1000, &channel);
        conn->append(batch);
        for (const auto& m : batch) b.ids.push_back(m.id);
    }
    return channels.emplace(url, std::move(b)).first->second;
}

void report_latencies(benchmark::State& state, std::vector<double>& micros) {
    if (micros.empty()) return;
    std::sort(micros.begin(), micros.end());
    const auto at = [&](double q) {
        return micros[static_cast<std::size_t>(q * static_cast<double>(micros.size() - 1))];
    };
    state.counters["p50_us"] = at(0.50);
    state.counters["p99_us"] = at(0.99);
    state.counters["max_us"] = micros.back();
}

void page_benchmark(benchmark::State& state, std::string url, bool random_cursor) {
    auto& big = big_channel_for(url);
    auto conn = big.store->connect();
    std::mt19937_64 rng(5);
    std::vector<double> micros;
    sb::storage::page_query q;
    q.tenant = tenant;
    q.channel = "chat:big";
    q.limit = page_limit;
    q.order = sb::storage::sort_order::desc;
    for (auto _ : state) {
        if (random_cursor) q.before_id = big.ids[rng() % big.ids.size()];
        const auto start = std::chrono::steady_clock::now();
        auto page = conn->page(q);
        micros.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                .count());
        benchmark::DoNotOptimize(page);
    }
    report_latencies(state, micros);
}

void since_offset_benchmark(benchmark::State& state, std::string url) {
    auto& big = big_channel_for(url);
    auto conn = big.store->connect();
    std::mt19937_64 rng(9);
    std::vector<double> micros;
    for (auto _ : state) {
        const auto after = rng() % big.ids.size();
        const auto start = std::chrono::steady_clock::now();
        auto messages = conn->since_offset(tenant, "chat:big", after, 100);
        micros.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                .count());
        benchmark::DoNotOptimize(messages);
    }
    report_latencies(state, micros);
}

void register_backend(const std::string& name, const std::string& append_url,
                      const std::string& big_url) {
    benchmark::RegisterBenchmark(("append/" + name).c_str(), append_benchmark, append_url)
        ->Args({1, 100})
        ->Args({100, 100})
        ->Args({500, 100})
        ->Args({1000, 100})
        ->Args({1000, 10000})
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("page/" + name + "/random_cursor").c_str(), page_benchmark,
                                 big_url, true)
        ->Iterations(20000)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("page/" + name + "/newest").c_str(), page_benchmark, big_url,
                                 false)
        ->Iterations(20000)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("since_offset/" + name).c_str(), since_offset_benchmark, big_url)
        ->Iterations(20000)
        ->Unit(benchmark::kMicrosecond);
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    sqlite_files = std::make_unique<sqlite_dir>();
    register_backend("sqlite", sqlite_files->url("append.db"), sqlite_files->url("big.db"));
    if (const char* url = std::getenv("SB_TEST_POSTGRES_URL"); url != nullptr && *url != '\0') {
        pg_database = std::make_unique<pg_schema>(url);
        register_backend("postgres", pg_database->url(), pg_database->url());
        benchmark::RegisterBenchmark("pg_copy_append", pg_copy_append_benchmark, pg_database->url())
            ->Arg(100)
            ->Arg(1000)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    pg_database.reset();
    sqlite_files.reset();
    return 0;
}
