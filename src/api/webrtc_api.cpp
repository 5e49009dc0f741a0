#include "api/webrtc_api.hpp"

#include "api/responses.hpp"
#include "api/webrtc_recordings.hpp"
#include "api/webrtc_signaling.hpp"
#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "crypto/crypto.hpp"
#include "webhooks/event_sink.hpp"
#include "webrtc/janus_recorder.hpp"
#include "webrtc/room_registry.hpp"
#include "webrtc/room_token.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <variant>

namespace sb::api {

namespace jsonapi = protocol::jsonapi;
using json = nlohmann::json;

namespace {

constexpr std::uint64_t max_token_ttl_s = 30ull * 24 * 3600;

jsonapi::error room_not_found(std::string_view id) {
    return {404, "room_not_found", "Room not found", "no room " + std::string(id) + " (it may have ended)", {}};
}

bool is_json_content_type(std::string_view ct) {
    const auto semi = ct.find(';');
    std::string_view base = ct.substr(0, semi);
    while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
    return base == "application/json" || base == "application/vnd.api+json";
}

json settings_json(const webrtc::room_settings& s) {
    return {{"video", {{"enabled", s.video_enabled}, {"quality", s.video_quality}}},
            {"audio", {{"enabled", s.audio_enabled}, {"noise_suppression", s.noise_suppression}}},
            {"screen_sharing", {{"enabled", s.screen_sharing_enabled}}}};
}

// The base of join_url: webrtc.public_url, else the scheme and Host the request came with.
std::string public_base(const webrtc::options& o, const net::http_request& request) {
    std::string base = o.public_url;
    if (base.empty()) {
        const std::string_view proto = request.header("x-forwarded-proto");
        const std::string_view host = request.header("host");
        base = std::string(proto == "https" ? "https" : "http") + "://" + std::string(host.empty() ? "localhost" : host);
    }
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base;
}

std::string percent_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char ch : s) {
        if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out += static_cast<char>(ch);
        } else {
            out += '%';
            out += hex[ch >> 4];
            out += hex[ch & 15];
        }
    }
    return out;
}

std::string room_token(const core::tenant& t, const webrtc::room& r) {
    return webrtc::mint_room_token({t.config.id, std::string(core::to_string(t.env)), r.id, r.created_at_ms / 1000,
                                    r.token_expires_at_s},
                                   t.config.secret);
}

json room_resource(const core::tenant& t, const webrtc::room& r, std::size_t participants, const std::string& base) {
    const std::string token = room_token(t, r);
    const std::string join_url = base + "/demo/call?room=" + percent_encode(r.id) + "&key=" + percent_encode(t.config.key) +
                                 "#token=" + token;
    return {{"id", r.id},
            {"type", "webrtc_rooms"},
            {"attributes",
             {{"name", r.name},
              {"join_url", join_url},
              {"token", token},
              {"token_expires_at", core::format_rfc3339(r.token_expires_at_s * 1000)},
              {"max_participants", r.max_participants},
              {"recording_enabled", r.recording_enabled},
              {"settings", settings_json(r.settings)},
              {"participant_count", participants},
              {"created_at", core::format_rfc3339(r.created_at_ms)},
              {"updated_at", core::format_rfc3339(r.updated_at_ms)}}},
            {"links", {{"self", "/v1/realtime/webrtc/rooms/" + r.id}}}};
}

// Reads one optional field of the request's attributes into `out` (types checked).
struct attribute_reader {
    std::vector<jsonapi::error> errors;

    template <class F>
    void boolean(const json& obj, const char* key, const std::string& pointer, F&& set) {
        auto it = obj.find(key);
        if (it == obj.end()) return;
        if (!it->is_boolean())
            errors.push_back(jsonapi::codes::invalid_request(std::string(key) + " must be true or false", pointer));
        else
            set(it->get<bool>());
    }
    const json* object(const json& obj, const char* key, const std::string& pointer,
                       std::initializer_list<std::string_view> known) {
        auto it = obj.find(key);
        if (it == obj.end()) return nullptr;
        if (!it->is_object()) {
            errors.push_back(jsonapi::codes::invalid_request(std::string(key) + " must be an object", pointer));
            return nullptr;
        }
        for (const auto& [k, v] : it->items())
            if (std::find(known.begin(), known.end(), k) == known.end())
                errors.push_back(jsonapi::codes::invalid_request("unknown attribute " + std::string(key) + "." + k, pointer + "/" + k));
        return &*it;
    }
};

