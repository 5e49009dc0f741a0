#pragma once
// Apps, their keys and environments (DESIGN.md "Apps, keys and environments").
//
// An app id may carry two key pairs: a `pk_test_`/`sk_test_` pair routes to the staging
// environment and a `pk_live_`/`sk_live_` pair (or a key with neither prefix) to production.
// Each (app id, environment) is a tenant: its channels, presence and data never mix with the
// other environment's. The registry is built at startup and read-only afterwards, so any
// thread may read it; the counters in tenant_runtime are atomics shared by all shards.

#include "core/plan.hpp"
#include "core/rate_window.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sb::core {

enum class environment : std::uint8_t { production, staging };

[[nodiscard]] std::string_view to_string(environment env) noexcept;

// The environment a key or secret selects: pk_test_/sk_test_ → staging, otherwise production.
[[nodiscard]] environment environment_of_key(std::string_view key) noexcept;

struct app_config {
    std::string id;
    std::string key;
    std::string secret;
    std::string name;
    bool enabled = true;
    bool client_events = true;
    plan app_plan = plan::none;
    plan_limits limit_overrides;
    // Channels (patterns, `*` any run) whose messages are stored: by default every colon name
    // (`chat:…`, `private:…`, `presence:…`); Pusher-style names only when listed.
    std::vector<std::string> history_channels{"*:*"};
    // Channels (patterns) whose native subscribers confirm each message they receive, so that
    // read status can also say how many users a message reached. Off unless listed.
    std::vector<std::string> delivery_receipt_channels;
};

// Counters every shard updates for one tenant.
struct tenant_runtime {
    std::atomic<std::int64_t> connections{0};
    std::atomic<std::int64_t> occupied_channels{0};
    rate_window messages;
    // Cluster mode: the app's messages per second on the other nodes, as of the last exchange
    // (about once a second), so that a plan's rate is the cluster's, not each node's.
    std::atomic<std::uint64_t> remote_messages_per_second{0};

    // Counts `n` messages against `limit` per second, less what the other nodes sent lately.
    bool try_count_messages(std::uint64_t now_ms, std::uint64_t limit, std::uint64_t n = 1) noexcept {
        const std::uint64_t remote = remote_messages_per_second.load(std::memory_order_relaxed);
        return messages.try_acquire(now_ms, remote >= limit ? 0 : limit - remote, n);
    }
};

struct tenant {
    app_config config;
    environment env = environment::production;
    std::uint32_t index = 0;  // dense, for per-tenant arrays and channel keys
    plan_limits limits;       // the plan's limits merged with the app's overrides
    std::unique_ptr<tenant_runtime> runtime = std::make_unique<tenant_runtime>();
};

enum class app_config_error : std::uint8_t {
    none,
    invalid_id,         // ids are letters, digits, '-' and '_'
    empty_key,
    empty_secret,
    duplicate_key,
    duplicate_environment,  // two key pairs for the same app id and environment
    mismatched_secret,      // a pk_test_ key with an sk_live_ secret, or the reverse
};

[[nodiscard]] std::string_view describe(app_config_error error) noexcept;
[[nodiscard]] bool is_valid_app_id(std::string_view id) noexcept;

class app_registry {
public:
    app_config_error add(app_config config);

    [[nodiscard]] const tenant* find_by_key(std::string_view key) const noexcept;
    // The tenant of `app_id` whose secret is `secret` (constant-time compare).
    [[nodiscard]] const tenant* find_by_id_and_secret(std::string_view app_id,
                                                      std::string_view secret) const noexcept;
    [[nodiscard]] bool has_app_id(std::string_view app_id) const noexcept;
    [[nodiscard]] const tenant* find(std::string_view app_id, environment env) const noexcept;
    [[nodiscard]] const tenant& at(std::uint32_t index) const { return *tenants_.at(index); }
    [[nodiscard]] std::size_t size() const noexcept { return tenants_.size(); }

    template <class F>
    void for_each(F&& f) const {
        for (const auto& t : tenants_) f(*t);
    }

private:
    std::vector<std::unique_ptr<tenant>> tenants_;
    std::unordered_map<std::string, const tenant*> by_key_;  // looked up on every connection
};

}  // namespace sb::core
