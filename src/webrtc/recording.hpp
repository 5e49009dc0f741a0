#pragma once
// One playable file of a recorded room (docs/webrtc.md "Recording"): what janus-pp-rec made of
// one participant's audio or video track. Janus names the files after its own numeric publisher
// ids ("videoroom-<room>-user-<publisher>-<time>-<kind>-<mindex>"), not our participant ids.

#include <cstdint>
#include <string>

namespace sb::webrtc {

struct recording {
    std::string file;         // file name in the room's recording directory, e.g. "…-video-1.webm"
    std::string kind;         // "video" or "audio"
    std::uint64_t size = 0;   // bytes
    std::uint64_t created_at_ms = 0;
};

}  // namespace sb::webrtc
