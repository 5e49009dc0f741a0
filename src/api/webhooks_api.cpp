#include "api/webhooks_api.hpp"

#include "api/responses.hpp"
#include "core/time_format.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/jsonapi/webhook_request.hpp"
#include "protocol/pusher/request_signature.hpp"
#include "webhooks/management.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace sb::api {

namespace jsonapi = protocol::jsonapi;
using protocol::append_json_string;
using protocol::append_uint;

namespace {

constexpr std::size_t default_page = 20;
constexpr std::size_t max_page = 100;

bool is_json_content_type(std::string_view ct) {
    const auto semi = ct.find(';');
    std::string_view base = ct.substr(0, semi);
    while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
    return base == "application/json" || base == "application/vnd.api+json";
}

void append_time_or_null(std::string& out, std::uint64_t ms) {
    if (ms == 0)
        out += "null";
    else
        append_json_string(out, core::format_rfc3339(ms));
}

void append_string_or_null(std::string& out, std::string_view s) {
    if (s.empty())
        out += "null";
    else
        append_json_string(out, s);
}

void append_strings(std::string& out, const std::vector<std::string>& items) {
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, items[i]);
    }
    out += ']';
}

void append_webhook(std::string& out, const storage::webhook_record& w, std::size_t backlog) {
    out += R"({"id":)";
    append_json_string(out, w.id);
    out += R"(,"type":"webhooks","attributes":{"url":)";
    append_json_string(out, w.url);
    out += R"(,"events":)";
    append_strings(out, w.events);
    out += R"(,"channels":)";
    append_strings(out, w.channels);
    out += R"(,"format":)";
    append_json_string(out, w.format);
    out += R"(,"active":)";
    out += w.active ? "true" : "false";
    out += R"(,"secret":)";
    append_string_or_null(out, w.secret);
    out += R"(,"source":)";
    append_json_string(out, w.source);
    out += R"(,"disabled_reason":)";
    append_string_or_null(out, w.disabled_reason);
    out += R"(,"disabled_at":)";
    append_time_or_null(out, w.disabled_at_ms);
    out += R"(,"consecutive_failures":)";
    append_uint(out, w.consecutive_failures);
    out += R"(,"failing_since":)";
    append_time_or_null(out, w.failing_since_ms);
    out += R"(,"created_at":)";
    append_time_or_null(out, w.created_at_ms);
    out += R"(,"updated_at":)";
    append_time_or_null(out, w.updated_at_ms);
    out += R"(},"meta":{"backlog":)";
    append_uint(out, backlog);
    out += R"(},"links":{"self":)";
    append_json_string(out, "/v1/realtime/webhooks/" + w.id);
    out += R"(,"deliveries":)";
    append_json_string(out, "/v1/realtime/webhooks/" + w.id + "/deliveries");
    out += "}}";
}

