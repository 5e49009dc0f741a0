#pragma once
// The AI service: conversation summaries and digests over the history store,
// with caching, incremental updates, a per-conversation regeneration window,
// graceful degradation and auto-registration (issue 7; docs/ai.md).
//
// Owns one thread with its own io_context (the "AI thread"): every piece of
// service state (the in-flight regenerations, the set of users known to be
// registered) lives on it, the engines are called on it, and the
// OpenAI-compatible engine's HTTP client runs on it. Store work goes to the
// history runner's reader and writer threads and comes back by a post. Nothing
// here runs on a network shard.
//
// Summaries: a cached summary that covers the conversation's newest message
// (and was made by the same engine, model and prompt) is answered as is
// (cached: true). Otherwise the service takes the conversation's regeneration
// claim in the store (at most one per regenerate_interval, default 60 s, across
// threads and nodes); with it, only the messages newer than the cached summary
// go to the engine together with the previous summary, or every message (the
// newest max_input_messages) when there is no usable cache. Without the claim,
// or when the engine fails or times out, the cached summary is answered as it
// is (cache_status stale); only with no cache at all does a request fail. Stats
// are always counted in the store.
//
// Digests: the user's conversations (filters, recency, unread_only, role-aware
// unread counts) are gathered in one query; at most max_fresh_per_request of
// those whose summary is missing or stale are regenerated (most unread first),
// the rest use their cached summary or are reported as warming (cache_status
// partial); the engine then writes the digest, which is cached by its inputs.
//
// Threads: every public method may be called from any thread; `done` runs on
// the AI thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ai/engine.hpp"
#include "ai/settings.hpp"
#include "ai/summary.hpp"
#include "core/unique_function.hpp"
#include "storage/conversation_store.hpp"

namespace sb::history {
class storage_runner;
}

namespace sb::ai {

// Who asks, for which tenant.
struct request_context {
    std::string tenant;  // "<app_id>/<environment>", as the store names it
    std::string app_id;  // for the app's [apps.ai] defaults
    std::string user;    // the bearer token's user ("" for the secret key)
    bool admin = false;  // the secret key: sees every conversation
};

enum class failure : std::uint8_t {
    none,
    not_found,       // no such conversation
    not_member,      // the user is not a member of the conversation
    rate_limited,    // no cache, and the regeneration window is closed
    unavailable,     // no cache, and the engine is down, timed out or overloaded
    invalid_output,  // no cache, and the engine never produced valid output
    storage,         // the store failed
    disabled,        // the service is stopping
};

enum class cache_status : std::uint8_t { fresh, stale, partial };
[[nodiscard]] const char* to_string(cache_status s) noexcept;

struct summary_view {
    std::string conversation_uid;
    conversation_summary summary;
    storage::conversation_stats stats;
    std::uint64_t generated_at_ms = 0;
    bool cached = false;
    cache_status cache = cache_status::fresh;  // stale: does not cover the newest messages
    std::uint64_t tokens_used = 0;             // by this request
    std::string engine;                        // the engine that made the summary
    std::string degraded_reason;               // why a stale cache was answered ("" if not)
};

struct summary_outcome {
    failure error = failure::none;
    std::string detail;
    std::uint64_t retry_after_s = 0;  // rate_limited
    summary_view view;
};

struct digest_view {
    std::string id;
    std::size_t conversations_found = 0;
    ai::digest result;
    std::uint64_t total_unread_messages = 0;
    std::uint64_t conversations_with_unread = 0;
    std::uint64_t oldest_unread_at_ms = 0;  // 0: nothing unread
    std::uint64_t tokens_used = 0;          // by this request
    std::uint64_t generated_at_ms = 0;
    cache_status cache = cache_status::fresh;
    std::vector<std::string> warming;  // conversations still without an up-to-date summary
    std::string degraded_reason;
};

struct digest_outcome {
    failure error = failure::none;
    std::string detail;
    digest_view view;
};

struct settings_outcome {
    failure error = failure::none;
    std::string detail;
    tenant_settings settings;
};

using clock_fn = std::function<std::uint64_t()>;  // wall-clock milliseconds

class service {
public:
    // `llm` may be null (no ai.endpoint): tenants then always get the built-in
    // engine. A null `clock` reads the system clock. Starts the AI thread.
    service(history::storage_runner& runner, service_options options,
            std::unique_ptr<engine> builtin, std::unique_ptr<engine> llm, clock_fn clock = {});
    // Builds the engines from `options` (the LLM one when options.endpoint is
    // set).
    service(history::storage_runner& runner, service_options options, clock_fn clock = {});
    ~service();
    service(const service&) = delete;
    service& operator=(const service&) = delete;

    void summarize(request_context ctx, std::string conversation_uid,
                   core::unique_callback<summary_outcome> done);
    void make_digest(request_context ctx, std::string user_uid,
                     std::vector<storage::custom_filter> filters,
                     core::unique_callback<digest_outcome> done);
    // The tenant's effective settings (defaults, the app's [apps.ai], stored
    // overrides).
    void settings(request_context ctx, core::unique_callback<settings_outcome> done);
    // Applies a PATCH (already parsed) and answers the new effective settings.
    void update_settings(request_context ctx, patch_parse patch,
                         core::unique_callback<settings_outcome> done);
    // Registers the user's AI profile once (the first summary or digest request
    // does it). `done(created)`: true for the one call that created it.
    void ensure_registered(std::string tenant, std::string user_uid,
                           core::unique_callback<bool> done);

    [[nodiscard]] const service_options& options() const noexcept;
    [[nodiscard]] bool llm_available() const noexcept;

    // Stops the AI thread; requests not answered by then are dropped. Idempotent.
    void stop();

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace sb::ai
