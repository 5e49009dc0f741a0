// The AI routes of conversations_api (conversations_api.hpp): a conversation's summary, a
// user's digest, the tenant's AI settings and a user's AI profile. Summaries, digests and
// settings are the AI service's work, on its thread; the answer goes back to the shard that
// read the request.
#include <algorithm>
#include <cctype>

#include "ai/service.hpp"
#include "api/conversations_api.hpp"
#include "api/detail/conversation_requests.hpp"
#include "api/detail/conversation_responses.hpp"
#include "core/time_format.hpp"
#include "protocol/pusher/request_signature.hpp"

namespace sb::api {

namespace jsonapi = protocol::jsonapi;
using detail::attributes_of;
using detail::check_self;
using detail::document;
using detail::forbidden_user;
using detail::on_origin;
using detail::store_job;
using nlohmann::json;

namespace {

jsonapi::error ai_unavailable(std::string detail) {
    return {503, "ai_unavailable", "AI engine unavailable", std::move(detail), {}};
}

jsonapi::error ai_invalid_output(std::string detail) {
    return {502, "ai_invalid_output", "AI engine output rejected", std::move(detail), {}};
}

ai::request_context context_of(const rest_caller& caller) {
    ai::request_context ctx;
    ctx.tenant = hub::storage_tenant(*caller.tenant);
    ctx.app_id = caller.tenant->config.id;
    ctx.admin = caller.secret_key;
    if (caller.user) ctx.user = caller.user->user_id;
    return ctx;
}

jsonapi::error error_of(ai::failure f, const std::string& detail) {
    switch (f) {
        case ai::failure::not_found:
            return jsonapi::codes::channel_not_found(detail);
        case ai::failure::not_member:
            return forbidden_user(detail);
        case ai::failure::rate_limited:
            return jsonapi::codes::rate_limit_exceeded(detail);
        case ai::failure::invalid_output:
            return ai_invalid_output(detail);
        case ai::failure::unavailable:
            return ai_unavailable(detail);
        case ai::failure::disabled:
            return ai_unavailable("the AI service is stopping");
        case ai::failure::storage:
        case ai::failure::none:
            break;
    }
    return jsonapi::codes::connection_failed(detail);
}

json settings_document(const rest_caller& caller, const ai::tenant_settings& s, bool llm) {
    json attrs = ai::to_json(s);
    attrs["engines"] = llm ? json::array({"builtin", "openai"}) : json::array({"builtin"});
    return json{
        {"data",
         {{"id", caller.tenant->config.id + "/" + std::string(core::to_string(caller.tenant->env))},
          {"type", "ai_settings"},
          {"attributes", attrs}}}};
}

}  // namespace

void conversations_api::summary(const rest_caller& caller, std::string uid,
                                net::http_responder respond) {
    if (!ai_)
        return respond(jsonapi_error(
            jsonapi::codes::not_found("AI summaries are switched off on this server")));
    auto answer = on_origin(std::move(respond));
    ai_->summarize(
        context_of(caller), uid, [answer = std::move(answer)](ai::summary_outcome o) mutable {
            if (o.error != ai::failure::none) {
                auto r = jsonapi_error(error_of(o.error, o.detail));
                if (o.error == ai::failure::rate_limited)
                    r.headers.emplace_back("Retry-After", std::to_string(o.retry_after_s));
                return answer(std::move(r));
            }
            const auto& v = o.view;
            const auto& s = v.summary;
            json attrs{{"overall_summary", s.overall_summary},
                       {"categories", s.categories},
                       {"action_items", s.action_items},
                       {"key_decisions", s.key_decisions},
                       {"sentiment", ai::to_string(s.mood)},
                       {"stats",
                        {{"total_messages", v.stats.total_messages},
                         {"participants", v.stats.participants},
                         {"time_span", ai::format_span(v.stats.first_message_at_ms,
                                                       v.stats.last_message_at_ms)}}},
                       {"generated_at", core::format_rfc3339(v.generated_at_ms)},
                       {"cached", v.cached}};
            json meta{
                {"cache_status", ai::to_string(v.cache)},
                {"tokens_used", v.tokens_used},
                {"engine", v.engine},
                {"status", ai::to_string(s.state)},
                {"open_questions", s.open_questions},
                {"due_at", s.due_at_ms ? json(core::format_rfc3339(s.due_at_ms)) : json(nullptr)}};
            if (!v.degraded_reason.empty()) meta["degraded_reason"] = v.degraded_reason;
            answer(document(200, json{{"data",
                                       {{"id", v.conversation_uid},
                                        {"type", "conversation_summary"},
                                        {"attributes", attrs}}},
                                      {"meta", meta}}));
        });
}

void conversations_api::digest(const rest_caller& caller, std::string user,
                               const net::http_request& request, net::http_responder respond) {
    if (!ai_)
        return respond(
            jsonapi_error(jsonapi::codes::not_found("AI digests are switched off on this server")));
    if (auto e = check_self(caller, user)) return respond(jsonapi_error(*e));
    std::vector<storage::custom_filter> filters;
    for (const auto& [name, value] : protocol::pusher::parse_query(request.query)) {
        if (name.rfind("custom[", 0) != 0) continue;
        if (name.back() != ']' || name.size() < 9 || name.size() > 72)
            return respond(
                jsonapi_error(jsonapi::codes::invalid_parameter(name, "write custom[key]=value")));
        std::string key = name.substr(7, name.size() - 8);
        if (!std::all_of(key.begin(), key.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
            }))
            return respond(jsonapi_error(jsonapi::codes::invalid_parameter(
                name, "custom keys are letters, digits, _ and -")));
        filters.push_back({std::move(key), value});
    }
    if (filters.size() > storage::max_custom_filters)
        return respond(
            jsonapi_error(jsonapi::codes::invalid_parameter("custom", "at most 8 custom filters")));
    auto answer = on_origin(std::move(respond));
    ai_->make_digest(
        context_of(caller), user, std::move(filters),
        [answer = std::move(answer)](ai::digest_outcome o) mutable {
            if (o.error != ai::failure::none)
                return answer(jsonapi_error(error_of(o.error, o.detail)));
            const auto& v = o.view;
            const auto& d = v.result;
            json digest{{"summary", d.summary},
                        {"categories",
                         {{"urgent", d.urgent},
                          {"pending", d.pending},
                          {"on_track", d.on_track},
                          {"stale", d.stale}}},
                        {"action_items", d.action_items},
                        {"stats",
                         {{"total_unread_messages", v.total_unread_messages},
                          {"conversations_with_unread", v.conversations_with_unread},
                          {"oldest_unread", v.oldest_unread_at_ms
                                                ? json(core::format_rfc3339(v.oldest_unread_at_ms))
                                                : json(nullptr)}}}};
            json attrs{{"conversations_found", v.conversations_found},
                       {"digest", digest},
                       {"meta",
                        {{"tokens_used", v.tokens_used},
                         {"generated_at", core::format_rfc3339(v.generated_at_ms)},
                         {"cache_status", ai::to_string(v.cache)}}}};
            json meta{{"warming", v.warming}};
            if (!v.degraded_reason.empty()) meta["degraded_reason"] = v.degraded_reason;
            answer(document(
                200, json{{"data",
                           {{"id", v.id}, {"type", "conversation_digest"}, {"attributes", attrs}}},
                          {"meta", meta}}));
        });
}

