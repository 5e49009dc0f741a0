#pragma once
// Records rooms through a Janus VideoRoom (docs/webrtc.md "Recording").
//
// For each recording room, Janus holds a private VideoRoom with `record: true` and
// `lock_record: true`: every participant's SDK also publishes its tracks there (it finds the
// Janus URL, room number and pin in its join answer) and Janus writes one .mjr file per track in
// <root>/<tenant>/<room id>. When the room ends, the VideoRoom is destroyed (which closes the
// files) and janus-pp-rec converts each .mjr to a playable file: VP8 video to .webm, Opus audio
// to .opus.
//
// Thread: every public method may be called from any thread. Janus calls and conversions run on
// one worker thread of the recorder's own (janus-pp-rec takes seconds and must never hold a
// shard); `ready` callbacks run on that worker. Rooms and their recordings are remembered in
// memory on this node, like the rooms themselves; the files stay on disk.

#include "webrtc/recording.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sb::webrtc {

// What a participant needs to publish into the room's VideoRoom.
struct janus_room {
    std::uint64_t number = 0;  // the VideoRoom id (below 2^53: JavaScript reads it exactly)
    std::string pin;           // needed to join: the VideoRoom is private to the room's members
};

class janus_recorder {
public:
    // `janus_url`: the Janus HTTP API (http://host:port/janus). `root`: where recordings go.
    janus_recorder(std::string janus_url, std::filesystem::path root);
    ~janus_recorder();
    janus_recorder(const janus_recorder&) = delete;
    janus_recorder& operator=(const janus_recorder&) = delete;

    // Allocates the room's VideoRoom and creates it in Janus on the worker (a participant who
    // joins before it exists retries). Opening an open room answers the same VideoRoom; opening
    // a closed one starts a new VideoRoom whose files are listed after the earlier ones.
    janus_room open(std::string_view tenant, std::string_view room_id, std::uint32_t publishers);
    // The room ended: destroys its VideoRoom, converts the recordings, then calls `ready` with
    // the new ones on the worker. Does nothing for a room that was never opened or is already closed.
    void close(std::string_view tenant, std::string_view room_id, std::function<void(std::vector<recording>)> ready);

    // The room's converted recordings (empty until a close() finished); nullopt for a room that
    // never recorded here.
    [[nodiscard]] std::optional<std::vector<recording>> list(std::string_view tenant, std::string_view room_id) const;
    // The path of one of the room's recordings; nullopt when it has no recording of that name.
    [[nodiscard]] std::optional<std::filesystem::path> file(std::string_view tenant, std::string_view room_id,
                                                           std::string_view name) const;

private:
    struct entry {
        janus_room room;
        std::string secret;  // the VideoRoom's admin secret: only we may destroy it
        std::filesystem::path dir;
        bool closed = false;
        std::vector<recording> files;
    };
    using key = std::pair<std::string, std::string>;  // tenant, room id
    class janus_api;

    void post(std::function<void(janus_api&)> job);
    void run();

    std::string url_;
    const std::filesystem::path root_;
    mutable std::mutex mutex_;
    std::map<key, entry, std::less<>> rooms_;
    std::condition_variable wake_;
    std::deque<std::function<void(janus_api&)>> jobs_;
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace sb::webrtc
