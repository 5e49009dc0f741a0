#pragma once
// WebRTC signaling over a native connection (docs/protocol.md "WebRTC signaling"): the
// switchboard:webrtc:join, :signal, :media and :leave commands of one client, checked and handed
// to the node's webrtc::room_registry, which relays to the other members through sinks that post
// to each member's own shard (a connection is only ever touched on its shard).
//
// Thread: everything here runs on the client's shard, except sweep_webrtc_rooms (any shard tick).

#include "api/hub.hpp"
#include "protocol/pusher/client_message.hpp"
#include "webrtc/room_registry.hpp"

#include <string>
#include <vector>

namespace sb::api {

class client;

// A room this connection is in, as which participant.
struct webrtc_membership {
    std::string room_id;
    std::string participant_id;
};

void handle_webrtc_command(client& c, hub& h, protocol::pusher::webrtc_command&& cmd,
                           std::vector<webrtc_membership>& rooms);
// The connection is gone: its participants stay for the reconnect grace period.
void detach_webrtc_rooms(client& c, hub& h, std::vector<webrtc_membership>& rooms);
// Removes participants whose grace period is over (and sends their webhooks).
void sweep_webrtc_rooms(hub& h);

// webrtc.* webhooks (no-ops without a webhook wanting them).
// The tenant of a storage tenant key ("<app_id>/<environment>"); null when the app is gone.
const core::tenant* tenant_of(const hub& h, std::string_view key);

void emit_webrtc_participant(hub& h, std::string_view tenant_key, std::string_view room_id, const webrtc::participant& p,
                             bool joined, std::string_view reason);

}  // namespace sb::api
