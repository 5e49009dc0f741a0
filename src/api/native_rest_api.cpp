#include "api/native_rest_api.hpp"

#include "api/conversations_api.hpp"
#include "api/history_api.hpp"
#include "api/webhooks_api.hpp"
#include "api/webrtc_api.hpp"
#include "api/responses.hpp"
#include "core/channel_grant.hpp"
#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "net/shard.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/jsonapi/publish_request.hpp"
#include "protocol/jsonapi/token_request.hpp"

#include <random>
#include <variant>

namespace sb::api {

namespace jsonapi = protocol::jsonapi;
using protocol::append_json_string;

bool rest_caller::may_use(std::string_view channel) const {
    if (secret_key) return true;
    return user && core::matches_any_grant(user->channels, channel);
}

namespace {

bool is_json_content_type(std::string_view ct) {
    const auto semi = ct.find(';');
    std::string_view base = ct.substr(0, semi);
    while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
    return base == "application/json" || base == "application/vnd.api+json";
}

// Checks X-App-Id, X-Api-Key and the bearer token.
std::variant<rest_caller, jsonapi::error> authenticate(const core::app_registry& apps, const net::http_request& request) {
    const std::string_view app_id = request.header("x-app-id");
    const std::string_view api_key = request.header("x-api-key");
    if (app_id.empty()) return jsonapi::codes::invalid_request("the X-App-Id header is required");
    if (!apps.has_app_id(app_id)) return jsonapi::codes::app_not_found("no app with id " + std::string(app_id));
    if (api_key.empty()) return jsonapi::codes::invalid_api_key("the X-Api-Key header is required");
    rest_caller caller;
    if (const core::tenant* t = apps.find_by_id_and_secret(app_id, api_key)) {
        caller.tenant = t;
        caller.secret_key = true;
    } else if (const core::tenant* k = apps.find_by_key(api_key); k && k->config.id == app_id) {
        caller.tenant = k;
    } else {
        return jsonapi::codes::invalid_api_key("X-Api-Key is neither a secret nor a publishable key of this app");
    }
    if (!caller.tenant->config.enabled) return jsonapi::codes::app_disabled("this app is disabled");
    std::string_view auth = request.header("authorization");
    if (auth.rfind("Bearer ", 0) == 0) {
        auto verified = protocol::token::verify(auth.substr(7), caller.tenant->config.secret, core::wall_clock_ms() / 1000);
        if (!verified.token) return jsonapi::codes::invalid_token(std::string(protocol::token::describe(verified.error)));
        if (verified.token->app_id != caller.tenant->config.id ||
            (!verified.token->environment.empty() && verified.token->environment != core::to_string(caller.tenant->env)))
            return jsonapi::codes::invalid_token("token was issued for another app or environment");
        caller.user = std::move(verified.token);
    } else if (!auth.empty()) {
        return jsonapi::codes::invalid_token("Authorization must be \"Bearer <token>\"");
    }
    return caller;
}

}  // namespace

native_rest_api::~native_rest_api() = default;

native_rest_api::native_rest_api(hub& h)
    : hub_(h),
      history_(std::make_unique<history_api>(h)),
      webhooks_(std::make_unique<webhooks_api>(h)),
      conversations_(std::make_unique<conversations_api>(h)),
      webrtc_(std::make_unique<webrtc_api>(h)) {
    std::random_device rd;
    for (std::uint32_t i = 0; i < h.shards().size(); ++i)
        ids_.push_back(std::make_unique<core::ulid_generator>((std::uint64_t{rd()} << 32) ^ rd()));
}

void native_rest_api::handle(net::http_request request, net::http_responder respond) {
    const auto segments = split_path(request.path);  // v1, realtime, …
    auto auth = authenticate(hub_.apps(), request);
    if (auto* error = std::get_if<jsonapi::error>(&auth)) return respond(jsonapi_error(*error));
    const rest_caller& caller = std::get<rest_caller>(auth);
    const bool post = request.method == "POST";

    if (conversations_api::owns(request.path)) return conversations_->handle(caller, request, segments, std::move(respond));
    if (segments.size() >= 3 && segments[2] == "webhooks") return webhooks_->handle(caller, request, segments, std::move(respond));
    if (segments.size() >= 3 && segments[2] == "webrtc") return webrtc_->handle(caller, request, segments, std::move(respond));
    if (segments.size() >= 3 && segments[2] == "publish") {
        if (!caller.secret_key)
            return respond(jsonapi_error(jsonapi::codes::invalid_api_key("publishing needs the app's secret key")));
        if (!post) return respond(jsonapi_error(jsonapi::codes::method_not_allowed("use POST")));
        if (segments.size() == 3) return publish(caller, request, false, std::move(respond));
        if (segments.size() == 4 && segments[3] == "batch") return publish(caller, request, true, std::move(respond));
    }
    if (segments.size() == 3 && segments[2] == "tokens") {
        if (!caller.secret_key)
            return respond(jsonapi_error(jsonapi::codes::invalid_api_key("minting tokens needs the app's secret key")));
        if (!post) return respond(jsonapi_error(jsonapi::codes::method_not_allowed("use POST")));
        return mint_token(caller, request, std::move(respond));
    }
    if (segments.size() >= 3 && (segments[2] == "channels" || segments[2] == "messages"))
        return history_->handle(caller, request, segments, std::move(respond));
    respond(jsonapi_error(jsonapi::codes::not_found("no route for " + request.method + " " + request.path)));
}

void native_rest_api::publish(const rest_caller& caller, const net::http_request& request, bool batch,
                              net::http_responder respond) {
    const core::tenant& t = *caller.tenant;
    if (!is_json_content_type(request.header("content-type")))
        return respond(jsonapi_error(jsonapi::codes::unsupported_media_type(
            "send the body as application/json or application/vnd.api+json")));
    const std::size_t max_data = hub_.options().max_message_size;
    auto parsed = batch ? jsonapi::parse_publish_batch(request.body, max_data) : jsonapi::parse_publish(request.body, max_data);
    if (!parsed.errors.empty()) return respond(jsonapi_errors(parsed.errors));
    for (const auto& m : parsed.messages) {
        core::socket_id ignored;
        if (!m.socket_id.empty() && !core::parse_socket_id(m.socket_id, ignored))
            return respond(jsonapi_error(jsonapi::codes::invalid_request("socket_id must look like 123.456",
                                                                         "/data/attributes/socket_id")));
    }
    if (t.limits.max_messages_per_second &&
        !t.runtime->try_count_messages(core::steady_clock_ms(), *t.limits.max_messages_per_second,
                                         parsed.messages.size()))
        return respond(jsonapi_error(jsonapi::codes::rate_limit_exceeded(
            "the app is over its limit of " + std::to_string(*t.limits.max_messages_per_second) + " messages per second")));

    // The answer lists every message with the id the home shard gave it.
    struct gather {
        std::vector<publish_result> results;
        std::vector<std::pair<std::string, std::string>> names;  // channel, event
        std::size_t remaining = 0;
        bool batch = false;
        net::http_responder respond;
    };
    auto g = std::make_shared<gather>();
    g->results.resize(parsed.messages.size());
    g->remaining = parsed.messages.size();
    g->batch = batch;
    g->respond = std::move(respond);
    for (std::size_t i = 0; i < parsed.messages.size(); ++i) {
        auto& m = parsed.messages[i];
        g->names.emplace_back(m.channel, m.event);
        publication pub;
        pub.tenant = &t;
        pub.channel = std::move(m.channel);
        pub.event = std::move(m.event);
        pub.data = std::move(m.data);
        pub.idempotency_key = std::move(m.idempotency_key);
        if (!m.socket_id.empty()) (void)core::parse_socket_id(m.socket_id, pub.exclude);
        hub_.publish(std::move(pub), [g, i](publish_result r) {
            g->results[i] = std::move(r);
            if (--g->remaining > 0) return;
            for (const auto& res : g->results)
                if (res.failed)
                    return g->respond(jsonapi_error(jsonapi::codes::connection_failed(
                        "the server is shutting down; the message was not stored")));
            std::string items;
            for (std::size_t k = 0; k < g->results.size(); ++k) {
                const auto& res = g->results[k];
                if (k) items += ',';
                items += R"({"id":)";
                append_json_string(items, res.id);
                items += R"(,"type":"messages","attributes":{"channel_id":)";
                append_json_string(items, g->names[k].first);
                items += R"(,"event":)";
                append_json_string(items, g->names[k].second);
                if (res.offset) {
                    items += R"(,"offset":)";
                    protocol::append_uint(items, res.offset);
                }
                items += R"(,"created_at":)";
                append_json_string(items, core::format_rfc3339(res.created_at_ms));
                items += "}}";
            }
            std::string body = R"({"data":)";
            body += g->batch ? "[" + items + "]" : items;
            body += '}';
            g->respond(jsonapi_response(200, std::move(body)));
        });
    }
}

void native_rest_api::mint_token(const rest_caller& caller, const net::http_request& request, net::http_responder respond) {
    if (!is_json_content_type(request.header("content-type")))
        return respond(jsonapi_error(jsonapi::codes::unsupported_media_type(
            "send the body as application/json or application/vnd.api+json")));
    auto parsed = jsonapi::parse_token_request(request.body, hub_.options().max_user_info_size);
    if (!parsed.errors.empty()) return respond(jsonapi_errors(parsed.errors));
    const core::tenant& t = *caller.tenant;
    protocol::token::claims c;
    c.app_id = t.config.id;
    c.environment = std::string(core::to_string(t.env));
    c.user_id = parsed.user_id;
    c.user_info_json = parsed.user_info_json;
    c.channels = parsed.channels;
    const std::uint64_t now_ms = core::wall_clock_ms();
    c.issued_at_s = now_ms / 1000;
    c.expires_at_s = c.issued_at_s + parsed.expires_in_s;
    c.token_id = ids_[net::shard::current()->index()]->next("tok_", now_ms);
    const std::string jwt = protocol::token::mint(c, t.config.secret);

    std::string body = R"({"data":{"type":"tokens","id":)";
    append_json_string(body, c.token_id);
    body += R"(,"attributes":{"token":)";
    append_json_string(body, jwt);
    body += R"(,"user_id":)";
    append_json_string(body, c.user_id);
    body += R"(,"channels":[)";
    for (std::size_t i = 0; i < c.channels.size(); ++i) {
        if (i) body += ',';
        append_json_string(body, c.channels[i]);
    }
    body += R"(],"expires_at":)";
    append_json_string(body, core::format_rfc3339(c.expires_at_s * 1000));
    body += "}}}";
    respond(jsonapi_response(201, std::move(body)));
}

}  // namespace sb::api
