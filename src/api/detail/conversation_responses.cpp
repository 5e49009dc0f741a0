#include "api/detail/conversation_responses.hpp"

#include "core/time_format.hpp"
#include "net/shard.hpp"

namespace sb::api::detail {

namespace jsonapi = protocol::jsonapi;
using nlohmann::json;

net::http_response document(int status, const json& doc) {
    return jsonapi_response(status, doc.dump());
}

jsonapi::error conflict(std::string detail) {
    return {409, "conversation_exists", "Conflict", std::move(detail), {}};
}

jsonapi::error forbidden_user(std::string detail) {
    return jsonapi::codes::unauthorized_channel(std::move(detail));
}

// Answers on the shard that called.
net::http_responder on_origin(net::http_responder respond) {
    net::shard* origin = net::shard::current();
    auto shared = std::make_shared<net::http_responder>(std::move(respond));
    return [origin, shared](net::http_response r) mutable {
        if (origin == nullptr) return (*shared)(std::move(r));
        origin->post([shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
    };
}

json conversation_json(const storage::conversation_record& c) {
    json members = json::array();
    for (const auto& m : c.members) members.push_back({{"user_uid", m.user_uid}, {"role", m.role}});
    json custom = json::parse(c.custom_json, nullptr, false);
    return json{{"id", c.uid},
                {"type", "conversations"},
                {"attributes",
                 {{"conversation_uid", c.uid},
                  {"custom", custom.is_discarded() ? json::object() : custom},
                  {"notify_roles", c.notify_roles},
                  {"members", members},
                  {"created_at", core::format_rfc3339(c.created_at_ms)},
                  {"updated_at", core::format_rfc3339(c.updated_at_ms)}}}};
}

}  // namespace sb::api::detail
