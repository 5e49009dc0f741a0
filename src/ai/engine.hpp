#pragma once
// The engine interface: what turns messages into a conversation summary, and
// summaries into a digest. Implementations: builtin_engine (offline, no model)
// and openai_engine (any OpenAI-compatible chat-completions server). The
// service (service.hpp) owns caching, rate limits, stats and degradation; an
// engine only answers one request at a time per call.
//
// Threads: summarize() and make_digest() are called on the AI service's thread.
// `done` runs exactly once, on that same thread (the built-in engine calls it
// before returning; the LLM engine when the HTTP exchange ends). An engine may
// be called again before an earlier `done`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ai/summary.hpp"
#include "core/unique_function.hpp"

namespace sb::ai {

struct summary_request {
    std::string conversation_uid;
    std::string custom_json = "{}";  // the conversation's custom object
    // Oldest first. Incremental: only messages newer than `previous` (which is
    // then given).
    std::vector<chat_message> messages;
    std::optional<conversation_summary> previous;
    std::string prompt;  // the tenant's summary prompt, placeholders expanded
    std::uint64_t now_ms = 0;
};

struct digest_request {
    std::string user_uid;
    std::vector<digest_input> conversations;  // most important first
    std::string prompt;                       // the tenant's digest prompt, expanded
    std::uint64_t now_ms = 0;
};

enum class engine_failure : std::uint8_t {
    none,
    unavailable,     // refused, transport error, HTTP error status
    timeout,         // no answer within the deadline
    invalid_output,  // every attempt broke the schema (malformed or
                     // schema-violating JSON)
    overloaded,      // the concurrency cap's queue is full
};
[[nodiscard]] const char* describe(engine_failure f) noexcept;

struct summary_result {
    engine_failure failure = engine_failure::none;
    std::string detail;  // why it failed, for logs and error documents
    conversation_summary summary;
    std::uint64_t tokens_used = 0;
    int attempts = 0;
};

struct digest_result {
    engine_failure failure = engine_failure::none;
    std::string detail;
    ai::digest result;
    std::uint64_t tokens_used = 0;
    int attempts = 0;
};

class engine {
public:
    virtual ~engine() = default;
    // "builtin" or "openai".
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
    // Engine and model: a cached summary made by another fingerprint is
    // regenerated in full.
    [[nodiscard]] virtual std::string fingerprint() const = 0;
    virtual void summarize(summary_request request, core::unique_callback<summary_result> done) = 0;
    virtual void make_digest(digest_request request, core::unique_callback<digest_result> done) = 0;
};

}  // namespace sb::ai
