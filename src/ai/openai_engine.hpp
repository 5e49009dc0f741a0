#pragma once
// An engine over any OpenAI-compatible chat-completions server (OpenAI, Ollama,
// llama.cpp's server, vLLM): POST <endpoint>/chat/completions with `model`, a
// system message (the tenant's prompt), a user message (the conversation as
// JSON, and the previous summary when the request is incremental) and
// `response_format: {type: json_schema, json_schema: {name, strict, schema}}`.
//
// Every answer is parsed and validated against the full schema (schemas.hpp).
// An answer that is not JSON or breaks the schema is retried up to max_retries
// times with a corrective message quoting the errors; after that the request
// fails cleanly with invalid_output. Transport errors, HTTP errors and timeouts
// fail with unavailable / timeout (no retry: the service falls back to its
// cache). At most max_concurrency requests are in flight; up to max_queue more
// wait in order, beyond that requests fail with overloaded.
//
// Threads: constructed, called and completed on the io_context's thread (the AI
// thread).

#include <memory>

#include "ai/engine.hpp"
#include "ai/settings.hpp"

namespace boost::asio {
class io_context;
}

namespace sb::ai {

class openai_engine final : public engine {
public:
    openai_engine(boost::asio::io_context& context, const service_options& options);
    ~openai_engine() override;

    [[nodiscard]] std::string_view name() const noexcept override { return "openai"; }
    [[nodiscard]] std::string fingerprint() const override;
    void summarize(summary_request request, core::unique_callback<summary_result> done) override;
    void make_digest(digest_request request, core::unique_callback<digest_result> done) override;

    // The URL requests go to (endpoint + /chat/completions unless it already ends
    // so).
    [[nodiscard]] const std::string& url() const noexcept;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace sb::ai
