#include "api/native_rest_api.hpp"

#include "api/responses.hpp"
#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "net/shard.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/jsonapi/publish_request.hpp"

#include <random>

namespace sb::api {

namespace jsonapi = protocol::jsonapi;
using protocol::append_json_string;

namespace {

bool is_json_content_type(std::string_view ct) {
    const auto semi = ct.find(';');
    std::string_view base = ct.substr(0, semi);
    while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
    return base == "application/json" || base == "application/vnd.api+json";
}

}  // namespace

native_rest_api::native_rest_api(hub& h) : hub_(h) {
    std::random_device rd;
    for (std::uint32_t i = 0; i < h.shards().size(); ++i)
        ids_.push_back(std::make_unique<core::ulid_generator>((std::uint64_t{rd()} << 32) ^ rd()));
}

void native_rest_api::handle(net::http_request request, net::http_responder respond) {
    const auto segments = split_path(request.path);  // v1, realtime, …
    const std::string_view app_id = request.header("x-app-id");
    const std::string_view api_key = request.header("x-api-key");
    if (app_id.empty())
        return respond(jsonapi_error(jsonapi::codes::invalid_request("the X-App-Id header is required")));
    const auto& apps = hub_.apps();
    if (!apps.has_app_id(app_id))
        return respond(jsonapi_error(jsonapi::codes::app_not_found("no app with id " + std::string(app_id))));
    if (api_key.empty())
        return respond(jsonapi_error(jsonapi::codes::invalid_api_key("the X-Api-Key header is required")));
    const core::tenant* tenant = apps.find_by_id_and_secret(app_id, api_key);
    if (!tenant)
        return respond(jsonapi_error(jsonapi::codes::invalid_api_key(
            "X-Api-Key is not a secret key of this app (publishable keys cannot publish)")));
    if (!tenant->config.enabled) return respond(jsonapi_error(jsonapi::codes::app_disabled("this app is disabled")));

    if (segments.size() >= 3 && segments[2] == "publish") {
        if (request.method != "POST")
            return respond(jsonapi_error(jsonapi::codes::method_not_allowed("use POST")));
        if (segments.size() == 3) return publish(*tenant, request, false, std::move(respond));
        if (segments.size() == 4 && segments[3] == "batch") return publish(*tenant, request, true, std::move(respond));
    }
    respond(jsonapi_error(jsonapi::codes::not_found("no route for " + request.method + " " + request.path)));
}

void native_rest_api::publish(const core::tenant& t, const net::http_request& request, bool batch,
                              net::http_responder respond) {
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
        !t.runtime->messages.try_acquire(core::steady_clock_ms(), *t.limits.max_messages_per_second,
                                         parsed.messages.size()))
        return respond(jsonapi_error(jsonapi::codes::rate_limit_exceeded(
            "the app is over its limit of " + std::to_string(*t.limits.max_messages_per_second) + " messages per second")));

    auto& ids = *ids_[net::shard::current()->index()];
    const std::uint64_t now = core::wall_clock_ms();
    const std::string created_at = core::format_rfc3339(now);
    std::string items;
    for (auto& m : parsed.messages) {
        const std::string id = ids.next("msg_", now);
        if (!items.empty()) items += ',';
        items += R"({"id":)";
        append_json_string(items, id);
        items += R"(,"type":"messages","attributes":{"channel_id":)";
        append_json_string(items, m.channel);
        items += R"(,"event":)";
        append_json_string(items, m.event);
        items += R"(,"created_at":)";
        append_json_string(items, created_at);
        items += "}}";
        publication pub;
        pub.tenant = &t;
        pub.channel = std::move(m.channel);
        pub.event = std::move(m.event);
        pub.data = std::move(m.data);
        if (!m.socket_id.empty()) (void)core::parse_socket_id(m.socket_id, pub.exclude);
        hub_.publish(std::move(pub), {});
    }
    std::string body = R"({"data":)";
    body += batch ? "[" + items + "]" : items;
    body += '}';
    respond(jsonapi_response(200, std::move(body)));
}

}  // namespace sb::api
