#include "api/webrtc_recordings.hpp"

#include "api/webrtc_signaling.hpp"
#include "core/time_format.hpp"
#include "net/shard.hpp"
#include "webhooks/event_sink.hpp"
#include "webrtc/janus_recorder.hpp"

namespace sb::api {

using json = nlohmann::json;

json webrtc_recording_resource(const webrtc::recording& f, std::string_view room_id, const std::string& base) {
    const std::string path = "/v1/realtime/webrtc/rooms/" + std::string(room_id) + "/recordings/" + f.file;
    return {{"id", f.file},
            {"type", "webrtc_recordings"},
            {"attributes",
             {{"file_name", f.file},
              {"kind", f.kind},
              {"content_type", f.kind == "video" ? "video/webm" : "audio/ogg"},
              {"size", f.size},
              // janus-pp-rec does not report a duration; null says "not known" as the contract allows.
              {"duration", nullptr},
              {"created_at", core::format_rfc3339(f.created_at_ms)},
              {"download_url", base + path}}},
            {"links", {{"self", path}}}};
}

// The conversion ends on the recorder's worker; the webhooks are emitted on shard 0, because the
// hub is only called from shard threads.
void finish_webrtc_recording(hub& h, const webrtc::room& r) {
    webrtc::janus_recorder* rec = h.recorder();
    if (!rec || r.janus_room == 0) return;
    rec->close(r.tenant, r.id, [&h, tenant = r.tenant, room_id = r.id, base = r.base_url](std::vector<webrtc::recording> files) {
        h.shards().invoke_on(0, net::unique_task([&h, tenant, room_id, base, files = std::move(files)] {
            const core::tenant* t = tenant_of(h, tenant);
            if (!t || !h.wants(*t, webhooks::event_kind::webrtc_recording_ready)) return;
            for (const auto& f : files) {
                webhooks::channel_event e;
                e.kind = webhooks::event_kind::webrtc_recording_ready;
                e.channel = room_id;
                json data = webrtc_recording_resource(f, room_id, base)["attributes"];
                data["room_id"] = room_id;
                data["recording_id"] = f.file;
                e.data_json = data.dump();
                h.emit(*t, std::move(e));
            }
        }));
    });
}

void finish_webrtc_recording_if_empty(hub& h, std::string_view tenant, std::string_view room_id) {
    webrtc::room_registry* reg = h.webrtc();
    if (!reg || !h.recorder()) return;
    const auto people = reg->participants(tenant, room_id);
    if (!people || !people->empty()) return;
    // Forget the VideoRoom first: a join racing with this one opens a new one.
    std::optional<webrtc::room> ended;
    reg->update(tenant, room_id, [&](webrtc::room& r) {
        if (r.janus_room == 0) return;
        ended = r;
        r.janus_room = 0;
        r.janus_pin.clear();
    });
    if (ended) finish_webrtc_recording(h, *ended);
}

}  // namespace sb::api
