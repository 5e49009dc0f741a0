#include "api/conversations_api.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "ai/service.hpp"
#include "api/responses.hpp"
#include "core/channel_name.hpp"
#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "history/storage_runner.hpp"
#include "net/shard.hpp"
#include "protocol/pusher/request_signature.hpp"

namespace sb::api {

namespace jsonapi = protocol::jsonapi;
using nlohmann::json;

namespace {

constexpr std::size_t max_members = 1000;
constexpr std::size_t max_roles = 32;
constexpr std::size_t max_custom_bytes = 16 * 1024;

net::http_response document(int status, const json& doc) {
    return jsonapi_response(status, doc.dump());
}

jsonapi::error conflict(std::string detail) {
    return {409, "conversation_exists", "Conflict", std::move(detail), {}};
}
jsonapi::error ai_unavailable(std::string detail) {
    return {503, "ai_unavailable", "AI engine unavailable", std::move(detail), {}};
}
jsonapi::error ai_invalid_output(std::string detail) {
    return {502, "ai_invalid_output", "AI engine output rejected", std::move(detail), {}};
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

template <class Job>
void store_job(hub& h, bool write, Job job, net::http_responder respond) {
    auto answer = std::make_shared<net::http_responder>(on_origin(std::move(respond)));
    auto run = [job = std::move(job), answer](storage::connection& conn) mutable {
        net::http_response r;
        try {
            r = job(conn);
        } catch (const std::exception& e) {
            r = jsonapi_error(
                jsonapi::codes::connection_failed(std::string("conversation store: ") + e.what()));
        }
        (*answer)(std::move(r));
    };
    if (write)
        h.history()->write(std::move(run));
    else
        h.history()->read(std::move(run));
}

bool valid_text(const json& v, std::size_t max) {
    if (!v.is_string()) return false;
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > max) return false;
    return std::none_of(s.begin(), s.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

const json* attributes_of(const json& doc) {
    if (doc.is_discarded() || !doc.is_object()) return nullptr;
    auto data = doc.find("data");
    if (data == doc.end() || !data->is_object()) return nullptr;
    auto attrs = data->find("attributes");
    if (attrs == data->end() || !attrs->is_object()) return nullptr;
    return &*attrs;
}

// members: [{user_uid, role}] → members, or an error.
std::optional<jsonapi::error> read_members(const json& v,
                                           std::vector<storage::conversation_member>& out) {
    if (!v.is_array() || v.size() > max_members)
        return jsonapi::codes::invalid_request("members must be an array of at most 1000 members",
                                               "/data/attributes/members");
    for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string at = "/data/attributes/members/" + std::to_string(i);
        const auto& m = v[i];
        if (!m.is_object())
            return jsonapi::codes::invalid_request("a member is an object {user_uid, role}", at);
        auto u = m.find("user_uid");
        if (u == m.end() || !valid_text(*u, 128))
            return jsonapi::codes::invalid_request(
                "user_uid must be a string of 1 to 128 characters", at + "/user_uid");
        std::string role = "member";
        if (auto r = m.find("role"); r != m.end() && !r->is_null()) {
            if (!valid_text(*r, 64))
                return jsonapi::codes::invalid_request(
                    "role must be a string of 1 to 64 characters", at + "/role");
            role = r->get<std::string>();
        }
        out.push_back({u->get<std::string>(), std::move(role)});
    }
    return std::nullopt;
}

std::optional<jsonapi::error> read_roles(const json& v, std::vector<std::string>& out) {
    if (!v.is_array() || v.size() > max_roles)
        return jsonapi::codes::invalid_request("notify_roles must be an array of at most 32 roles",
                                               "/data/attributes/notify_roles");
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!valid_text(v[i], 64))
            return jsonapi::codes::invalid_request(
                "a role is a string of 1 to 64 characters",
                "/data/attributes/notify_roles/" + std::to_string(i));
        out.push_back(v[i].get<std::string>());
    }
    return std::nullopt;
}

std::optional<jsonapi::error> read_custom(const json& v, std::string& out) {
    if (!v.is_object())
        return jsonapi::codes::invalid_request("custom must be a JSON object",
                                               "/data/attributes/custom");
    out = v.dump();
    if (out.size() > max_custom_bytes)
        return jsonapi::codes::invalid_request("custom must be at most 16 KiB",
                                               "/data/attributes/custom");
    return std::nullopt;
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

bool parse_count(const std::string& text, std::size_t& out) {
    auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    return r.ec == std::errc{} && r.ptr == text.data() + text.size();
}

// A bearer token may act for its own user only; the secret key for anyone.
std::optional<jsonapi::error> check_self(const rest_caller& caller, const std::string& user) {
    if (caller.secret_key) return std::nullopt;
    if (!caller.user)
        return jsonapi::codes::invalid_token("a bearer token for this user is required");
    if (caller.user->user_id != user)
        return forbidden_user("the token is for " + caller.user->user_id + ", not " + user);
    return std::nullopt;
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

std::string_view seg(const std::vector<std::string_view>& s, std::size_t i) {
    return i < s.size() ? s[i] : "";
}

}  // namespace

bool conversations_api::owns(std::string_view path) noexcept {
    auto starts = [&](std::string_view p) { return path.substr(0, p.size()) == p; };
    return starts("/conversations/") || starts("/users/") || starts("/v1/realtime/conversations") ||
           starts("/v1/realtime/ai/");
}

void conversations_api::handle(const rest_caller& caller, const net::http_request& request,
                               const std::vector<std::string_view>& segments,
                               net::http_responder respond) {
    const std::string& m = request.method;
    auto no_route = [&] {
        return jsonapi_error(jsonapi::codes::not_found("no route for " + m + " " + request.path));
    };
    if (!hub_.history())
        return respond(jsonapi_error(
            jsonapi::codes::not_found("conversations need history, which is switched off")));
    if (!caller.secret_key && !caller.user)
        return respond(jsonapi_error(jsonapi::codes::invalid_token(
            "a publishable key needs Authorization: Bearer <user token>")));
    auto decode = [](std::string_view s) { return protocol::pusher::percent_decode(s); };

    // The seed's root paths, and /v1/realtime/… with the same tails.
    std::size_t base = 0;
    if (seg(segments, 0) == "v1" && seg(segments, 1) == "realtime") base = 2;
    const std::size_t n = segments.size() - base;
    const std::string_view first = seg(segments, base);

    if (first == "conversations") {
        if (n == 3 && seg(segments, base + 2) == "summary") {
            if (m != "GET")
                return respond(jsonapi_error(jsonapi::codes::method_not_allowed("use GET")));
            return summary(caller, decode(seg(segments, base + 1)), std::move(respond));
        }
        if (base == 0) return respond(no_route());
        if (n == 1 && m == "POST") return create(caller, request, std::move(respond));
        if (n == 1 && m == "GET") {
            const auto params = protocol::pusher::parse_query(request.query);
            const auto* user = protocol::pusher::find_param(params, "user_uid");
            if (!user || user->empty())
                return respond(jsonapi_error(
                    jsonapi::codes::invalid_parameter("user_uid", "user_uid is required")));
            return list(caller, *user, request, std::move(respond));
        }
        if (n == 2) {
            std::string uid = decode(seg(segments, base + 1));
            if (m == "GET") return show(caller, std::move(uid), std::move(respond));
            if (m == "PATCH") return update(caller, std::move(uid), request, std::move(respond));
            if (m == "DELETE") return remove(caller, std::move(uid), std::move(respond));
            return respond(
                jsonapi_error(jsonapi::codes::method_not_allowed("use GET, PATCH or DELETE")));
        }
        if (n == 3 && seg(segments, base + 2) == "members" && m == "POST")
            return add_members(caller, decode(seg(segments, base + 1)), request,
                               std::move(respond));
        if (n == 4 && seg(segments, base + 2) == "members" && m == "DELETE")
            return remove_member(caller, decode(seg(segments, base + 1)),
                                 decode(seg(segments, base + 3)), std::move(respond));
        return respond(no_route());
    }
    if (first == "users" && n >= 3) {
        std::string user = decode(seg(segments, base + 1));
        const std::string_view what = seg(segments, base + 2);
        if (m != "GET")
            return respond(jsonapi_error(jsonapi::codes::method_not_allowed("use GET")));
        if (n == 3 && what == "unread-summary")
            return unread_summary(caller, std::move(user), request, std::move(respond));
        if (n == 4 && what == "conversations" && seg(segments, base + 3) == "summary")
            return digest(caller, std::move(user), request, std::move(respond));
        if (n == 3 && what == "conversations")
            return list(caller, std::move(user), request, std::move(respond));
        return respond(no_route());
    }
    if (first == "ai" && base == 2) {
        if (n == 2 && seg(segments, base + 1) == "settings")
            return settings(caller, request, std::move(respond));
        if (n == 3 && seg(segments, base + 1) == "profiles" && m == "GET")
            return profile(caller, decode(seg(segments, base + 2)), std::move(respond));
    }
    respond(no_route());
}

void conversations_api::create(const rest_caller& caller, const net::http_request& request,
                               net::http_responder respond) {
    if (!caller.secret_key)
        return respond(jsonapi_error(
            jsonapi::codes::invalid_api_key("creating conversations needs the app's secret key")));
    const json doc = json::parse(request.body, nullptr, false);
    const json* attrs = attributes_of(doc);
    if (!attrs)
        return respond(jsonapi_error(jsonapi::codes::invalid_request(
            "data.attributes must be an object", "/data/attributes")));
    storage::conversation_record c;
    c.tenant = hub::storage_tenant(*caller.tenant);
    auto uid = attrs->find("conversation_uid");
    if (uid == attrs->end() || !uid->is_string())
        return respond(jsonapi_error(
            jsonapi::codes::invalid_channel("conversation_uid is required (the channel name)",
                                            "/data/attributes/conversation_uid")));
    c.uid = uid->get<std::string>();
    const auto cls = core::classify_channel(c.uid);
    if (!cls.valid())
        return respond(jsonapi_error(jsonapi::codes::invalid_channel(
            std::string(core::describe(cls.error)), "/data/attributes/conversation_uid")));
    if (!hub_.keeps_history(*caller.tenant, c.uid))
        return respond(jsonapi_error(jsonapi::codes::invalid_channel(
            c.uid + " keeps no history, so it cannot be a conversation (see the "
                    "app's history patterns)",
            "/data/attributes/conversation_uid")));
    if (auto v = attrs->find("custom"); v != attrs->end() && !v->is_null())
        if (auto e = read_custom(*v, c.custom_json)) return respond(jsonapi_error(*e));
    if (auto v = attrs->find("notify_roles"); v != attrs->end() && !v->is_null())
        if (auto e = read_roles(*v, c.notify_roles)) return respond(jsonapi_error(*e));
    if (auto v = attrs->find("members"); v != attrs->end() && !v->is_null())
        if (auto e = read_members(*v, c.members)) return respond(jsonapi_error(*e));
    c.created_at_ms = c.updated_at_ms = core::wall_clock_ms();
    store_job(
        hub_, true,
        [c = std::move(c)](storage::connection& conn) {
            auto& store = conn.conversations();
            if (!store.create(c))
                return jsonapi_error(conflict("conversation " + c.uid + " exists"));
            return document(201, json{{"data", conversation_json(*store.get(c.tenant, c.uid))}});
        },
        std::move(respond));
}

void conversations_api::show(const rest_caller& caller, std::string uid,
                             net::http_responder respond) {
    store_job(
        hub_, false,
        [tenant = hub::storage_tenant(*caller.tenant), uid, admin = caller.secret_key,
         user = caller.user ? caller.user->user_id : std::string()](storage::connection& conn) {
            const auto c = conn.conversations().get(tenant, uid);
            if (!c)
                return jsonapi_error(jsonapi::codes::channel_not_found("no conversation " + uid));
            if (!admin && std::none_of(c->members.begin(), c->members.end(),
                                       [&](const auto& m) { return m.user_uid == user; }))
                return jsonapi_error(forbidden_user(user + " is not a member of " + uid));
            return document(200, json{{"data", conversation_json(*c)}});
        },
        std::move(respond));
}

void conversations_api::update(const rest_caller& caller, std::string uid,
                               const net::http_request& request, net::http_responder respond) {
    if (!caller.secret_key)
        return respond(jsonapi_error(
            jsonapi::codes::invalid_api_key("changing conversations needs the app's secret key")));
    const json doc = json::parse(request.body, nullptr, false);
    const json* attrs = attributes_of(doc);
    if (!attrs)
        return respond(jsonapi_error(jsonapi::codes::invalid_request(
            "data.attributes must be an object", "/data/attributes")));
    std::optional<std::string> custom;
    std::optional<std::vector<std::string>> roles;
    std::vector<storage::conversation_member> members;
    if (auto v = attrs->find("custom"); v != attrs->end()) {
        custom.emplace();
        if (auto e = read_custom(*v, *custom)) return respond(jsonapi_error(*e));
    }
    if (auto v = attrs->find("notify_roles"); v != attrs->end()) {
        roles.emplace();
        if (!v->is_null())
            if (auto e = read_roles(*v, *roles)) return respond(jsonapi_error(*e));
    }
    const bool has_members = attrs->contains("members");
    if (has_members)
        if (auto e = read_members((*attrs)["members"], members)) return respond(jsonapi_error(*e));
    store_job(
        hub_, true,
        [tenant = hub::storage_tenant(*caller.tenant), uid, custom, roles,
         members = std::move(members), has_members](storage::connection& conn) {
            auto& store = conn.conversations();
            const std::uint64_t now = core::wall_clock_ms();
            if (!store.update(tenant, uid, custom, roles, now))
                return jsonapi_error(jsonapi::codes::channel_not_found("no conversation " + uid));
            if (has_members) store.upsert_members(tenant, uid, members, now);
            return document(200, json{{"data", conversation_json(*store.get(tenant, uid))}});
        },
        std::move(respond));
}

void conversations_api::remove(const rest_caller& caller, std::string uid,
                               net::http_responder respond) {
    if (!caller.secret_key)
        return respond(jsonapi_error(
            jsonapi::codes::invalid_api_key("deleting conversations needs the app's secret key")));
    store_job(
        hub_, true,
        [tenant = hub::storage_tenant(*caller.tenant), uid](storage::connection& conn) {
            if (!conn.conversations().remove(tenant, uid))
                return jsonapi_error(jsonapi::codes::channel_not_found("no conversation " + uid));
            net::http_response r;
            r.status = 204;
            r.content_type = "application/vnd.api+json";
            return r;
        },
        std::move(respond));
}

void conversations_api::add_members(const rest_caller& caller, std::string uid,
                                    const net::http_request& request, net::http_responder respond) {
    if (!caller.secret_key)
        return respond(jsonapi_error(
            jsonapi::codes::invalid_api_key("changing members needs the app's secret key")));
    const json doc = json::parse(request.body, nullptr, false);
    const json* attrs = attributes_of(doc);
    if (!attrs || !attrs->contains("members"))
        return respond(jsonapi_error(jsonapi::codes::invalid_request(
            "data.attributes.members is required", "/data/attributes/members")));
    std::vector<storage::conversation_member> members;
    if (auto e = read_members((*attrs)["members"], members)) return respond(jsonapi_error(*e));
    store_job(
        hub_, true,
        [tenant = hub::storage_tenant(*caller.tenant), uid,
         members = std::move(members)](storage::connection& conn) {
            auto& store = conn.conversations();
            if (!store.upsert_members(tenant, uid, members, core::wall_clock_ms()))
                return jsonapi_error(jsonapi::codes::channel_not_found("no conversation " + uid));
            return document(200, json{{"data", conversation_json(*store.get(tenant, uid))}});
        },
        std::move(respond));
}

void conversations_api::remove_member(const rest_caller& caller, std::string uid, std::string user,
                                      net::http_responder respond) {
    if (!caller.secret_key)
        return respond(jsonapi_error(
            jsonapi::codes::invalid_api_key("changing members needs the app's secret key")));
    store_job(
        hub_, true,
        [tenant = hub::storage_tenant(*caller.tenant), uid, user](storage::connection& conn) {
            if (!conn.conversations().remove_member(tenant, uid, user))
                return jsonapi_error(
                    jsonapi::codes::not_found(user + " is not a member of " + uid));
            net::http_response r;
            r.status = 204;
            r.content_type = "application/vnd.api+json";
            return r;
        },
        std::move(respond));
}

void conversations_api::list(const rest_caller& caller, std::string user,
                             const net::http_request& request, net::http_responder respond) {
    if (auto e = check_self(caller, user)) return respond(jsonapi_error(*e));
    const auto params = protocol::pusher::parse_query(request.query);
    std::size_t limit = 100;
    if (const auto* l = protocol::pusher::find_param(params, "limit"))
        if (!parse_count(*l, limit) || limit < 1 || limit > 1000)
            return respond(jsonapi_error(
                jsonapi::codes::invalid_parameter("limit", "limit must be 1 to 1000")));
    std::string after;
    if (const auto* a = protocol::pusher::find_param(params, "after")) after = *a;
    store_job(
        hub_, false,
        [tenant = hub::storage_tenant(*caller.tenant), user, after,
         limit](storage::connection& conn) {
            const auto rows = conn.conversations().list_for_user(tenant, user, after, limit + 1);
            json data = json::array();
            for (std::size_t i = 0; i < rows.size() && i < limit; ++i) {
                const auto& c = rows[i];
                json custom = json::parse(c.custom_json, nullptr, false);
                data.push_back({{"id", c.uid},
                                {"type", "conversations"},
                                {"attributes",
                                 {{"conversation_uid", c.uid},
                                  {"role", c.role},
                                  {"notified", c.notified},
                                  {"custom", custom.is_discarded() ? json::object() : custom},
                                  {"notify_roles", c.notify_roles},
                                  {"created_at", core::format_rfc3339(c.created_at_ms)},
                                  {"updated_at", core::format_rfc3339(c.updated_at_ms)}}}});
            }
            json meta{{"has_more", rows.size() > limit}};
            meta["next_after"] = rows.size() > limit ? json(rows[limit - 1].uid) : json(nullptr);
            return document(200, json{{"data", data}, {"meta", meta}});
        },
        std::move(respond));
}

void conversations_api::unread_summary(const rest_caller& caller, std::string user,
                                       const net::http_request& request,
                                       net::http_responder respond) {
    if (auto e = check_self(caller, user)) return respond(jsonapi_error(*e));
    const auto params = protocol::pusher::parse_query(request.query);
    bool has_unread = true;
    if (const auto* h = protocol::pusher::find_param(params, "has_unread")) {
        if (*h == "false" || *h == "0")
            has_unread = false;
        else if (*h != "true" && *h != "1")
            return respond(jsonapi_error(jsonapi::codes::invalid_parameter(
                "has_unread", "has_unread must be true or false")));
    }
    store_job(
        hub_, false,
        [tenant = hub::storage_tenant(*caller.tenant), user,
         has_unread](storage::connection& conn) {
            storage::unread_query q;
            q.tenant = tenant;
            q.user_uid = user;
            auto rows = conn.conversations().unread(q);
            std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
                if (a.last_message_at_ms != b.last_message_at_ms)
                    return a.last_message_at_ms > b.last_message_at_ms;
                return a.conversation_uid < b.conversation_uid;
            });
            std::uint64_t total = 0;
            json list = json::array();
            for (const auto& r : rows) {
                total += r.unread_count;
                if (has_unread && r.unread_count == 0) continue;
                list.push_back(
                    {{"conversation_uid", r.conversation_uid},
                     {"unread_count", r.unread_count},
                     {"last_message_at", r.last_message_at_ms
                                             ? json(core::format_rfc3339(r.last_message_at_ms))
                                             : json(nullptr)}});
            }
            return document(
                200, json{{"data",
                           {{"id", user},
                            {"type", "unread_summary"},
                            {"attributes", {{"total_unread", total}, {"conversations", list}}}}}});
        },
        std::move(respond));
}

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
