#pragma once
// A local fake of the OpenAI chat-completions API for tests: listens on
// 127.0.0.1 (an ephemeral port), records every request it is sent, and answers
// from a script: a valid completion with given content, malformed JSON, slowly,
// with an HTTP error, or not at all. Each connection is served by a thread of
// its own; stop() (or the destructor) ends them.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sb::ai::testing {

struct fake_reply {
    enum class kind { completion, raw_body, http_error, hang };
    kind what = kind::completion;
    std::string content;  // completion: choices[0].message.content; raw_body: the
                          // whole body
    int status = 200;     // http_error: this status
    std::chrono::milliseconds delay{0};
    std::uint64_t total_tokens = 100;
};

struct recorded_request {
    std::string target;
    std::string authorization;
    nlohmann::json body;  // parsed (discarded when not JSON)
};

class fake_llm_server {
public:
    fake_llm_server();
    ~fake_llm_server();
    fake_llm_server(const fake_llm_server&) = delete;
    fake_llm_server& operator=(const fake_llm_server&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] std::string url() const {
        return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
    }

    // Replies are used in order; when the script runs out, `fallback` answers.
    void script(std::vector<fake_reply> replies);
    void set_fallback(fake_reply reply);
    [[nodiscard]] std::vector<recorded_request> requests() const;
    // The most requests that were being answered at the same time.
    [[nodiscard]] int max_concurrent() const noexcept { return max_concurrent_.load(); }

    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    std::uint16_t port_ = 0;
    std::atomic<int> max_concurrent_{0};
};

// A completion whose content is `doc` (dumped).
[[nodiscard]] fake_reply completion(const nlohmann::json& doc, std::uint64_t tokens = 100);

}  // namespace sb::ai::testing
