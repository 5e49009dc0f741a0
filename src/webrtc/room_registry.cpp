#include "webrtc/room_registry.hpp"

#include "crypto/crypto.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace sb::webrtc {

using json = nlohmann::json;

std::string_view describe(join_error e) noexcept {
    switch (e) {
        case join_error::none: return "ok";
        case join_error::room_not_found: return "no such room (it may have ended)";
        case join_error::room_full: return "the room is full";
        case join_error::bad_rejoin: return "participant_id and rejoin_key do not name a participant of this room";
        case join_error::already_joined: return "this connection is already in the room";
    }
    return "cannot join";
}

namespace frames {

std::string participant_json(const participant& p) {
    json j = {{"id", p.id},
              {"user_id", p.user_id},
              {"audio", p.media.audio},
              {"video", p.media.video},
              {"screen", p.media.screen},
              {"connected", p.connected},
              {"joined_at_ms", p.joined_at_ms}};
    j["user_data"] = json::parse(p.user_data_json, nullptr, false);
    if (j["user_data"].is_discarded()) j["user_data"] = nullptr;
    return j.dump();
}

std::string event(std::string_view name, std::string_view room_id, std::string_view data_json) {
    std::string out = R"({"event":)";
    out += json(name).dump();
    out += R"(,"channel":)";
    out += json(room_id).dump();
    out += R"(,"data":)";
    out += data_json;
    out += '}';
    return out;
}

}  // namespace frames

namespace {

std::shared_ptr<const std::string> shared_frame(std::string_view name, std::string_view room_id, std::string data) {
    return std::make_shared<const std::string>(frames::event(name, room_id, data));
}

std::string left_json(const participant& p, std::string_view reason) {
    return json{{"id", p.id}, {"user_id", p.user_id}, {"reason", reason}}.dump();
}

}  // namespace

room_registry::live_room* room_registry::find_live(std::string_view tenant, std::string_view id) {
    auto it = rooms_.find(key{std::string(tenant), std::string(id)});
    return it == rooms_.end() ? nullptr : &it->second;
}

const room_registry::live_room* room_registry::find_live(std::string_view tenant, std::string_view id) const {
    auto it = rooms_.find(key{std::string(tenant), std::string(id)});
    return it == rooms_.end() ? nullptr : &it->second;
}

void room_registry::tell_others(const live_room& r, std::string_view except, const std::shared_ptr<const std::string>& f) {
    for (const auto& m : r.members)
        if (m.info.id != except && m.info.connected && m.to) m.to(f);
}

bool room_registry::create(room r) {
    std::lock_guard lock(mutex_);
    std::size_t count = 0;
    for (const auto& [k, v] : rooms_)
        if (k.first == r.tenant) ++count;
    if (count >= max_rooms_per_tenant) return false;
    key k{r.tenant, r.id};
    rooms_.emplace(std::move(k), live_room{std::move(r), {}});
    return true;
}

std::optional<room> room_registry::find(std::string_view tenant, std::string_view id) const {
    std::lock_guard lock(mutex_);
    const live_room* r = find_live(tenant, id);
    if (!r) return std::nullopt;
    return r->info;
}

std::vector<std::pair<room, std::size_t>> room_registry::list(std::string_view tenant) const {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<room, std::size_t>> out;
    for (const auto& [k, v] : rooms_)
        if (k.first == tenant) out.emplace_back(v.info, v.members.size());
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.first.created_at_ms != b.first.created_at_ms ? a.first.created_at_ms < b.first.created_at_ms
                                                              : a.first.id < b.first.id;
    });
    return out;
}

std::optional<room> room_registry::update(std::string_view tenant, std::string_view id,
                                          const std::function<void(room&)>& change) {
    std::lock_guard lock(mutex_);
    live_room* r = find_live(tenant, id);
    if (!r) return std::nullopt;
    change(r->info);
    return r->info;
}

std::optional<std::vector<departure>> room_registry::end(std::string_view tenant, std::string_view id) {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(key{std::string(tenant), std::string(id)});
    if (it == rooms_.end()) return std::nullopt;
    std::vector<departure> out;
    auto f = shared_frame("switchboard:webrtc:ended", id, R"({"reason":"room_ended"})");
    for (const auto& m : it->second.members) {
        if (m.info.connected && m.to) m.to(f);
        out.push_back({std::string(tenant), std::string(id), m.info, "room_ended"});
    }
    rooms_.erase(it);
    return out;
}

std::optional<std::vector<participant>> room_registry::participants(std::string_view tenant, std::string_view id) const {
    std::lock_guard lock(mutex_);
    const live_room* r = find_live(tenant, id);
    if (!r) return std::nullopt;
    std::vector<participant> out;
    for (const auto& m : r->members) out.push_back(m.info);
    return out;
}

