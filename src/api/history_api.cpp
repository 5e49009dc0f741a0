#include "api/history_api.hpp"

#include "api/receipts.hpp"
#include "api/responses.hpp"
#include "core/channel_grant.hpp"
#include "core/channel_name.hpp"
#include "core/time_format.hpp"
#include "history/storage_runner.hpp"
#include "net/shard.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/pusher/request_signature.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace sb::api {

namespace jsonapi = protocol::jsonapi;
using protocol::append_json_string;
using protocol::append_uint;

namespace {

constexpr std::size_t max_page = 100;
constexpr std::size_t max_import = 1000;

bool looks_like_message_id(std::string_view id) {
    if (id.size() != 30 || id.substr(0, 4) != "msg_") return false;
    for (char c : id.substr(4))
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
    return true;
}

// The stored data as JSON: itself when it is JSON, else a JSON string.
void append_data(std::string& out, const std::string& data) {
    if (nlohmann::json::accept(data))
        out += data;
    else
        append_json_string(out, data);
}

void append_message(std::string& out, const storage::message_record& m) {
    out += R"({"id":)";
    append_json_string(out, m.id);
    out += R"(,"type":"messages","attributes":{"channel_id":)";
    append_json_string(out, m.channel);
    out += R"(,"user_id":)";
    if (m.user_id.empty())
        out += "null";
    else
        append_json_string(out, m.user_id);
    out += R"(,"event":)";
    append_json_string(out, m.event);
    out += R"(,"data":)";
    append_data(out, m.data);
    out += R"(,"offset":)";
    append_uint(out, m.offset);
    out += R"(,"created_at":)";
    append_json_string(out, core::format_rfc3339(m.created_at_ms));
    out += "}}";
}

bool parse_count(const std::string& text, std::size_t& out) {
    auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    return r.ec == std::errc{} && r.ptr == text.data() + text.size();
}

// Answers on the shard that called, with a runner read.
template <class Job>
void read_then(hub& h, Job job, net::http_responder respond) {
    net::shard* origin = net::shard::current();
    auto shared = std::make_shared<net::http_responder>(std::move(respond));
    h.history()->read([origin, job = std::move(job), shared](storage::connection& conn) mutable {
        net::http_response r;
        try {
            r = job(conn);
        } catch (const std::exception& e) {
            r = jsonapi_error(jsonapi::codes::connection_failed(std::string("history store: ") + e.what()));
        }
        origin->post([shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
    });
}

}  // namespace

void history_api::handle(const rest_caller& caller, const net::http_request& request,
                         const std::vector<std::string_view>& segments, net::http_responder respond) {
    const bool get = request.method == "GET";
    const bool post = request.method == "POST";
    if (!hub_.history())
        return respond(jsonapi_error(jsonapi::codes::not_found("history is switched off on this server")));
    if (segments.size() == 4 && segments[2] == "messages" && segments[3] == "search" && get)
        return search(caller, request, std::move(respond));
    if (segments.size() < 5 || segments[2] != "channels")
        return respond(jsonapi_error(jsonapi::codes::not_found("no route for " + request.method + " " + request.path)));

    std::string channel = protocol::pusher::percent_decode(segments[3]);
    const auto cls = core::classify_channel(channel);
    if (!cls.valid()) return respond(jsonapi_error(jsonapi::codes::invalid_channel(std::string(core::describe(cls.error)))));
    if (!caller.may_use(channel))
        return respond(jsonapi_error(jsonapi::codes::unauthorized_channel(
            caller.user ? "the token does not grant " + channel
                        : "a publishable key needs a bearer token that grants " + channel)));
    if (!hub_.keeps_history(*caller.tenant, channel))
        return respond(jsonapi_error(jsonapi::codes::channel_not_found(channel + " keeps no history (see the app's history patterns)")));

    const std::string_view what = segments[4];
    if (what == "messages" && segments.size() == 5 && get) return page(caller, std::move(channel), request, std::move(respond));
    if (what == "messages" && segments.size() == 6 && segments[5] == "import" && post)
        return import(caller, std::move(channel), request, std::move(respond));
    if (what == "read" && segments.size() == 5 && post) return mark(caller, std::move(channel), request, std::move(respond));
    if (what == "messages" && segments.size() == 7 && segments[6] == "read" && get)
        return status(caller, std::move(channel), protocol::pusher::percent_decode(segments[5]), std::move(respond));
    respond(jsonapi_error(jsonapi::codes::not_found("no route for " + request.method + " " + request.path)));
}

void history_api::page(const rest_caller& caller, std::string channel, const net::http_request& request,
                       net::http_responder respond) {
    const auto params = protocol::pusher::parse_query(request.query);
    storage::page_query q;
    q.tenant = hub::storage_tenant(*caller.tenant);
    q.channel = std::move(channel);
    if (const auto* limit = protocol::pusher::find_param(params, "limit")) {
        if (!parse_count(*limit, q.limit) || q.limit < 1 || q.limit > max_page)
            return respond(jsonapi_error(jsonapi::codes::invalid_parameter("limit", "limit must be 1 to 100")));
    }
    for (const char* name : {"before", "after"}) {
        if (const auto* v = protocol::pusher::find_param(params, name)) {
            if (!looks_like_message_id(*v))
                return respond(jsonapi_error(jsonapi::codes::invalid_parameter(name, std::string(name) + " must be a message id (msg_…)")));
            (std::string_view(name) == "before" ? q.before_id : q.after_id) = *v;
        }
    }
    if (const auto* order = protocol::pusher::find_param(params, "order")) {
        if (*order == "asc")
            q.order = storage::sort_order::asc;
        else if (*order != "desc")
            return respond(jsonapi_error(jsonapi::codes::invalid_parameter("order", "order must be asc or desc")));
    }
    read_then(hub_, [q = std::move(q)](storage::connection& conn) {
        const auto result = conn.page(q);
        std::string body = R"({"data":[)";
        for (std::size_t i = 0; i < result.messages.size(); ++i) {
            if (i) body += ',';
            append_message(body, result.messages[i]);
        }
        body += R"(],"meta":{"has_more":)";
        body += result.has_more ? "true" : "false";
        // oldest/newest of the returned page: the cursors for the next page either way.
        std::string oldest, newest;
        for (const auto& m : result.messages) {
            if (oldest.empty() || m.id < oldest) oldest = m.id;
            if (newest.empty() || m.id > newest) newest = m.id;
        }
        body += R"(,"oldest_id":)";
        if (oldest.empty()) body += "null"; else append_json_string(body, oldest);
        body += R"(,"newest_id":)";
        if (newest.empty()) body += "null"; else append_json_string(body, newest);
        body += R"(,"limit":)";
        append_uint(body, q.limit);
        body += R"(,"order":)";
        body += q.order == storage::sort_order::asc ? R"("asc")" : R"("desc")";
        body += "}}";
        return jsonapi_response(200, std::move(body));
    }, std::move(respond));
}

void history_api::search(const rest_caller& caller, const net::http_request& request, net::http_responder respond) {
    const auto params = protocol::pusher::parse_query(request.query);
    storage::search_query q;
    q.tenant = hub::storage_tenant(*caller.tenant);
    const auto* text = protocol::pusher::find_param(params, "query");
    if (!text || text->empty() || text->size() > 200)
        return respond(jsonapi_error(jsonapi::codes::invalid_parameter("query", "query must be 1 to 200 characters")));
    q.text = *text;
    if (const auto* channel = protocol::pusher::find_param(params, "channel_id")) {
        const auto cls = core::classify_channel(*channel);
        if (!cls.valid()) return respond(jsonapi_error(jsonapi::codes::invalid_channel(std::string(core::describe(cls.error)))));
        if (!caller.may_use(*channel))
            return respond(jsonapi_error(jsonapi::codes::unauthorized_channel("the token does not grant " + *channel)));
        q.channel = *channel;
    } else if (!caller.secret_key) {
        return respond(jsonapi_error(jsonapi::codes::invalid_parameter("channel_id", "a token searches one granted channel: pass channel_id")));
    }
    if (const auto* limit = protocol::pusher::find_param(params, "limit")) {
        if (!parse_count(*limit, q.limit) || q.limit < 1 || q.limit > max_page)
            return respond(jsonapi_error(jsonapi::codes::invalid_parameter("limit", "limit must be 1 to 100")));
    }
    std::size_t page_number = 1;
    if (const auto* p = protocol::pusher::find_param(params, "page")) {
        if (!parse_count(*p, page_number) || page_number < 1 || page_number > 1000)
            return respond(jsonapi_error(jsonapi::codes::invalid_parameter("page", "page must be 1 to 1000")));
    }
    q.skip = (page_number - 1) * q.limit;
    read_then(hub_, [q = std::move(q), page_number](storage::connection& conn) {
        const auto result = conn.search(q);
        std::string body = R"({"data":[)";
        for (std::size_t i = 0; i < result.messages.size(); ++i) {
            if (i) body += ',';
            append_message(body, result.messages[i]);
        }
        body += R"(],"meta":{"has_more":)";
        body += result.has_more ? "true" : "false";
        body += R"(,"page":)";
        append_uint(body, page_number);
        body += R"(,"limit":)";
        append_uint(body, q.limit);
        body += R"(,"query":)";
        append_json_string(body, q.text);
        body += "}}";
        return jsonapi_response(200, std::move(body));
    }, std::move(respond));
}

void history_api::import(const rest_caller& caller, std::string channel, const net::http_request& request,
                         net::http_responder respond) {
    if (!caller.secret_key)
        return respond(jsonapi_error(jsonapi::codes::invalid_api_key("importing needs the app's secret key")));
    const auto doc = nlohmann::json::parse(request.body, nullptr, false);
    const nlohmann::json* messages = nullptr;
    if (!doc.is_discarded() && doc.is_object()) {
        auto data = doc.find("data");
        if (data != doc.end() && data->is_object()) {
            auto attrs = data->find("attributes");
            if (attrs != data->end() && attrs->is_object()) {
                auto m = attrs->find("messages");
                if (m != attrs->end() && m->is_array()) messages = &*m;
            }
        }
    }
    if (!messages || messages->empty() || messages->size() > max_import)
        return respond(jsonapi_error(jsonapi::codes::invalid_request(
            "data.attributes.messages must be an array of 1 to 1000 messages", "/data/attributes/messages")));
    std::vector<import_item> items;
    std::uint64_t previous = 0;
    for (std::size_t i = 0; i < messages->size(); ++i) {
        const auto& m = (*messages)[i];
        const std::string at = "/data/attributes/messages/" + std::to_string(i);
        if (!m.is_object()) return respond(jsonapi_error(jsonapi::codes::invalid_request("must be an object", at)));
        import_item item;
        auto created = m.find("created_at");
        std::optional<std::uint64_t> when;
        if (created != m.end() && created->is_string()) when = core::parse_rfc3339(created->get<std::string>());
        if (!when)
            return respond(jsonapi_error(jsonapi::codes::invalid_request("created_at must be an RFC 3339 time", at + "/created_at")));
        if (*when < previous)
            return respond(jsonapi_error(jsonapi::codes::invalid_request(
                "messages must be in chronological order (created_at never decreasing)", at + "/created_at")));
        previous = item.created_at_ms = *when;
        if (auto u = m.find("user_id"); u != m.end() && !u->is_null()) {
            if (!u->is_string() || u->get_ref<const std::string&>().size() > 128)
                return respond(jsonapi_error(jsonapi::codes::invalid_request("user_id must be a string", at + "/user_id")));
            item.user_id = u->get<std::string>();
        }
        item.event = "message";
        if (auto e = m.find("event"); e != m.end()) {
            if (!e->is_string() || e->get_ref<const std::string&>().empty() || e->get_ref<const std::string&>().size() > 200)
                return respond(jsonapi_error(jsonapi::codes::invalid_request("event must be a string of 1 to 200 characters", at + "/event")));
            item.event = e->get<std::string>();
        }
        auto d = m.find("data");
        if (d == m.end()) return respond(jsonapi_error(jsonapi::codes::invalid_request("data is required", at + "/data")));
        item.data = d->is_string() ? d->get<std::string>() : d->dump();
        if (item.data.size() > hub_.options().max_message_size)
            return respond(jsonapi_error(jsonapi::codes::payload_too_large("data of message " + std::to_string(i) + " is too large")));
        items.push_back(std::move(item));
    }
    auto names = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
    for (const auto& it : items) names->emplace_back(it.event, it.user_id);
    hub_.import_messages(*caller.tenant, channel, std::move(items),
                         [channel, names, respond = std::move(respond)](std::vector<publish_result> results) mutable {
                             if (results.empty())
                                 return respond(jsonapi_error(jsonapi::codes::connection_failed("the messages were not stored")));
                             std::string body = R"({"data":[)";
                             for (std::size_t i = 0; i < results.size(); ++i) {
                                 if (i) body += ',';
                                 body += R"({"id":)";
                                 append_json_string(body, results[i].id);
                                 body += R"(,"type":"messages","attributes":{"channel_id":)";
                                 append_json_string(body, channel);
                                 body += R"(,"event":)";
                                 append_json_string(body, (*names)[i].first);
                                 body += R"(,"offset":)";
                                 append_uint(body, results[i].offset);
                                 body += R"(,"created_at":)";
                                 append_json_string(body, core::format_rfc3339(results[i].created_at_ms));
                                 body += "}}";
                             }
                             body += R"(],"meta":{"imported":)";
                             append_uint(body, results.size());
                             body += "}}";
                             respond(jsonapi_response(201, std::move(body)));
                         });
}

void history_api::mark(const rest_caller& caller, std::string channel, const net::http_request& request,
                       net::http_responder respond) {
    const auto doc = nlohmann::json::parse(request.body, nullptr, false);
    const nlohmann::json* attrs = nullptr;
    if (!doc.is_discarded() && doc.is_object()) {
        auto data = doc.find("data");
        if (data != doc.end() && data->is_object()) {
            auto a = data->find("attributes");
            if (a != data->end() && a->is_object()) attrs = &*a;
        }
    }
    if (!attrs) return respond(jsonapi_error(jsonapi::codes::invalid_request("data.attributes must be an object", "/data/attributes")));
    auto id = attrs->find("message_id");
    if (id == attrs->end() || !id->is_string() || !looks_like_message_id(id->get_ref<const std::string&>()))
        return respond(jsonapi_error(jsonapi::codes::invalid_request("message_id must be a message id (msg_…)", "/data/attributes/message_id")));
    std::string user;
    if (auto u = attrs->find("user_id"); u != attrs->end() && u->is_string()) user = u->get<std::string>();
    if (caller.user) {
        if (!user.empty() && user != caller.user->user_id)
            return respond(jsonapi_error(jsonapi::codes::unauthorized_channel("a token marks messages read for its own user only")));
        user = caller.user->user_id;
    }
    if (user.empty() || user.size() > 128)
        return respond(jsonapi_error(jsonapi::codes::invalid_request("user_id is required", "/data/attributes/user_id")));
    const std::string message_id = id->get<std::string>();
    mark_read(hub_, *caller.tenant, channel, user, message_id,
              [channel, user, message_id, respond = std::move(respond)](mark_read_result r) mutable {
                  using st = mark_read_result::status;
                  if (r.outcome == st::unknown_message)
                      return respond(jsonapi_error(jsonapi::codes::not_found("no message " + message_id + " in " + channel)));
                  if (r.outcome == st::failed || r.outcome == st::no_history)
                      return respond(jsonapi_error(jsonapi::codes::connection_failed("the read receipt was not stored")));
                  std::string body = R"({"data":{"type":"read_receipt","id":)";
                  append_json_string(body, channel + "/" + user);
                  body += R"(,"attributes":{"channel_id":)";
                  append_json_string(body, channel);
                  body += R"(,"message_id":)";
                  append_json_string(body, message_id);
                  body += R"(,"user_id":)";
                  append_json_string(body, user);
                  body += R"(,"read_at":)";
                  append_json_string(body, core::format_rfc3339(r.read_at_ms));
                  body += R"(,"moved":)";
                  body += r.outcome == st::moved ? "true" : "false";
                  body += "}}}";
                  respond(jsonapi_response(200, std::move(body)));
              });
}

void history_api::status(const rest_caller& caller, std::string channel, std::string message_id,
                         net::http_responder respond) {
    if (!looks_like_message_id(message_id))
        return respond(jsonapi_error(jsonapi::codes::invalid_request("not a message id: " + message_id)));
    const bool deliveries = core::matches_any_grant(caller.tenant->config.delivery_receipt_channels, channel);
    read_then(hub_, [tenant = hub::storage_tenant(*caller.tenant), channel, message_id, deliveries](storage::connection& conn) {
        const auto m = conn.find(tenant, message_id);
        if (!m || m->channel != channel)
            return jsonapi_error(jsonapi::codes::not_found("no message " + message_id + " in " + channel));
        const auto status = conn.status_of(tenant, channel, message_id);
        std::string body = R"({"data":{"type":"read_status","id":)";
        append_json_string(body, message_id);
        body += R"(,"attributes":{"read_by":[)";
        for (std::size_t i = 0; i < status.read_by.size(); ++i) {
            if (i) body += ',';
            append_json_string(body, status.read_by[i]);
        }
        body += R"(],"read_count":)";
        append_uint(body, status.read_count);
        if (deliveries) {
            body += R"(,"delivered_count":)";
            append_uint(body, status.delivered_count);
        }
        body += "}}}";
        return jsonapi_response(200, std::move(body));
    }, std::move(respond));
}

}  // namespace sb::api