void append_delivery(std::string& out, const webhooks::delivery_view& v) {
    const auto& d = v.delivery;
    out += R"({"id":)";
    append_json_string(out, d.id);
    out += R"(,"type":"webhook_deliveries","attributes":{"webhook_id":)";
    append_json_string(out, d.webhook_id);
    out += R"(,"event_id":)";
    append_json_string(out, d.event_id);
    out += R"(,"event_type":)";
    append_json_string(out, d.event_type);
    out += R"(,"channel":)";
    append_string_or_null(out, d.channel);
    out += R"(,"status":)";
    append_json_string(out, storage::to_string(d.status));
    out += R"(,"attempt_count":)";
    append_uint(out, d.attempts);
    out += R"(,"next_attempt_at":)";
    append_time_or_null(out,
                        d.status == storage::delivery_status::pending ? d.next_attempt_at_ms : 0);
    out += R"(,"last_status_code":)";
    if (d.last_status_code)
        append_uint(out, static_cast<std::uint64_t>(d.last_status_code));
    else
        out += "null";
    out += R"(,"last_error":)";
    append_string_or_null(out, d.last_error);
    out += R"(,"last_latency_ms":)";
    if (d.attempts)
        append_uint(out, d.last_latency_ms);
    else
        out += "null";
    out += R"(,"created_at":)";
    append_time_or_null(out, d.created_at_ms);
    out += R"(,"updated_at":)";
    append_time_or_null(out, d.updated_at_ms);
    out += R"(,"completed_at":)";
    append_time_or_null(out, d.completed_at_ms);
    out += R"(,"redelivery_of":)";
    append_string_or_null(out, d.redelivery_of);
    out += R"(,"payload":)";
    if (nlohmann::json::accept(d.body))
        out += d.body;
    else
        append_json_string(out, d.body);
    out += R"(,"attempts":[)";
    for (std::size_t i = 0; i < v.attempts.size(); ++i) {
        const auto& a = v.attempts[i];
        if (i) out += ',';
        out += R"({"number":)";
        append_uint(out, a.number);
        out += R"(,"started_at":)";
        append_time_or_null(out, a.started_at_ms);
        out += R"(,"status_code":)";
        if (a.status_code)
            append_uint(out, static_cast<std::uint64_t>(a.status_code));
        else
            out += "null";
        out += R"(,"error":)";
        append_string_or_null(out, a.error);
        out += R"(,"latency_ms":)";
        append_uint(out, a.latency_ms);
        out += R"(,"response_body":)";
        append_string_or_null(out, a.response_body);
        out += '}';
    }
    out += "]}}";
}

bool parse_count(const std::string& text, std::size_t& out) {
    auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    return r.ec == std::errc{} && r.ptr == text.data() + text.size();
}

}  // namespace

