#include "ai/openai_engine.hpp"

#include <boost/asio/io_context.hpp>
#include <deque>
#include <set>
#include <utility>

#include "ai/classify.hpp"
#include "ai/schemas.hpp"
#include "core/time_format.hpp"
#include "net/http_client.hpp"

namespace sb::ai {

using nlohmann::json;

namespace {

std::string chat_url(const std::string& endpoint) {
    std::string url = endpoint;
    while (!url.empty() && url.back() == '/') url.pop_back();
    const std::string suffix = "/chat/completions";
    if (url.size() < suffix.size() ||
        url.compare(url.size() - suffix.size(), suffix.size(), suffix) != 0)
        url += suffix;
    return url;
}

std::string clip(const std::string& text, std::size_t max) {
    if (text.size() <= max) return text;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // UTF-8 boundary
    return text.substr(0, n) + "…";
}

json public_summary(const conversation_summary& s) {
    json j = to_json(s);
    j.erase("engine_state");
    j.erase("due_at_ms");
    j.erase("waiting_since_ms");
    j["due_date"] = s.due_at_ms ? json(core::format_rfc3339(s.due_at_ms)) : json(nullptr);
    return j;
}

// One chat-completions exchange with its retries.
struct exchange {
    std::string schema_name;
    const json* schema = nullptr;
    json messages;  // the conversation with the model so far
    int attempts = 0;
    std::uint64_t tokens = 0;
    // Checks a parsed answer; returns the errors (empty: accepted and stored by
    // the closure).
    std::function<std::vector<std::string>(const json&)> accept;
    core::unique_callback<std::pair<engine_failure, std::string>> done;
};

}  // namespace

struct openai_engine::impl : std::enable_shared_from_this<openai_engine::impl> {
    impl(boost::asio::io_context& context, const service_options& o)
        : options(o), url(chat_url(o.endpoint)), client(context, [&] {
              net::http_client_options h;
              h.verify_tls = o.verify_tls;
              h.max_response_body = 4 * 1024 * 1024;
              h.user_agent = "switchboard-ai";
              return h;
          }()) {}

    service_options options;
    std::string url;
    net::http_client client;
    std::size_t in_flight = 0;
    std::deque<std::shared_ptr<exchange>> queue;

    void start(std::shared_ptr<exchange> x) {
        if (in_flight >= std::max<std::uint32_t>(1, options.max_concurrency)) {
            if (queue.size() >= options.max_queue)
                return x->done(
                    {engine_failure::overloaded, "more than " + std::to_string(options.max_queue) +
                                                     " requests are waiting for the model"});
            queue.push_back(std::move(x));
            return;
        }
        ++in_flight;
        send(std::move(x));
    }

    void release() {
        --in_flight;
        if (!queue.empty()) {
            auto next = std::move(queue.front());
            queue.pop_front();
            ++in_flight;
            send(std::move(next));
        }
    }

    void send(std::shared_ptr<exchange> x) {
        ++x->attempts;
        json body{{"model", options.model},
                  {"messages", x->messages},
                  {"temperature", 0.2},
                  {"response_format",
                   {{"type", "json_schema"},
                    {"json_schema",
                     {{"name", x->schema_name},
                      {"strict", true},
                      {"schema", wire_schema(*x->schema)}}}}}};
        net::http_client_request req;
        req.method = "POST";
        req.url = url;
        req.headers.emplace_back("content-type", "application/json");
        req.headers.emplace_back("accept", "application/json");
        if (!options.api_key.empty())
            req.headers.emplace_back("authorization", "Bearer " + options.api_key);
        req.body = body.dump();
        req.timeout = std::chrono::milliseconds(options.timeout_ms);
        client.send(std::move(req),
                    [self = shared_from_this(), x](net::http_client_response r) mutable {
                        self->on_response(std::move(x), std::move(r));
                    });
    }

    void fail(const std::shared_ptr<exchange>& x, engine_failure f, std::string detail) {
        release();
        x->done({f, std::move(detail)});
    }

