#pragma once
// What the real-time core tells the webhook service (DESIGN.md "webhooks"): every channel,
// presence and message event that a webhook may be subscribed to. The hub and the connections
// call emit() on their shard threads; an implementation must return at once (it queues the event
// for the durable outbox) and must be thread-safe.

#include "core/app.hpp"

#include <cstdint>
#include <string>

namespace sb::webhooks {

enum class event_kind : std::uint8_t {
    channel_subscribed,    // a connection subscribed (native: channel.subscribed)
    channel_unsubscribed,  // a connection left (native: channel.unsubscribed)
    channel_occupied,      // first subscription of the channel (Pusher: channel_occupied)
    channel_vacated,       // last subscription left (Pusher: channel_vacated)
    member_added,          // a user's first connection joined presence (presence.join, member_added)
    member_removed,        // a user's last connection left presence (presence.leave, member_removed)
    member_updated,        // presence data changed (presence.update)
    message_sent,          // a message on the channel: server publish or native send (message.sent)
    client_event,          // a Pusher client-* event (Pusher: client_event)
    cache_miss,            // a cache channel had nothing to replay (Pusher: cache_miss)
    // WebRTC rooms (docs/webrtc.md): `channel` is the room id, `data_json` the whole data object.
    webrtc_room_created,         // webrtc.room.created
    webrtc_participant_joined,   // webrtc.participant.joined
    webrtc_participant_left,     // webrtc.participant.left
    webrtc_recording_ready,      // webrtc.recording.ready
};

struct channel_event {
    event_kind kind = event_kind::message_sent;
    std::string channel;
    std::string user_id;    // member, sender or subscriber when known
    std::string socket_id;  // the connection concerned, when there is one
    std::string data_json = "null";  // member info (presence), or nothing
    // message_sent / client_event:
    std::string message_id;
    std::string event;
    std::string message_data;  // the delivered data text
    std::uint64_t created_at_ms = 0;
};

class event_sink {
public:
    virtual ~event_sink() = default;
    // Cheap when the tenant has no webhook for that event: implementations filter first.
    virtual void emit(const core::tenant& tenant, channel_event event) = 0;
    // False when no webhook of the tenant receives events of that kind now: callers may test it
    // before building an event (copying a message's data) that would be dropped. One relaxed
    // atomic load in the webhook service; a webhook created a moment later may miss the event,
    // as it would if it had been created a moment later.
    [[nodiscard]] virtual bool wants(const core::tenant& /*tenant*/,
                                     event_kind /*kind*/) const noexcept {
        return true;
    }
};

}  // namespace sb::webhooks
