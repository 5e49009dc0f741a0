#pragma once
// The WebRTC room routes of the native REST API (docs/webrtc.md "REST API"), secret key only:
//   POST   /v1/realtime/webrtc/rooms                    create (answers the room token and join_url)
//   GET    /v1/realtime/webrtc/rooms                    list
//   GET    /v1/realtime/webrtc/rooms/:id                read
//   PATCH  /v1/realtime/webrtc/rooms/:id                change name, max_participants, settings
//   DELETE /v1/realtime/webrtc/rooms/:id                end the call for everyone and forget the room
//   GET    /v1/realtime/webrtc/rooms/:id/participants   who is in the call
//   GET    /v1/realtime/webrtc/rooms/:id/recordings     recordings (also of a deleted room)
//   GET    /v1/realtime/webrtc/rooms/:id/recordings/:f  download one recording
// Rooms live in the node's webrtc::room_registry (memory), recordings in the hub's
// webrtc::janus_recorder (when webrtc.janus_url is set). Answers on the calling shard.

#include "api/hub.hpp"
#include "api/native_rest_api.hpp"
#include "net/http_service.hpp"

#include <string_view>
#include <vector>

namespace sb::api {

class webrtc_api {
public:
    explicit webrtc_api(hub& h) : hub_(h) {}

    // `segments` is the path split at '/' (v1, realtime, webrtc, …).
    void handle(const rest_caller& caller, const net::http_request& request,
                const std::vector<std::string_view>& segments, net::http_responder respond);

private:
    void create(const rest_caller& caller, const net::http_request& request, net::http_responder respond);
    void patch(const rest_caller& caller, std::string_view id, const net::http_request& request,
               net::http_responder respond);

    hub& hub_;
};

}  // namespace sb::api
