#pragma once
// AI configuration: the server's [ai] section (service_options) and the
// per-tenant settings that the TOML gives as defaults ([ai] and each app's
// [apps.ai]) and GET/PATCH /v1/realtime/ai/settings overrides per tenant
// (stored as a JSON object of the changed keys). Plain values; no I/O.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sb::ai {

struct tenant_settings {
    std::string engine = "builtin";            // "builtin" or "openai" (needs ai.endpoint)
    std::uint32_t recency_days = 30;           // digests include conversations active this recently
    std::uint32_t max_fresh_per_request = 10;  // summaries a digest may (re)generate per request
    bool unread_only = true;                   // digests include only conversations with unread
    std::uint32_t stale_after_days = 3;        // silence after which a conversation is "stale"
    std::string summary_prompt;                // "" = the built-in default (default_summary_prompt)
    std::string digest_prompt;                 // "" = default_digest_prompt
};

// The same keys, each optional: a [apps.ai] table or a stored PATCH.
struct settings_patch {
    std::optional<std::string> engine;
    std::optional<std::uint32_t> recency_days;
    std::optional<std::uint32_t> max_fresh_per_request;
    std::optional<bool> unread_only;
    std::optional<std::uint32_t> stale_after_days;
    std::optional<std::string> summary_prompt;
    std::optional<std::string> digest_prompt;
};

void apply(tenant_settings& settings, const settings_patch& patch);

// A PATCH document's attributes (or a stored override object) → patch. `null`
// for a key means "back to the default" and is reported in `reset`. Errors name
// the attribute
// (/data/attributes/<key>) and why; empty on success. `openai_available`:
// whether ai.endpoint is configured (engine "openai" is refused otherwise).
struct patch_parse {
    settings_patch patch;
    std::vector<std::string> reset;
    std::vector<std::pair<std::string, std::string>> errors;  // pointer, detail
};
[[nodiscard]] patch_parse parse_patch(const nlohmann::json& attributes, bool openai_available);
// Stored overrides: merges `patch` (and resets) into the stored JSON object.
[[nodiscard]] nlohmann::json merge_stored(const nlohmann::json& stored, const patch_parse& patch);
[[nodiscard]] nlohmann::json to_json(const tenant_settings& s);

[[nodiscard]] const std::string& default_summary_prompt();
[[nodiscard]] const std::string& default_digest_prompt();
// Replaces {{name}} placeholders from `values`; unknown placeholders are left
// as they are.
[[nodiscard]] std::string expand(const std::string& tmpl,
                                 const std::map<std::string, std::string>& values);

// The [ai] section.
struct service_options {
    bool enabled = true;
    std::string endpoint;  // OpenAI-compatible base URL (…/v1) or full
                           // …/chat/completions URL
    std::string model = "gpt-4o-mini";
    std::string api_key;
    std::uint32_t timeout_ms = 30'000;         // per LLM request
    std::uint32_t max_concurrency = 4;         // LLM requests in flight
    std::uint32_t max_queue = 256;             // LLM requests waiting beyond that
    std::uint32_t max_retries = 2;             // corrective retries after invalid output
    std::uint32_t regenerate_interval_s = 60;  // at most one regeneration per conversation
    std::uint32_t max_input_messages = 400;    // per engine call, newest kept
    std::uint32_t max_input_chars = 48'000;    // per LLM call (the messages' text)
    bool verify_tls = true;
    tenant_settings defaults;                       // every tenant's starting point
    std::map<std::string, settings_patch> per_app;  // app id → its [apps.ai]
};

}  // namespace sb::ai
