#pragma once
// The state behind ai::service (service.hpp), shared by the files that implement it:
//   service.cpp               the public methods, the AI thread, engines and fingerprints
//   service_registration.cpp  registering a user's AI profile once, counting their usage
//   service_summaries.cpp     summaries: cache, regeneration claim, incremental regeneration
//   service_digests.cpp       digests: gathering, progressive warming, writing, caching
//   service_settings.cpp      the tenant's effective settings and their updates
//
// Threads: every member runs on the AI thread (the one running `context`), except the jobs
// given to read() and write(), which run on the history runner's threads and only touch what
// they captured.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "ai/service.hpp"
#include "core/clock.hpp"
#include "history/storage_runner.hpp"

namespace sb::ai {

struct service::impl : std::enable_shared_from_this<service::impl> {
    impl(history::storage_runner& r, service_options o, clock_fn c)
        : runner(r),
          options(std::move(o)),
          clock(c ? std::move(c) : clock_fn(core::wall_clock_ms)),
          guard(boost::asio::make_work_guard(context)) {}

    // What the first read of a summary request finds.
    struct summary_load {
        bool found = false;
        bool member = true;
        std::string custom_json = "{}";
        std::string stored_settings;
        std::optional<storage::summary_cache> cache;
        storage::conversation_stats stats;
        std::string error;
    };

    // One conversation's regeneration, shared by the requests that wait for it.
    struct regeneration {
        std::vector<core::unique_callback<summary_outcome>> waiters;  // joined while it ran
    };

    struct page_load {
        std::vector<chat_message> messages;  // oldest first
        std::string newest_id;
        std::uint64_t newest_at_ms = 0;
        std::uint64_t count_upto = 0;
        std::string error;
    };

    struct digest_load {
        std::string stored_settings;
        std::vector<storage::unread_row> rows;
        std::optional<storage::digest_cache> cache;
        std::map<std::string, std::string> customs;  // uid → custom JSON (for prompts)
        std::string error;
    };

    struct digest_job {
        request_context ctx;
        std::string user;
        std::string filter_key;
        tenant_settings settings;
        std::uint64_t now = 0;
        std::vector<storage::unread_row> rows;  // the conversations found, most important first
        std::optional<storage::digest_cache> cache;
        std::map<std::string, storage::summary_cache> fresh;  // regenerated during this request
        std::set<std::string> failed;
        std::size_t remaining = 0;
        std::uint64_t tokens = 0;
        core::unique_callback<digest_outcome> done;
    };

    history::storage_runner& runner;
    service_options options;
    clock_fn clock;
    boost::asio::io_context context{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
    std::thread thread;
    std::unique_ptr<engine> builtin;
    std::unique_ptr<engine> llm;
    bool stopped = false;

    // AI-thread state.
    std::map<std::string, std::shared_ptr<regeneration>> inflight;  // tenant \n uid
    std::set<std::string> registered;                               // tenant \n user
    // Summaries made in the last window, for requests whose snapshot predates
    // them (their claim fails, and the store write may still be queued).
    std::map<std::string, storage::summary_cache> recent;
    std::map<std::string, std::vector<core::unique_callback<bool>>> registering;

    template <class F>
    void post(F&& f) {
        boost::asio::post(context, std::forward<F>(f));
    }

    // A store read; `then(result)` on the AI thread. `job` returns the value;
    // exceptions become an error string carried in the value by the caller's job
    // itself.
    template <class Job, class Then>
    void read(Job job, Then then) {
        auto self = shared_from_this();
        runner.read(
            [self, job = std::move(job), then = std::move(then)](storage::connection& c) mutable {
                auto value = job(c);
                self->post([then = std::move(then), value = std::move(value)]() mutable {
                    then(std::move(value));
                });
            });
    }
    template <class Job, class Then>
    void write(Job job, Then then) {
        auto self = shared_from_this();
        runner.write(
            [self, job = std::move(job), then = std::move(then)](storage::connection& c) mutable {
                auto value = job(c);
                self->post([then = std::move(then), value = std::move(value)]() mutable {
                    then(std::move(value));
                });
            });
    }

    // --- engines and fingerprints (service.cpp)

    // 64-bit FNV-1a of `text`, as 16 hex digits.
    static std::string fnv_hex(std::string_view text);
    engine& engine_for(const tenant_settings& s);
    std::string fingerprint(engine& e, const std::string& prompt) const;

    // --- registration (service_registration.cpp)

    void ensure_registered(const std::string& tenant, const std::string& user,
                           core::unique_callback<bool> done);
    void register_attempt(std::string tenant, std::string user, std::string key, int attempt);
    void record_usage(const std::string& tenant, const std::string& user, std::uint64_t tokens);

    // --- summaries (service_summaries.cpp)

    void summarize(request_context ctx, std::string uid,
                   core::unique_callback<summary_outcome> answer);
    summary_view view_of(const std::string& uid, const storage::summary_cache& cache,
                         const storage::conversation_stats& stats, bool fresh) const;
    static bool usable(const std::optional<storage::summary_cache>& c);
    void summarize_loaded(request_context ctx, std::string uid, const tenant_settings& s,
                          summary_load l, core::unique_callback<summary_outcome> done);
    void regenerate(request_context ctx, std::string uid, tenant_settings s, summary_load l,
                    std::string fp, std::string prompt, std::string key);
    void finish(const std::string& key, const std::string& uid, const summary_load& l,
                std::optional<storage::summary_cache> made, failure f, const std::string& detail);

    // --- digests (service_digests.cpp)

    static std::string filter_key_of(const std::vector<storage::custom_filter>& filters);
    void make_digest(request_context ctx, std::string user,
                     std::vector<storage::custom_filter> filters,
                     core::unique_callback<digest_outcome> done);
    std::string summary_fingerprint(const digest_job& job);
    static bool summary_current(const storage::unread_row& r, const std::string& fp);
    void warm(std::shared_ptr<digest_job> job);
    void write_digest(std::shared_ptr<digest_job> job);
    void answer_digest(const std::shared_ptr<digest_job>& job, digest_view v);

    // --- settings (service_settings.cpp)

    tenant_settings resolve(const request_context& ctx, const std::string& stored) const;
    void settings(request_context ctx, core::unique_callback<settings_outcome> done);
    void update_settings(request_context ctx, patch_parse patch,
                         core::unique_callback<settings_outcome> done);
};

}  // namespace sb::ai
