#pragma once
// The recordings of WebRTC rooms as the API shows them (docs/webrtc.md "Recording"): their
// JSON:API resource, and the end of a room's recording (conversion, then webrtc.recording.ready).

#include "api/hub.hpp"
#include "webrtc/recording.hpp"
#include "webrtc/room_registry.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace sb::api {

// A `webrtc_recordings` resource; `base` is the server's public origin (download_url).
[[nodiscard]] nlohmann::json webrtc_recording_resource(const webrtc::recording& f, std::string_view room_id,
                                                       const std::string& base);

// The room ended (deleted, or its last participant left): stops its recording and, once
// janus-pp-rec is done, announces each file with webrtc.recording.ready. No-op for a room that
// does not record. Any thread.
void finish_webrtc_recording(hub& h, const webrtc::room& r);

// After a departure: when the room is now empty and records, its recording ends (the next join
// starts a new VideoRoom). Call on a shard thread.
void finish_webrtc_recording_if_empty(hub& h, std::string_view tenant, std::string_view room_id);

}  // namespace sb::api
