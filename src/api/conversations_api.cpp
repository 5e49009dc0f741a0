#include "api/conversations_api.hpp"

#include <algorithm>

#include "api/detail/conversation_requests.hpp"
#include "api/detail/conversation_responses.hpp"
#include "core/channel_name.hpp"
#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "protocol/pusher/request_signature.hpp"

namespace sb::api {

namespace jsonapi = protocol::jsonapi;
using detail::attributes_of;
using detail::check_self;
using detail::conflict;
using detail::conversation_json;
using detail::document;
using detail::forbidden_user;
using detail::on_origin;
using detail::parse_count;
using detail::read_custom;
using detail::read_members;
using detail::read_roles;
using detail::store_job;
using nlohmann::json;

namespace {

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

}  // namespace sb::api