// Applies the attributes of a create or patch request to `r`. Errors are JSON:API errors with pointers.
std::vector<jsonapi::error> apply_attributes(const json& attrs, webrtc::room& r, const webrtc::options& o,
                                             std::uint64_t now_s, bool creating) {
    attribute_reader in;
    static constexpr std::array<std::string_view, 5> known = {"name", "max_participants", "recording_enabled",
                                                              "settings", "token_expires_in"};
    for (const auto& [k, v] : attrs.items())
        if (std::find(known.begin(), known.end(), k) == known.end())
            in.errors.push_back(jsonapi::codes::invalid_request("unknown attribute " + k, "/data/attributes/" + k));
    if (auto it = attrs.find("name"); it != attrs.end()) {
        if (!it->is_string() || it->get_ref<const std::string&>().empty() || it->get_ref<const std::string&>().size() > 200)
            in.errors.push_back(jsonapi::codes::invalid_request("name must be a string of 1 to 200 characters",
                                                                "/data/attributes/name"));
        else
            r.name = it->get<std::string>();
    }
    if (auto it = attrs.find("max_participants"); it != attrs.end()) {
        if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > o.max_participants)
            in.errors.push_back(jsonapi::codes::invalid_request(
                "max_participants must be an integer from 1 to " + std::to_string(o.max_participants) +
                    " (a mesh call sends every stream to every participant)",
                "/data/attributes/max_participants"));
        else
            r.max_participants = static_cast<std::uint32_t>(it->get<std::int64_t>());
    }
    in.boolean(attrs, "recording_enabled", "/data/attributes/recording_enabled", [&](bool v) { r.recording_enabled = v; });
    if (r.recording_enabled && o.janus_url.empty())
        in.errors.push_back({422, "recording_unavailable", "Recording unavailable",
                             "recording_enabled needs a media server: this server has no webrtc.janus_url configured",
                             "/data/attributes/recording_enabled"});
    if (auto it = attrs.find("token_expires_in"); it != attrs.end()) {
        if (!creating)
            in.errors.push_back(jsonapi::codes::invalid_request("token_expires_in can only be given when creating a room",
                                                                "/data/attributes/token_expires_in"));
        else if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
                 static_cast<std::uint64_t>(it->get<std::int64_t>()) > max_token_ttl_s)
            in.errors.push_back(jsonapi::codes::invalid_request("token_expires_in must be 1 to 2592000 seconds",
                                                                "/data/attributes/token_expires_in"));
        else
            r.token_expires_at_s = now_s + static_cast<std::uint64_t>(it->get<std::int64_t>());
    }
    if (const json* s = in.object(attrs, "settings", "/data/attributes/settings", {"video", "audio", "screen_sharing"})) {
        const std::string base = "/data/attributes/settings";
        if (const json* v = in.object(*s, "video", base + "/video", {"enabled", "quality"})) {
            in.boolean(*v, "enabled", base + "/video/enabled", [&](bool b) { r.settings.video_enabled = b; });
            if (auto q = v->find("quality"); q != v->end()) {
                if (!q->is_string() || (*q != "sd" && *q != "hd" && *q != "fhd"))
                    in.errors.push_back(jsonapi::codes::invalid_request("settings.video.quality must be \"sd\", \"hd\" or \"fhd\"",
                                                                        base + "/video/quality"));
                else
                    r.settings.video_quality = q->get<std::string>();
            }
        }
        if (const json* a = in.object(*s, "audio", base + "/audio", {"enabled", "noise_suppression"})) {
            in.boolean(*a, "enabled", base + "/audio/enabled", [&](bool b) { r.settings.audio_enabled = b; });
            in.boolean(*a, "noise_suppression", base + "/audio/noise_suppression",
                       [&](bool b) { r.settings.noise_suppression = b; });
        }
        if (const json* sc = in.object(*s, "screen_sharing", base + "/screen_sharing", {"enabled"}))
            in.boolean(*sc, "enabled", base + "/screen_sharing/enabled", [&](bool b) { r.settings.screen_sharing_enabled = b; });
    }
    return in.errors;
}

// The attributes object of a JSON:API request body, or the errors that prevent reading it.
std::variant<json, std::vector<jsonapi::error>> request_attributes(const net::http_request& request) {
    if (!is_json_content_type(request.header("content-type")))
        return std::vector{jsonapi::codes::unsupported_media_type("send the body as application/json or application/vnd.api+json")};
    json doc = json::parse(request.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return std::vector{jsonapi::codes::invalid_request("the body must be a JSON object")};
    auto data = doc.find("data");
    if (data == doc.end() || !data->is_object())
        return std::vector{jsonapi::codes::invalid_request("the body needs a data object", "/data")};
    if (auto type = data->find("type"); type != data->end() && *type != "webrtc_rooms")
        return std::vector{jsonapi::codes::invalid_request("data.type must be \"webrtc_rooms\"", "/data/type")};
    auto attrs = data->find("attributes");
    if (attrs == data->end()) return json::object();
    if (!attrs->is_object())
        return std::vector{jsonapi::codes::invalid_request("data.attributes must be an object", "/data/attributes")};
    return *attrs;
}

}  // namespace

