#pragma once
// The WebRTC rooms of this node and who is in them (docs/webrtc.md).
//
// Owns: every room (by tenant and id) and its participants. A participant is reached through a
// `sink` the api gives at join: a function that posts a frame to the participant's connection on
// that connection's shard. The registry calls sinks with its lock held, so that every participant
// sees the events of a room in the order the registry decided them (a participant never gets a
// signal from someone whose participant:joined it has not seen yet).
//
// Thread: every method may be called from any thread; one mutex guards everything. Sinks must
// only post (never call back into the registry, never block). Cost: a method is linear in the
// participants of the room it touches (a mesh room is small: options::max_participants).
//
// Rooms live in memory on one node: a cluster of nodes does not share them (docs/webrtc.md).

#include "webrtc/options.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::webrtc {

struct room_settings {
    bool video_enabled = true;
    std::string video_quality = "hd";  // "sd", "hd" or "fhd"
    bool audio_enabled = true;
    bool noise_suppression = true;
    bool screen_sharing_enabled = true;
};

struct room {
    std::string id;      // room_…
    std::string tenant;  // "<app_id>/<environment>"
    std::string name;
    std::uint32_t max_participants = 10;
    bool recording_enabled = false;
    std::uint64_t janus_room = 0;  // its Janus VideoRoom while it records (0: none)
    std::string janus_pin;         // the pin participants join that VideoRoom with
    std::string base_url;          // the server's public origin when it was created (download URLs)
    room_settings settings;
    std::uint64_t token_expires_at_s = 0;
    std::uint64_t created_at_ms = 0;
    std::uint64_t updated_at_ms = 0;
};

struct media_state {
    bool audio = true;
    bool video = true;
    bool screen = false;
};

struct participant {
    std::string id;       // p_…, kept across a rejoin within the grace period
    std::string user_id;  // as the participant gave it (or its connection token's user)
    std::string user_data_json = "null";
    media_state media;
    std::uint64_t joined_at_ms = 0;
    bool connected = true;  // false during the reconnect grace period
};

// Writes one frame (JSON text) to a participant's connection: posts it to the connection's shard.
using sink = std::function<void(std::shared_ptr<const std::string>)>;

struct join_request {
    std::string user_id;
    std::string user_data_json = "null";
    media_state media;
    std::string participant_id;  // set with rejoin_key: take over that participant again
    std::string rejoin_key;
    std::string connection;      // the joining connection's socket id
    sink to;
};

enum class join_error : std::uint8_t { none, room_not_found, room_full, bad_rejoin, already_joined };
[[nodiscard]] std::string_view describe(join_error e) noexcept;

struct join_result {
    join_error error = join_error::none;
    participant self;
    std::string rejoin_key;
    bool rejoined = false;
    std::vector<participant> others;  // everyone else in the room, in joining order
    room joined_room;
};

// A participant who left a room (leave, end of grace period, room ended).
struct departure {
    std::string tenant;
    std::string room_id;
    participant who;
    std::string reason;  // "left", "timeout", "room_ended"
};

enum class relay_error : std::uint8_t { none, not_a_member, no_such_participant };

class room_registry {
public:
    explicit room_registry(options o) : options_(std::move(o)) {}

    [[nodiscard]] const options& settings() const noexcept { return options_; }

    // Adds the room (its id must be new). False when the tenant already has max_rooms_per_tenant.
    [[nodiscard]] bool create(room r);
    [[nodiscard]] std::optional<room> find(std::string_view tenant, std::string_view id) const;
    // The tenant's rooms, oldest first, with their participant counts.
    [[nodiscard]] std::vector<std::pair<room, std::size_t>> list(std::string_view tenant) const;
    // Applies `change` to the room; nullopt when there is no such room.
    std::optional<room> update(std::string_view tenant, std::string_view id, const std::function<void(room&)>& change);
    // Ends the call: every participant gets switchboard:webrtc:ended, the room is forgotten.
    // nullopt when there is no such room; otherwise who was in it.
    std::optional<std::vector<departure>> end(std::string_view tenant, std::string_view id);
    [[nodiscard]] std::optional<std::vector<participant>> participants(std::string_view tenant, std::string_view id) const;

    // Joins (or, with participant_id and rejoin_key, rejoins) a room; the others get
    // switchboard:webrtc:participant:joined. The caller answers the joiner itself.
    join_result join(std::string_view tenant, std::string_view room_id, join_request request, std::uint64_t now_ms);
    // An explicit leave by the participant's current connection; the others get participant:left.
    std::optional<departure> leave(std::string_view tenant, std::string_view room_id, std::string_view participant_id,
                                   std::string_view connection);
    // The participant's connection dropped: it stays in the room, silent, until sweep() passes
    // now_ms + reconnect_grace, unless it rejoins first. No-op when another connection took over.
    void disconnected(std::string_view tenant, std::string_view room_id, std::string_view participant_id,
                      std::string_view connection, std::uint64_t now_ms);
    // Removes participants whose grace period is over; the others get participant:left.
    std::vector<departure> sweep(std::uint64_t now_ms);

    // Passes `signal_json` (offer, answer or candidate) from one member to another of one room.
    relay_error relay(std::string_view tenant, std::string_view room_id, std::string_view from,
                      std::string_view connection, std::string_view to, std::string_view signal_json);
    // Records a member's media state; the others get switchboard:webrtc:media.
    relay_error set_media(std::string_view tenant, std::string_view room_id, std::string_view participant_id,
                          std::string_view connection, media_state media);

    static constexpr std::size_t max_rooms_per_tenant = 10'000;

private:
    struct member {
        participant info;
        std::string rejoin_key;
        std::string connection;
        sink to;
        std::uint64_t gone_at_ms = 0;  // when the connection dropped (info.connected false)
    };
    struct live_room {
        room info;
        std::vector<member> members;  // joining order
    };
    using key = std::pair<std::string, std::string>;  // tenant, room id

    live_room* find_live(std::string_view tenant, std::string_view id);
    const live_room* find_live(std::string_view tenant, std::string_view id) const;
    static void tell_others(const live_room& r, std::string_view except, const std::shared_ptr<const std::string>& f);

    options options_;
    mutable std::mutex mutex_;
    std::map<key, live_room, std::less<>> rooms_;
};

// Frame texts of the signaling protocol (docs/protocol.md "WebRTC signaling").
namespace frames {
[[nodiscard]] std::string participant_json(const participant& p);
[[nodiscard]] std::string event(std::string_view name, std::string_view room_id, std::string_view data_json);
}  // namespace frames

}  // namespace sb::webrtc