void conversations_api::settings(const rest_caller& caller, const net::http_request& request,
                                 net::http_responder respond) {
    if (!caller.secret_key)
        return respond(jsonapi_error(
            jsonapi::codes::invalid_api_key("AI settings need the app's secret key")));
    if (!ai_)
        return respond(
            jsonapi_error(jsonapi::codes::not_found("AI is switched off on this server")));
    if (request.method != "GET" && request.method != "PATCH")
        return respond(jsonapi_error(jsonapi::codes::method_not_allowed("use GET or PATCH")));
    const bool llm = ai_->llm_available();
    std::optional<ai::patch_parse> patch;
    if (request.method == "PATCH") {
        const json doc = json::parse(request.body, nullptr, false);
        const json* attrs = attributes_of(doc);
        if (!attrs)
            return respond(jsonapi_error(jsonapi::codes::invalid_request(
                "data.attributes must be an object", "/data/attributes")));
        patch = ai::parse_patch(*attrs, llm);
        if (!patch->errors.empty()) {
            std::vector<jsonapi::error> errors;
            for (const auto& [pointer, detail] : patch->errors)
                errors.push_back(jsonapi::codes::invalid_request(detail, pointer));
            return respond(jsonapi_errors(errors));
        }
    }
    auto answer = on_origin(std::move(respond));
    auto reply = [answer = std::move(answer), caller, llm](ai::settings_outcome o) mutable {
        if (o.error != ai::failure::none) return answer(jsonapi_error(error_of(o.error, o.detail)));
        answer(document(200, settings_document(caller, o.settings, llm)));
    };
    if (patch) return ai_->update_settings(context_of(caller), std::move(*patch), std::move(reply));
    ai_->settings(context_of(caller), std::move(reply));
}

void conversations_api::profile(const rest_caller& caller, std::string user,
                                net::http_responder respond) {
    if (auto e = check_self(caller, user)) return respond(jsonapi_error(*e));
    store_job(
        hub_, false,
        [tenant = hub::storage_tenant(*caller.tenant), user](storage::connection& conn) {
            const auto p = conn.conversations().profile(tenant, user);
            if (!p)
                return jsonapi_error(jsonapi::codes::not_found(
                    user +
                    " has no AI profile yet (it is made on the first summary "
                    "or digest request)"));
            json prefs = json::parse(p->preferences_json, nullptr, false);
            return document(
                200,
                json{{"data",
                      {{"id", user},
                       {"type", "ai_profiles"},
                       {"attributes",
                        {{"user_uid", user},
                         {"preferences", prefs.is_discarded() ? json::object() : prefs},
                         {"registered_at", core::format_rfc3339(p->registered_at_ms)},
                         {"requests", p->requests},
                         {"tokens_used", p->tokens_used},
                         {"last_request_at", p->last_request_at_ms
                                                 ? json(core::format_rfc3339(p->last_request_at_ms))
                                                 : json(nullptr)}}}}}});
        },
        std::move(respond));
}

}  // namespace sb::api