join_result room_registry::join(std::string_view tenant, std::string_view room_id, join_request request,
                                std::uint64_t now_ms) {
    join_result out;
    std::lock_guard lock(mutex_);
    live_room* r = find_live(tenant, room_id);
    if (!r) return out.error = join_error::room_not_found, out;
    out.joined_room = r->info;
    for (const auto& m : r->members)
        if (m.connection == request.connection && m.info.connected && m.info.id != request.participant_id)
            return out.error = join_error::already_joined, out;
    member* self = nullptr;
    if (!request.participant_id.empty()) {
        for (auto& m : r->members)
            if (m.info.id == request.participant_id) self = &m;
        if (!self || !crypto::constant_time_equal(self->rejoin_key, request.rejoin_key))
            return out.error = join_error::bad_rejoin, out;
        out.rejoined = true;
        self->connection = std::move(request.connection);
        self->to = std::move(request.to);
        self->info.connected = true;
        self->info.media = request.media;
        self->gone_at_ms = 0;
    } else {
        if (r->members.size() >= r->info.max_participants) return out.error = join_error::room_full, out;
        member m;
        m.info.id = "p_" + crypto::random_token(16);
        m.info.user_id = std::move(request.user_id);
        if (m.info.user_id.empty()) m.info.user_id = m.info.id;
        m.info.user_data_json = std::move(request.user_data_json);
        m.info.media = request.media;
        m.info.joined_at_ms = now_ms;
        m.rejoin_key = crypto::random_token(32);
        m.connection = std::move(request.connection);
        m.to = std::move(request.to);
        r->members.push_back(std::move(m));
        self = &r->members.back();
    }
    out.self = self->info;
    out.rejoin_key = self->rejoin_key;
    for (const auto& m : r->members)
        if (m.info.id != self->info.id) out.others.push_back(m.info);
    json data = json::parse(frames::participant_json(self->info));
    data["rejoined"] = out.rejoined;
    tell_others(*r, self->info.id, shared_frame("switchboard:webrtc:participant:joined", room_id, data.dump()));
    return out;
}

std::optional<departure> room_registry::leave(std::string_view tenant, std::string_view room_id,
                                              std::string_view participant_id, std::string_view connection) {
    std::lock_guard lock(mutex_);
    live_room* r = find_live(tenant, room_id);
    if (!r) return std::nullopt;
    auto it = std::find_if(r->members.begin(), r->members.end(), [&](const member& m) {
        return m.info.id == participant_id && m.connection == connection;
    });
    if (it == r->members.end()) return std::nullopt;
    departure d{std::string(tenant), std::string(room_id), it->info, "left"};
    r->members.erase(it);
    tell_others(*r, participant_id, shared_frame("switchboard:webrtc:participant:left", room_id, left_json(d.who, "left")));
    return d;
}

void room_registry::disconnected(std::string_view tenant, std::string_view room_id, std::string_view participant_id,
                                 std::string_view connection, std::uint64_t now_ms) {
    std::lock_guard lock(mutex_);
    live_room* r = find_live(tenant, room_id);
    if (!r) return;
    for (auto& m : r->members)
        if (m.info.id == participant_id && m.connection == connection && m.info.connected) {
            m.info.connected = false;
            m.gone_at_ms = now_ms;
            m.to = nullptr;
            m.connection.clear();
        }
}

std::vector<departure> room_registry::sweep(std::uint64_t now_ms) {
    std::vector<departure> out;
    const std::uint64_t grace_ms = std::uint64_t{options_.reconnect_grace_s} * 1000;
    std::lock_guard lock(mutex_);
    for (auto& [k, r] : rooms_) {
        for (auto it = r.members.begin(); it != r.members.end();) {
            if (it->info.connected || now_ms < it->gone_at_ms + grace_ms) {
                ++it;
                continue;
            }
            departure d{k.first, k.second, it->info, "timeout"};
            it = r.members.erase(it);
            tell_others(r, d.who.id, shared_frame("switchboard:webrtc:participant:left", k.second, left_json(d.who, "timeout")));
            out.push_back(std::move(d));
        }
    }
    return out;
}

relay_error room_registry::relay(std::string_view tenant, std::string_view room_id, std::string_view from,
                                 std::string_view connection, std::string_view to, std::string_view signal_json) {
    std::lock_guard lock(mutex_);
    live_room* r = find_live(tenant, room_id);
    if (!r) return relay_error::not_a_member;
    const member* sender = nullptr;
    const member* target = nullptr;
    for (const auto& m : r->members) {
        if (m.info.id == from && m.connection == connection && m.info.connected) sender = &m;
        if (m.info.id == to) target = &m;
    }
    if (!sender) return relay_error::not_a_member;
    if (!target || target == sender) return relay_error::no_such_participant;
    if (!target->info.connected || !target->to) return relay_error::none;  // lost while away; it renegotiates on rejoin
    std::string data = R"({"from":)";
    data += json(from).dump();
    data += R"(,"signal":)";
    data += signal_json;
    data += '}';
    target->to(shared_frame("switchboard:webrtc:signal", room_id, std::move(data)));
    return relay_error::none;
}

relay_error room_registry::set_media(std::string_view tenant, std::string_view room_id, std::string_view participant_id,
                                     std::string_view connection, media_state media) {
    std::lock_guard lock(mutex_);
    live_room* r = find_live(tenant, room_id);
    if (!r) return relay_error::not_a_member;
    for (auto& m : r->members)
        if (m.info.id == participant_id && m.connection == connection && m.info.connected) {
            m.info.media = media;
            const json data = {{"participant_id", m.info.id}, {"user_id", m.info.user_id}, {"audio", media.audio},
                               {"video", media.video},        {"screen", media.screen}};
            tell_others(*r, participant_id, shared_frame("switchboard:webrtc:media", room_id, data.dump()));
            return relay_error::none;
        }
    return relay_error::not_a_member;
}

}  // namespace sb::webrtc