    void on_response(std::shared_ptr<exchange> x, net::http_client_response r) {
        if (r.status == 0) {
            const bool timed_out = r.error.find("timeout") != std::string::npos ||
                                   r.error.find("timed out") != std::string::npos;
            return fail(x, timed_out ? engine_failure::timeout : engine_failure::unavailable,
                        r.error.empty() ? "no response" : r.error);
        }
        if (r.status < 200 || r.status > 299)
            return fail(x, engine_failure::unavailable,
                        "HTTP " + std::to_string(r.status) + ": " + clip(r.body, 300));
        const json doc = json::parse(r.body, nullptr, false);
        std::string content;
        if (!doc.is_discarded() && doc.is_object()) {
            if (auto usage = doc.find("usage"); usage != doc.end() && usage->is_object()) {
                if (auto t = usage->find("total_tokens");
                    t != usage->end() && t->is_number_unsigned())
                    x->tokens += t->get<std::uint64_t>();
            }
            auto choices = doc.find("choices");
            if (choices != doc.end() && choices->is_array() && !choices->empty()) {
                const auto& first = (*choices)[0];
                if (auto msg = first.find("message"); msg != first.end() && msg->is_object()) {
                    if (auto c = msg->find("content"); c != msg->end() && c->is_string())
                        content = c->get<std::string>();
                }
            }
        }
        if (doc.is_discarded() || !doc.is_object() || !doc.contains("choices"))
            return fail(x, engine_failure::unavailable,
                        "not a chat-completions response: " + clip(r.body, 200));

        std::vector<std::string> errors;
        json answer = json::parse(content, nullptr, false);
        if (content.empty())
            errors.push_back("the reply was empty");
        else if (answer.is_discarded())
            errors.push_back("the reply is not valid JSON");
        else
            errors = x->accept(answer);
        if (errors.empty()) {
            release();
            return x->done({engine_failure::none, ""});
        }
        if (static_cast<std::uint32_t>(x->attempts) > options.max_retries)
            return fail(x, engine_failure::invalid_output,
                        "after " + std::to_string(x->attempts) + " attempts: " + errors.front());
        // Corrective retry: show the model its answer and what is wrong with it.
        std::string fix = "Your previous reply was rejected:\n";
        for (const auto& e : errors) fix += "- " + e + "\n";
        fix += "Reply again with only one JSON object that matches the " + x->schema_name +
               " schema exactly: no prose, no code fences.";
        x->messages.push_back({{"role", "assistant"}, {"content", clip(content, 4000)}});
        x->messages.push_back({{"role", "user"}, {"content", fix}});
        send(std::move(x));
    }
};

openai_engine::openai_engine(boost::asio::io_context& context, const service_options& options)
    : impl_(std::make_shared<impl>(context, options)) {}

openai_engine::~openai_engine() = default;

std::string openai_engine::fingerprint() const { return "openai/" + impl_->options.model; }

const std::string& openai_engine::url() const noexcept { return impl_->url; }

void openai_engine::summarize(summary_request request, core::unique_callback<summary_result> done) {
    // Newest messages first into the budget, then back in order.
    json msgs = json::array();
    std::size_t budget = impl_->options.max_input_chars;
    std::vector<json> picked;
    for (auto it = request.messages.rbegin(); it != request.messages.rend(); ++it) {
        std::string text = clip(it->text, 2000);
        if (text.size() + 64 > budget && !picked.empty()) break;
        budget = text.size() + 64 > budget ? 0 : budget - text.size() - 64;
        picked.push_back({{"id", it->id},
                          {"from", it->user_id.empty() ? "system" : it->user_id},
                          {"at", core::format_rfc3339(it->created_at_ms)},
                          {"text", std::move(text)}});
    }
    for (auto it = picked.rbegin(); it != picked.rend(); ++it) msgs.push_back(std::move(*it));
    json input{{"conversation_uid", request.conversation_uid},
               {"now", core::format_rfc3339(request.now_ms)},
               {"custom", json::parse(request.custom_json, nullptr, false).is_discarded()
                              ? json::object()
                              : json::parse(request.custom_json)}};
    std::string instructions;
    if (request.previous) {
        input["previous_summary"] = public_summary(*request.previous);
        input["new_messages"] = msgs;
        instructions =
            "Update previous_summary with new_messages (the messages "
            "since it was written) and "
            "return the complete updated summary. Drop action items and "
            "questions the new "
            "messages resolve.";
    } else {
        input["messages"] = msgs;
        instructions = "Summarize the conversation.";
    }
    auto x = std::make_shared<exchange>();
    x->schema_name = "conversation_summary";
    x->schema = &summary_schema();
    x->messages = json::array({{{"role", "system"}, {"content", request.prompt}},
                               {{"role", "user"},
                                {"content", instructions +
                                                " Answer with a JSON object matching the "
                                                "conversation_summary schema.\n" +
                                                input.dump()}}});
    auto result = std::make_shared<summary_result>();
    x->accept = [result](const json& answer) {
        return read_summary_output(answer, result->summary);
    };
    x->done = [x_weak = std::weak_ptr<exchange>(x), result,
               done = std::move(done)](std::pair<engine_failure, std::string> r) mutable {
        result->failure = r.first;
        result->detail = std::move(r.second);
        if (auto xs = x_weak.lock()) {
            result->tokens_used = xs->tokens;
            result->attempts = xs->attempts;
        }
        done(std::move(*result));
    };
    impl_->start(std::move(x));
}

void openai_engine::make_digest(digest_request request, core::unique_callback<digest_result> done) {
    json convs = json::array();
    std::set<std::string> known;
    for (const auto& c : request.conversations) {
        known.insert(c.conversation_uid);
        json one{{"conversation_uid", c.conversation_uid},
                 {"unread_count", c.unread_count},
                 {"last_message_at", c.last_message_at_ms
                                         ? json(core::format_rfc3339(c.last_message_at_ms))
                                         : json(nullptr)},
                 {"your_role", c.role},
                 {"suggested_category", to_string(c.hint)}};
        if (c.summary)
            one["summary"] = public_summary(*c.summary);
        else
            one["summary"] = nullptr;
        convs.push_back(std::move(one));
    }
    const json input{{"user_uid", request.user_uid},
                     {"now", core::format_rfc3339(request.now_ms)},
                     {"conversations", convs}};
    auto x = std::make_shared<exchange>();
    x->schema_name = "conversation_digest";
    x->schema = &digest_schema();
    x->messages = json::array({{{"role", "system"}, {"content", request.prompt}},
                               {{"role", "user"},
                                {"content",
                                 "Write the digest of these conversations as a "
                                 "JSON object matching the "
                                 "conversation_digest schema. Categories hold "
                                 "conversation_uid values only.\n" +
                                     input.dump()}}});
    auto result = std::make_shared<digest_result>();
    // Conversations the model left out go where the deterministic classification
    // puts them.
    auto inputs = std::make_shared<std::vector<digest_input>>(std::move(request.conversations));
    x->accept = [result, known, inputs](const json& answer) {
        auto errors = read_digest_output(answer, known, result->result);
        if (!errors.empty()) return errors;
        std::set<std::string> placed;
        auto& d = result->result;
        for (const auto* list : {&d.urgent, &d.pending, &d.on_track, &d.stale})
            placed.insert(list->begin(), list->end());
        for (const auto& c : *inputs) {
            if (placed.contains(c.conversation_uid)) continue;
            switch (c.hint) {
                case status::urgent:
                    d.urgent.push_back(c.conversation_uid);
                    break;
                case status::pending:
                    d.pending.push_back(c.conversation_uid);
                    break;
                case status::on_track:
                    d.on_track.push_back(c.conversation_uid);
                    break;
                case status::stale:
                    d.stale.push_back(c.conversation_uid);
                    break;
            }
        }
        return errors;
    };
    x->done = [x_weak = std::weak_ptr<exchange>(x), result,
               done = std::move(done)](std::pair<engine_failure, std::string> r) mutable {
        result->failure = r.first;
        result->detail = std::move(r.second);
        if (auto xs = x_weak.lock()) {
            result->tokens_used = xs->tokens;
            result->attempts = xs->attempts;
        }
        done(std::move(*result));
    };
    impl_->start(std::move(x));
}

}  // namespace sb::ai