void webrtc_api::handle(const rest_caller& caller, const net::http_request& request,
                        const std::vector<std::string_view>& segments, net::http_responder respond) {
    webrtc::room_registry* reg = hub_.webrtc();
    if (!reg) return respond(jsonapi_error(jsonapi::codes::not_found("this server has no WebRTC rooms")));
    if (!caller.secret_key)
        return respond(jsonapi_error(jsonapi::codes::invalid_api_key("WebRTC rooms need the app's secret key")));
    if (segments.size() < 4 || segments[3] != "rooms")
        return respond(jsonapi_error(jsonapi::codes::not_found("no route for " + request.method + " " + request.path)));
    const core::tenant& t = *caller.tenant;
    const std::string tenant = hub::storage_tenant(t);
    const std::string& m = request.method;
    if (segments.size() == 4) {
        if (m == "POST") return create(caller, request, std::move(respond));
        if (m != "GET") return respond(jsonapi_error(jsonapi::codes::method_not_allowed("use GET or POST")));
        json items = json::array();
        const std::string base = public_base(reg->settings(), request);
        for (const auto& [r, n] : reg->list(tenant)) items.push_back(room_resource(t, r, n, base));
        const std::size_t count = items.size();
        return respond(jsonapi_response(200, json{{"data", std::move(items)}, {"meta", {{"count", count}}}}.dump()));
    }
    const std::string id(segments[4]);
    if (segments.size() == 5) {
        if (m == "GET") {
            auto r = reg->find(tenant, id);
            if (!r) return respond(jsonapi_error(room_not_found(id)));
            const auto n = reg->participants(tenant, id).value_or(std::vector<webrtc::participant>{}).size();
            return respond(jsonapi_response(200, json{{"data", room_resource(t, *r, n, public_base(reg->settings(), request))}}.dump()));
        }
        if (m == "PATCH") return patch(caller, id, request, std::move(respond));
        if (m == "DELETE") {
            const auto ending = reg->find(tenant, id);
            auto gone = reg->end(tenant, id);
            if (!gone) return respond(jsonapi_error(room_not_found(id)));
            if (ending) finish_webrtc_recording(hub_, *ending);
            for (const auto& d : *gone) emit_webrtc_participant(hub_, tenant, id, d.who, false, d.reason);
            net::http_response r;
            r.status = 204;
            return respond(std::move(r));
        }
        return respond(jsonapi_error(jsonapi::codes::method_not_allowed("use GET, PATCH or DELETE")));
    }
    if (segments.size() == 6 && segments[5] == "recordings") {
        if (m != "GET") return respond(jsonapi_error(jsonapi::codes::method_not_allowed("use GET")));
        // Recordings outlive their room: a deleted room's files are listed by the recorder.
        std::optional<std::vector<webrtc::recording>> files;
        if (webrtc::janus_recorder* rec = hub_.recorder()) files = rec->list(tenant, id);
        if (!files && !reg->find(tenant, id)) return respond(jsonapi_error(room_not_found(id)));
        json items = json::array();
        const std::string base = public_base(reg->settings(), request);
        for (const auto& f : files.value_or(std::vector<webrtc::recording>{})) items.push_back(webrtc_recording_resource(f, id, base));
        const std::size_t count = items.size();
        return respond(jsonapi_response(200, json{{"data", std::move(items)}, {"meta", {{"count", count}}}}.dump()));
    }
    if (segments.size() == 7 && segments[5] == "recordings") {
        if (m != "GET") return respond(jsonapi_error(jsonapi::codes::method_not_allowed("use GET")));
        webrtc::janus_recorder* rec = hub_.recorder();
        const auto path = rec ? rec->file(tenant, id, segments[6]) : std::nullopt;
        if (!path) return respond(jsonapi_error(jsonapi::codes::not_found("no recording " + std::string(segments[6]) + " in room " + id)));
        // Read whole: recordings of a mesh call are a few MB; a streaming download can come later.
        std::ifstream in(*path, std::ios::binary);
        net::http_response r;
        r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) return respond(jsonapi_error(jsonapi::codes::not_found("recording unreadable")));
        r.content_type = path->extension() == ".webm" ? "video/webm" : "audio/ogg";
        r.headers.emplace_back("content-disposition", "attachment; filename=\"" + std::string(segments[6]) + "\"");
        return respond(std::move(r));
    }
    if (segments.size() == 6 && segments[5] == "participants") {
        if (m != "GET") return respond(jsonapi_error(jsonapi::codes::method_not_allowed("use GET")));
        auto people = reg->participants(tenant, id);
        if (!people) return respond(jsonapi_error(room_not_found(id)));
        json items = json::array();
        {
            for (const auto& p : *people) {
                json attrs = json::parse(webrtc::frames::participant_json(p));
                attrs.erase("id");
                attrs.erase("joined_at_ms");
                attrs["joined_at"] = core::format_rfc3339(p.joined_at_ms);
                items.push_back({{"id", p.id}, {"type", "webrtc_participants"}, {"attributes", std::move(attrs)}});
            }
        }
        const std::size_t count = items.size();
        return respond(jsonapi_response(200, json{{"data", std::move(items)}, {"meta", {{"count", count}}}}.dump()));
    }
    respond(jsonapi_error(jsonapi::codes::not_found("no route for " + request.method + " " + request.path)));
}

