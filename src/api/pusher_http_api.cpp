#include "api/pusher_http_api.hpp"

#include "api/responses.hpp"
#include "core/channel_name.hpp"
#include "core/clock.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/pusher/http_api.hpp"
#include "protocol/pusher/request_signature.hpp"

#include <chrono>
#include <memory>

namespace sb::api {

namespace pusher = protocol::pusher;
using protocol::append_json_string;
using protocol::append_uint;

namespace {

std::int64_t unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void pusher_http_api::handle(net::http_request request, net::http_responder respond) {
    const auto segments = split_path(request.path);  // apps, {id}, …
    if (segments.size() < 3) return respond(text_response(404, "Not found"));
    const std::string app_id = pusher::percent_decode(segments[1]);
    const auto& apps = hub_.apps();
    if (!apps.has_app_id(app_id)) return respond(text_response(404, "Unknown app " + app_id));

    const auto params = pusher::parse_query(request.query);
    const std::string* auth_key = pusher::find_param(params, "auth_key");
    const core::tenant* tenant = auth_key ? apps.find_by_key(*auth_key) : nullptr;
    if (!tenant || tenant->config.id != app_id)
        return respond(text_response(401, auth_key ? "Unknown auth_key for this app" : "Missing auth_key"));
    auto verdict = pusher::verify_request(request.method, request.path, params, request.body,
                                          tenant->config.secret, unix_seconds());
    if (verdict == pusher::signature_error::signature_mismatch) {
        // Some clients sign the decoded path (channel names with '#').
        const std::string decoded = pusher::percent_decode(request.path);
        if (decoded != request.path)
            verdict = pusher::verify_request(request.method, decoded, params, request.body, tenant->config.secret,
                                             unix_seconds());
    }
    if (verdict != pusher::signature_error::none) return respond(text_response(401, pusher::describe(verdict)));
    if (!tenant->config.enabled) return respond(text_response(403, "Application disabled"));

    const std::string_view resource = segments[2];
    const bool post = request.method == "POST";
    const bool get = request.method == "GET";
    if (resource == "events" && segments.size() == 3 && post) return trigger(*tenant, request, false, std::move(respond));
    if (resource == "batch_events" && segments.size() == 3 && post)
        return trigger(*tenant, request, true, std::move(respond));
    if (resource == "channels" && get) {
        if (segments.size() == 3) return channels(*tenant, request, std::move(respond));
        const std::string name = pusher::percent_decode(segments[3]);
        if (segments.size() == 4) return channel(*tenant, name, request, std::move(respond));
        if (segments.size() == 5 && segments[4] == "users") return users(*tenant, name, std::move(respond));
    }
    if (resource == "users" && segments.size() == 5 && segments[4] == "terminate_connections" && post) {
        hub_.terminate_user(*tenant, pusher::percent_decode(segments[3]));
        return respond(json_response(200, "{}"));
    }
    if (resource == "connections" && segments.size() == 3 && get) {
        std::string body = R"({"connections":)";
        append_uint(body, static_cast<std::uint64_t>(std::max<std::int64_t>(0, tenant->runtime->connections.load())));
        body += '}';
        return respond(json_response(200, std::move(body)));
    }
    respond(text_response(404, "Not found"));
}

void pusher_http_api::trigger(const core::tenant& t, const net::http_request& request, bool batch,
                              net::http_responder respond) {
    const std::size_t max_data = hub_.options().max_message_size;
    auto parsed = batch ? pusher::parse_batch(request.body, max_data) : pusher::parse_trigger(request.body, max_data);
    if (!parsed.ok()) return respond(text_response(parsed.error.status, parsed.error.message));

    std::uint64_t deliveries = 0;
    bool wants_info = false;
    for (const auto& trig : parsed.triggers) {
        for (const auto& ch : trig.channels) {
            const auto cls = core::classify_channel(ch);
            if (!cls.valid()) return respond(text_response(400, "Invalid channel name '" + ch + "': " + std::string(core::describe(cls.error))));
        }
        core::socket_id ignored;
        if (!trig.socket_id.empty() && !core::parse_socket_id(trig.socket_id, ignored))
            return respond(text_response(400, "Invalid socket_id '" + trig.socket_id + "'"));
        deliveries += trig.channels.size();
        wants_info = wants_info || trig.info_subscription_count || trig.info_user_count;
    }
    if (t.limits.max_messages_per_second &&
        !t.runtime->try_count_messages(core::steady_clock_ms(), *t.limits.max_messages_per_second, deliveries))
        return respond(text_response(429, "Rate limit exceeded: the app is over its messages per second limit"));

    // The answer waits for every publication: a message on a channel that keeps history is
    // acknowledged only once it is stored.
    struct gather {
        std::vector<std::vector<publish_result>> results;  // per trigger, per channel
        std::size_t remaining = 0;
        net::http_responder respond;
        pusher::trigger_result request;
        bool batch = false;
    };
    auto g = std::make_shared<gather>();
    g->batch = batch;
    for (const auto& trig : parsed.triggers) {
        g->results.emplace_back(trig.channels.size());
        g->remaining += trig.channels.size();
    }
    for (std::size_t i = 0; i < parsed.triggers.size(); ++i) {
        const auto& trig = parsed.triggers[i];
        core::socket_id exclude;
        if (!trig.socket_id.empty()) (void)core::parse_socket_id(trig.socket_id, exclude);
        for (std::size_t j = 0; j < trig.channels.size(); ++j) {
            publication pub;
            pub.tenant = &t;
            pub.channel = trig.channels[j];
            pub.event = trig.event;
            pub.data = trig.data;
            pub.exclude = exclude;
            net::unique_callback<publish_result> done = [g, i, j, wants_info](publish_result r) {
                    g->results[i][j] = r;
                    if (--g->remaining > 0) return;
                    for (const auto& per_trigger : g->results)
                        for (const auto& res : per_trigger)
                            if (res.failed)
                                return g->respond(text_response(503, "The server is shutting down; the event was not stored"));
                    if (!wants_info) return g->respond(json_response(200, "{}"));
                    std::string body;
                    auto channel_info = [&](std::size_t ti, std::size_t ci) {
                        const auto& trig2 = g->request.triggers[ti];
                        const auto& res = g->results[ti][ci];
                        std::string o = "{";
                        bool first = true;
                        if (trig2.info_subscription_count) {
                            o += R"("subscription_count":)";
                            append_uint(o, res.subscription_count);
                            first = false;
                        }
                        if (trig2.info_user_count && core::classify_channel(trig2.channels[ci]).traits.kind ==
                                                         core::channel_kind::presence_channel) {
                            if (!first) o += ',';
                            o += R"("user_count":)";
                            append_uint(o, res.user_count);
                        }
                        o += '}';
                        return o;
                    };
                    if (!g->batch) {
                        body = R"({"channels":{)";
                        const auto& trig2 = g->request.triggers[0];
                        for (std::size_t c = 0; c < trig2.channels.size(); ++c) {
                            if (c) body += ',';
                            append_json_string(body, trig2.channels[c]);
                            body += ':';
                            body += channel_info(0, c);
                        }
                        body += "}}";
                    } else {
                        body = R"({"batch":[)";
                        for (std::size_t k = 0; k < g->request.triggers.size(); ++k) {
                            if (k) body += ',';
                            body += channel_info(k, 0);
                        }
                        body += "]}";
                    }
                    g->respond(json_response(200, std::move(body)));
            };
            hub_.publish(std::move(pub), std::move(done));
        }
    }
    g->request = std::move(parsed);
    g->respond = std::move(respond);
}

void pusher_http_api::channels(const core::tenant& t, const net::http_request& request, net::http_responder respond) {
    const auto params = pusher::parse_query(request.query);
    const std::string* prefix = pusher::find_param(params, "filter_by_prefix");
    const std::string* info = pusher::find_param(params, "info");
    const auto attrs = pusher::parse_info(info ? *info : "");
    const std::string filter = prefix ? *prefix : "";
    if (attrs.user_count && filter.rfind("presence-", 0) != 0 && filter.rfind("presence:", 0) != 0)
        return respond(text_response(400, "info=user_count is only allowed with filter_by_prefix=presence-"));
    hub_.query_channels(t, filter, [respond = std::move(respond), attrs](std::vector<channel_summary> rows) mutable {
        std::string body = R"({"channels":{)";
        bool first = true;
        for (const auto& row : rows) {
            if (!first) body += ',';
            first = false;
            append_json_string(body, row.name);
            body += ':';
            if (attrs.user_count && row.presence) {
                body += R"({"user_count":)";
                append_uint(body, row.user_count);
                body += '}';
            } else {
                body += "{}";
            }
        }
        body += "}}";
        respond(json_response(200, std::move(body)));
    });
}

void pusher_http_api::channel(const core::tenant& t, std::string name, const net::http_request& request,
                              net::http_responder respond) {
    const auto cls = core::classify_channel(name);
    if (!cls.valid()) return respond(text_response(400, "Invalid channel name: " + std::string(core::describe(cls.error))));
    const auto params = pusher::parse_query(request.query);
    const std::string* info = pusher::find_param(params, "info");
    const auto attrs = pusher::parse_info(info ? *info : "");
    const bool presence = cls.traits.kind == core::channel_kind::presence_channel;
    if (attrs.user_count && !presence)
        return respond(text_response(400, "info=user_count is only available for presence channels"));
    hub_.query_channel(t, std::move(name), [respond = std::move(respond), attrs, presence](channel_info ci) mutable {
        std::string body = R"({"occupied":)";
        body += ci.occupied ? "true" : "false";
        if (attrs.subscription_count) {
            body += R"(,"subscription_count":)";
            append_uint(body, ci.subscription_count);
        }
        if (attrs.user_count && presence) {
            body += R"(,"user_count":)";
            append_uint(body, ci.user_count);
        }
        if (attrs.cache) {
            body += R"(,"cache":)";
            body += ci.has_cache ? "true" : "false";
        }
        body += '}';
        respond(json_response(200, std::move(body)));
    });
}

void pusher_http_api::users(const core::tenant& t, std::string name, net::http_responder respond) {
    const auto cls = core::classify_channel(name);
    if (!cls.valid() || cls.traits.kind != core::channel_kind::presence_channel)
        return respond(text_response(400, "Users can only be listed for presence channels"));
    hub_.query_users(t, std::move(name), [respond = std::move(respond)](std::vector<std::string> ids) mutable {
        std::string body = R"({"users":[)";
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (i) body += ',';
            body += R"({"id":)";
            append_json_string(body, ids[i]);
            body += '}';
        }
        body += "]}";
        respond(json_response(200, std::move(body)));
    });
}

}  // namespace sb::api