void webhooks_api::handle(const rest_caller& caller, const net::http_request& request,
                          const std::vector<std::string_view>& segments,
                          net::http_responder respond) {
    (void)hub_;
    if (!service_)
        return respond(
            jsonapi_error(jsonapi::codes::not_found("webhooks are switched off on this server")));
    if (!caller.secret_key)
        return respond(jsonapi_error(
            jsonapi::codes::invalid_api_key("managing webhooks needs the app's secret key")));
    const core::tenant& tenant = *caller.tenant;
    const std::string& method = request.method;
    const bool with_body = method == "POST" || method == "PATCH";
    const bool redeliver =
        segments.size() == 7 && segments[4] == "deliveries" && segments[6] == "redeliver";
    if (with_body && !redeliver && !is_json_content_type(request.header("content-type")))
        return respond(jsonapi_error(jsonapi::codes::unsupported_media_type(
            "send the body as application/json or application/vnd.api+json")));
    auto not_allowed = [&](const char* allowed) {
        auto r = jsonapi_error(jsonapi::codes::method_not_allowed(std::string("use ") + allowed));
        r.headers.emplace_back("Allow", allowed);
        respond(std::move(r));
    };
    auto answer_webhook = [](int status, net::http_responder& out) {
        return [status, out = std::move(out)](webhooks::webhook_result r) mutable {
            if (!r.errors.empty()) return out(jsonapi_errors(r.errors));
            if (status == 204) return out(jsonapi_response(204, ""));
            std::string body = R"({"data":)";
            append_webhook(body, *r.webhook, r.backlog);
            body += '}';
            out(jsonapi_response(status, std::move(body)));
        };
    };

    if (segments.size() == 3) {  // /webhooks
        if (method == "POST") {
            auto parsed = jsonapi::parse_webhook_request(request.body);
            if (!parsed.errors.empty()) return respond(jsonapi_errors(parsed.errors));
            return service_->create(tenant, std::move(parsed.fields), answer_webhook(201, respond));
        }
        if (method == "GET") {
            return service_->list(
                tenant, [out = std::move(respond)](webhooks::webhook_list_result r) mutable {
                    if (!r.errors.empty()) return out(jsonapi_errors(r.errors));
                    std::string body = R"({"data":[)";
                    for (std::size_t i = 0; i < r.webhooks.size(); ++i) {
                        if (i) body += ',';
                        append_webhook(body, r.webhooks[i], r.backlogs[i]);
                    }
                    body += R"(],"meta":{"count":)";
                    append_uint(body, r.webhooks.size());
                    body += "}}";
                    out(jsonapi_response(200, std::move(body)));
                });
        }
        return not_allowed("GET, POST");
    }

    std::string id = protocol::pusher::percent_decode(segments[3]);
    if (segments.size() == 4) {  // /webhooks/:id
        if (method == "GET")
            return service_->get(tenant, std::move(id), answer_webhook(200, respond));
        if (method == "PATCH") {
            auto parsed = jsonapi::parse_webhook_request(request.body, id);
            if (!parsed.errors.empty()) return respond(jsonapi_errors(parsed.errors));
            return service_->update(tenant, std::move(id), std::move(parsed.fields),
                                    answer_webhook(200, respond));
        }
        if (method == "DELETE")
            return service_->remove(tenant, std::move(id), answer_webhook(204, respond));
        return not_allowed("GET, PATCH, DELETE");
    }

    if (segments.size() == 5 && segments[4] == "deliveries") {
        if (method != "GET") return not_allowed("GET");
        const auto params = protocol::pusher::parse_query(request.query);
        storage::delivery_query q;
        q.webhook_id = std::move(id);
        q.limit = default_page;
        if (const auto* limit = protocol::pusher::find_param(params, "limit")) {
            if (!parse_count(*limit, q.limit) || q.limit < 1 || q.limit > max_page)
                return respond(jsonapi_error(
                    jsonapi::codes::invalid_parameter("limit", "limit must be 1 to 100")));
        }
        if (const auto* status = protocol::pusher::find_param(params, "status")) {
            q.status = storage::parse_delivery_status(*status);
            if (!q.status)
                return respond(jsonapi_error(jsonapi::codes::invalid_parameter(
                    "status",
                    "status must be queued, pending, in_flight, succeeded, failed or skipped")));
        }
        if (const auto* before = protocol::pusher::find_param(params, "before")) {
            std::size_t seq = 0;
            if (!parse_count(*before, seq) || seq == 0)
                return respond(jsonapi_error(jsonapi::codes::invalid_parameter(
                    "before", "before must be the meta.next_before of the previous page")));
            q.before_seq = static_cast<std::int64_t>(seq);
        }
        return service_->deliveries(
            tenant, std::move(q), [out = std::move(respond)](webhooks::delivery_page r) mutable {
                if (!r.errors.empty()) return out(jsonapi_errors(r.errors));
                std::string body = R"({"data":[)";
                for (std::size_t i = 0; i < r.deliveries.size(); ++i) {
                    if (i) body += ',';
                    append_delivery(body, r.deliveries[i]);
                }
                body += R"(],"meta":{"has_more":)";
                body += r.has_more ? "true" : "false";
                body += R"(,"next_before":)";
                if (r.has_more && !r.deliveries.empty())
                    append_json_string(body, std::to_string(r.deliveries.back().delivery.seq));
                else
                    body += "null";
                body += "}}";
                out(jsonapi_response(200, std::move(body)));
            });
    }

    if (redeliver) {
        if (method != "POST") return not_allowed("POST");
        return service_->redeliver(tenant, std::move(id),
                                   protocol::pusher::percent_decode(segments[5]),
                                   [out = std::move(respond)](webhooks::delivery_result r) mutable {
                                       if (!r.errors.empty()) return out(jsonapi_errors(r.errors));
                                       std::string body = R"({"data":)";
                                       append_delivery(body, *r.delivery);
                                       body += '}';
                                       out(jsonapi_response(202, std::move(body)));
                                   });
    }
    respond(jsonapi_error(
        jsonapi::codes::not_found("no route for " + request.method + " " + request.path)));
}

}  // namespace sb::api