void webrtc_api::create(const rest_caller& caller, const net::http_request& request, net::http_responder respond) {
    webrtc::room_registry& reg = *hub_.webrtc();
    auto attrs = request_attributes(request);
    if (auto* errors = std::get_if<std::vector<jsonapi::error>>(&attrs)) return respond(jsonapi_errors(*errors));
    const core::tenant& t = *caller.tenant;
    const std::uint64_t now_ms = core::wall_clock_ms();
    webrtc::room r;
    r.id = "room_" + crypto::random_token(20);
    r.tenant = hub::storage_tenant(t);
    r.name = "Room";
    r.max_participants = std::min<std::uint32_t>(10, reg.settings().max_participants);
    r.created_at_ms = r.updated_at_ms = now_ms;
    r.base_url = public_base(reg.settings(), request);
    r.token_expires_at_s = now_ms / 1000 + reg.settings().room_token_ttl_s;
    if (auto errors = apply_attributes(std::get<json>(attrs), r, reg.settings(), now_ms / 1000, true); !errors.empty())
        return respond(jsonapi_errors(errors));
    if (r.recording_enabled) {
        if (webrtc::janus_recorder* rec = hub_.recorder()) {
            const auto j = rec->open(r.tenant, r.id, r.max_participants);
            r.janus_room = j.number;
            r.janus_pin = j.pin;
        }
    }
    if (!reg.create(r))
        return respond(jsonapi_error({429, "room_limit_exceeded", "Room limit exceeded",
                                      "this app already has " + std::to_string(webrtc::room_registry::max_rooms_per_tenant) +
                                          " rooms; delete some",
                                      {}}));
    const json resource = room_resource(t, r, 0, public_base(reg.settings(), request));
    if (hub_.wants(t, webhooks::event_kind::webrtc_room_created)) {
        webhooks::channel_event e;
        e.kind = webhooks::event_kind::webrtc_room_created;
        e.channel = r.id;
        e.data_json = json{{"room_id", r.id},
                           {"name", r.name},
                           {"max_participants", r.max_participants},
                           {"recording_enabled", r.recording_enabled},
                           {"settings", settings_json(r.settings)},
                           {"created_at", core::format_rfc3339(r.created_at_ms)}}
                          .dump();
        hub_.emit(t, std::move(e));
    }
    respond(jsonapi_response(201, json{{"data", resource}}.dump()));
}

void webrtc_api::patch(const rest_caller& caller, std::string_view id, const net::http_request& request,
                       net::http_responder respond) {
    webrtc::room_registry& reg = *hub_.webrtc();
    auto attrs = request_attributes(request);
    if (auto* errors = std::get_if<std::vector<jsonapi::error>>(&attrs)) return respond(jsonapi_errors(*errors));
    const core::tenant& t = *caller.tenant;
    const std::string tenant = hub::storage_tenant(t);
    std::vector<jsonapi::error> errors;
    const std::uint64_t now_ms = core::wall_clock_ms();
    auto updated = reg.update(tenant, id, [&](webrtc::room& r) {
        webrtc::room copy = r;
        errors = apply_attributes(std::get<json>(attrs), copy, reg.settings(), now_ms / 1000, false);
        if (!errors.empty()) return;
        copy.updated_at_ms = now_ms;
        r = std::move(copy);
    });
    if (!updated) return respond(jsonapi_error(room_not_found(id)));
    if (!errors.empty()) return respond(jsonapi_errors(errors));
    // Recording switched on later: the room gets its VideoRoom now (participants already in the
    // call publish to it when they next join).
    if (webrtc::janus_recorder* rec = hub_.recorder(); rec && updated->recording_enabled && updated->janus_room == 0) {
        const auto j = rec->open(tenant, id, updated->max_participants);
        updated = reg.update(tenant, id, [&](webrtc::room& r) {
            r.janus_room = j.number;
            r.janus_pin = j.pin;
        });
        if (!updated) return respond(jsonapi_error(room_not_found(id)));
    }
    const auto n = reg.participants(tenant, id).value_or(std::vector<webrtc::participant>{}).size();
    respond(jsonapi_response(200, json{{"data", room_resource(t, *updated, n, public_base(reg.settings(), request))}}.dump()));
}

}  // namespace sb::api
