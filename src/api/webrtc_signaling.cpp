#include "api/webrtc_signaling.hpp"

#include "api/client.hpp"
#include "api/webrtc_recordings.hpp"
#include "core/clock.hpp"
#include "net/shard.hpp"
#include "webhooks/event_sink.hpp"
#include "webrtc/janus_recorder.hpp"
#include "webrtc/room_registry.hpp"
#include "webrtc/room_token.hpp"
#include "webrtc/turn_credentials.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace sb::api {

using json = nlohmann::json;
namespace frames = webrtc::frames;

namespace {

constexpr std::size_t max_signal_bytes = 64 * 1024;

void send_failure(client& c, const protocol::pusher::webrtc_command& cmd, std::string_view code, int status,
                  std::string_view detail) {
    const json data = {{"action", cmd.action}, {"code", code}, {"status", status}, {"detail", detail}};
    c.send_text(frames::event("switchboard:webrtc:error", cmd.room_id, data.dump()));
}

bool flag(const json& data, const char* name, bool fallback) {
    auto it = data.find(name);
    return it != data.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

std::string text(const json& data, const char* name) {
    auto it = data.find(name);
    return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json settings_json(const webrtc::room_settings& s) {
    return {{"video", {{"enabled", s.video_enabled}, {"quality", s.video_quality}}},
            {"audio", {{"enabled", s.audio_enabled}, {"noise_suppression", s.noise_suppression}}},
            {"screen_sharing", {{"enabled", s.screen_sharing_enabled}}}};
}

void join(client& c, hub& h, webrtc::room_registry& reg, protocol::pusher::webrtc_command& cmd, const json& data,
          std::vector<webrtc_membership>& rooms) {
    const core::tenant& t = *c.tenant();
    const std::string tenant = hub::storage_tenant(t);
    const std::string token = text(data, "token");
    if (token.empty()) return send_failure(c, cmd, "invalid_token", 401, "data.token (the room token) is required");
    if (!reg.find(tenant, cmd.room_id)) return send_failure(c, cmd, "room_not_found", 404, "no such room (it may have ended)");
    const std::uint64_t now_ms = core::wall_clock_ms();
    const auto verdict = webrtc::verify_room_token(token, t.config.secret, t.config.id, core::to_string(t.env),
                                                   cmd.room_id, now_ms / 1000);
    if (verdict != webrtc::room_token_error::none)
        return send_failure(c, cmd, "invalid_token", 401, webrtc::describe(verdict));
    if (std::any_of(rooms.begin(), rooms.end(), [&](const webrtc_membership& m) { return m.room_id == cmd.room_id; }))
        return send_failure(c, cmd, "already_joined", 409, "this connection is already in the room");

    webrtc::join_request req;
    // A connection with a token (or signed in) joins as its user; others say who they are.
    req.user_id = c.user_id().empty() ? text(data, "user_id") : c.user_id();
    if (req.user_id.size() > 128) return send_failure(c, cmd, "invalid_request", 400, "data.user_id is longer than 128 characters");
    if (auto it = data.find("user_data"); it != data.end()) req.user_data_json = it->dump();
    if (req.user_data_json.size() > h.options().max_user_info_size)
        return send_failure(c, cmd, "invalid_request", 400,
                            "data.user_data is larger than " + std::to_string(h.options().max_user_info_size) + " bytes");
    req.media = {flag(data, "audio", true), flag(data, "video", true), false};
    req.participant_id = text(data, "participant_id");
    req.rejoin_key = text(data, "rejoin_key");
    req.connection = c.id().to_string();
    std::weak_ptr<client> weak = std::static_pointer_cast<client>(c.shared_from_this());
    net::shard* home = &c.home();
    req.to = [weak, home](std::shared_ptr<const std::string> f) {
        home->post([weak, f = std::move(f)] {
            if (auto self = weak.lock()) self->send_text(*f);
        });
    };
    auto result = reg.join(tenant, cmd.room_id, std::move(req), now_ms);
    switch (result.error) {
        case webrtc::join_error::none: break;
        case webrtc::join_error::room_not_found:
            return send_failure(c, cmd, "room_not_found", 404, webrtc::describe(result.error));
        case webrtc::join_error::room_full:
            return send_failure(c, cmd, "room_full", 409,
                                "the room is full (max_participants " + std::to_string(result.joined_room.max_participants) + ")");
        case webrtc::join_error::bad_rejoin:
            return send_failure(c, cmd, "invalid_rejoin", 403, webrtc::describe(result.error));
        case webrtc::join_error::already_joined:
            return send_failure(c, cmd, "already_joined", 409, webrtc::describe(result.error));
    }
    rooms.push_back({cmd.room_id, result.self.id});
    json others = json::array();
    for (const auto& p : result.others) others.push_back(json::parse(frames::participant_json(p)));
    webrtc::room r = result.joined_room;
    // A recording room whose last participant had left: its next call records in a new VideoRoom.
    if (webrtc::janus_recorder* rec = h.recorder(); rec && r.recording_enabled && r.janus_room == 0) {
        const auto j = rec->open(tenant, r.id, r.max_participants);
        reg.update(tenant, cmd.room_id, [&](webrtc::room& x) {
            if (x.janus_room == 0) {
                x.janus_room = j.number;
                x.janus_pin = j.pin;
            }
            r = x;
        });
    }
    json answer = {
        {"participant_id", result.self.id},
        {"user_id", result.self.user_id},
        {"rejoin_key", result.rejoin_key},
        {"rejoined", result.rejoined},
        {"room",
         {{"id", r.id}, {"name", r.name}, {"max_participants", r.max_participants},
          {"recording_enabled", r.recording_enabled}, {"settings", settings_json(r.settings)}}},
        {"participants", others},
        {"ice_servers", json::parse(webrtc::ice_servers_json(reg.settings(), result.self.user_id, now_ms / 1000))},
        {"reconnect_grace_s", reg.settings().reconnect_grace_s}};
    // A recording room: the SDK also publishes to the room's Janus VideoRoom, which records.
    if (r.recording_enabled && r.janus_room != 0)
        answer["recording"] = {{"janus_url", reg.settings().janus_url}, {"room", r.janus_room}, {"pin", r.janus_pin}};
    c.send_text(frames::event("switchboard:webrtc:joined", cmd.room_id, answer.dump()));
    if (!result.rejoined) emit_webrtc_participant(h, tenant, cmd.room_id, result.self, true, {});
}

}  // namespace

const core::tenant* tenant_of(const hub& h, std::string_view key) {
    const auto slash = key.find('/');
    if (slash == std::string_view::npos) return nullptr;
    const auto env = key.substr(slash + 1) == "staging" ? core::environment::staging : core::environment::production;
    return h.apps().find(key.substr(0, slash), env);
}

void emit_webrtc_participant(hub& h, std::string_view tenant_key, std::string_view room_id, const webrtc::participant& p,
                             bool joined, std::string_view reason) {
    const core::tenant* t = tenant_of(h, tenant_key);
    const auto kind = joined ? webhooks::event_kind::webrtc_participant_joined : webhooks::event_kind::webrtc_participant_left;
    if (!t || !h.wants(*t, kind)) return;
    webhooks::channel_event e;
    e.kind = kind;
    e.channel = std::string(room_id);
    e.user_id = p.user_id;
    json data = {{"room_id", room_id}, {"participant_id", p.id}, {"user_id", p.user_id}};
    data["user_data"] = json::parse(p.user_data_json, nullptr, false);
    if (data["user_data"].is_discarded()) data["user_data"] = nullptr;
    if (!joined) data["reason"] = reason;
    e.data_json = data.dump();
    h.emit(*t, std::move(e));
}

void handle_webrtc_command(client& c, hub& h, protocol::pusher::webrtc_command&& cmd,
                           std::vector<webrtc_membership>& rooms) {
    webrtc::room_registry* reg = h.webrtc();
    if (!reg) return send_failure(c, cmd, "webrtc_disabled", 404, "this server has no WebRTC rooms");
    const json data = json::parse(cmd.data_json, nullptr, false);
    if (data.is_discarded() || !data.is_object()) return send_failure(c, cmd, "invalid_request", 400, "data must be an object");
    if (cmd.action == "join") return join(c, h, *reg, cmd, data, rooms);

    auto m = std::find_if(rooms.begin(), rooms.end(), [&](const webrtc_membership& x) { return x.room_id == cmd.room_id; });
    if (m == rooms.end()) return send_failure(c, cmd, "not_joined", 403, "join the room first");
    const std::string tenant = hub::storage_tenant(*c.tenant());
    const std::string connection = c.id().to_string();
    if (cmd.action == "signal") {
        const std::string to = text(data, "to");
        auto signal = data.find("signal");
        if (to.empty() || signal == data.end() || !signal->is_object())
            return send_failure(c, cmd, "invalid_request", 400, "signal needs data.to (a participant id) and data.signal (an object)");
        std::string signal_json = signal->dump();
        if (signal_json.size() > max_signal_bytes)
            return send_failure(c, cmd, "payload_too_large", 413, "data.signal is larger than 64 KiB");
        switch (reg->relay(tenant, cmd.room_id, m->participant_id, connection, to, signal_json)) {
            case webrtc::relay_error::none: return;
            case webrtc::relay_error::not_a_member:
                rooms.erase(m);
                return send_failure(c, cmd, "not_joined", 403, "this connection is no longer in the room");
            case webrtc::relay_error::no_such_participant:
                return send_failure(c, cmd, "participant_not_found", 404, "no participant " + to + " in this room");
        }
        return;
    }
    if (cmd.action == "media") {
        const webrtc::media_state media{flag(data, "audio", true), flag(data, "video", true), flag(data, "screen", false)};
        if (reg->set_media(tenant, cmd.room_id, m->participant_id, connection, media) != webrtc::relay_error::none) {
            rooms.erase(m);
            return send_failure(c, cmd, "not_joined", 403, "this connection is no longer in the room");
        }
        return;
    }
    // leave
    auto gone = reg->leave(tenant, cmd.room_id, m->participant_id, connection);
    const std::string pid = m->participant_id;
    rooms.erase(m);
    c.send_text(frames::event("switchboard:webrtc:left", cmd.room_id, json{{"participant_id", pid}}.dump()));
    if (gone) {
        emit_webrtc_participant(h, tenant, cmd.room_id, gone->who, false, gone->reason);
        finish_webrtc_recording_if_empty(h, tenant, cmd.room_id);
    }
}

void detach_webrtc_rooms(client& c, hub& h, std::vector<webrtc_membership>& rooms) {
    webrtc::room_registry* reg = h.webrtc();
    if (!reg || rooms.empty()) return;
    const std::string tenant = hub::storage_tenant(*c.tenant());
    const std::string connection = c.id().to_string();
    for (const auto& m : rooms) reg->disconnected(tenant, m.room_id, m.participant_id, connection, core::wall_clock_ms());
    rooms.clear();
}

void sweep_webrtc_rooms(hub& h) {
    webrtc::room_registry* reg = h.webrtc();
    if (!reg) return;
    for (const auto& d : reg->sweep(core::wall_clock_ms())) {
        emit_webrtc_participant(h, d.tenant, d.room_id, d.who, false, d.reason);
        finish_webrtc_recording_if_empty(h, d.tenant, d.room_id);
    }
}

}  // namespace sb::api
