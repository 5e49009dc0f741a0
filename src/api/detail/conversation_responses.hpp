#pragma once
// How the conversation routes (conversations_api.hpp) answer: JSON:API documents, their
// errors, a conversation as a resource, and store work run on the history runner with its
// answer posted back to the shard that read the request.

#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "api/hub.hpp"
#include "api/responses.hpp"
#include "history/storage_runner.hpp"
#include "net/http_service.hpp"
#include "storage/conversation_store.hpp"

namespace sb::api::detail {

net::http_response document(int status, const nlohmann::json& doc);

protocol::jsonapi::error conflict(std::string detail);
protocol::jsonapi::error forbidden_user(std::string detail);

// Answers on the shard that called.
net::http_responder on_origin(net::http_responder respond);

// The conversation as a JSON:API resource object.
nlohmann::json conversation_json(const storage::conversation_record& c);

// Runs `job(connection&) -> net::http_response` on the history runner's writer (`write`) or
// reader; a store exception becomes a connection_failed error. The answer goes to the shard
// that called.
template <class Job>
void store_job(hub& h, bool write, Job job, net::http_responder respond) {
    auto answer = std::make_shared<net::http_responder>(on_origin(std::move(respond)));
    auto run = [job = std::move(job), answer](storage::connection& conn) mutable {
        net::http_response r;
        try {
            r = job(conn);
        } catch (const std::exception& e) {
            r = jsonapi_error(protocol::jsonapi::codes::connection_failed(
                std::string("conversation store: ") + e.what()));
        }
        (*answer)(std::move(r));
    };
    if (write)
        h.history()->write(std::move(run));
    else
        h.history()->read(std::move(run));
}

}  // namespace sb::api::detail
