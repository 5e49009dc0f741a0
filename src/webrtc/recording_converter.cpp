#include "webrtc/recording_converter.hpp"

#include "core/clock.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace sb::webrtc {
namespace {

// Runs janus-pp-rec in → out; true when it exited 0. Its chatter goes to /dev/null: it prints
// a line per few packets, and its exit status says all we need.
bool run_janus_pp_rec(const std::filesystem::path& in, const std::filesystem::path& out) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::string a0 = "janus-pp-rec", a1 = in.string(), a2 = out.string();
    char* argv[] = {a0.data(), a1.data(), a2.data(), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, "janus-pp-rec", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        spdlog::warn("webrtc recording: cannot run janus-pp-rec (install janus-tools): {}", std::strerror(rc));
        return false;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

std::vector<recording> convert_recordings(const std::filesystem::path& dir) {
    std::vector<recording> out;
    std::error_code ec;
    std::vector<std::filesystem::path> inputs;
    for (const auto& f : std::filesystem::directory_iterator(dir, ec))
        if (f.path().extension() == ".mjr") inputs.push_back(f.path());
    std::sort(inputs.begin(), inputs.end());
    for (const auto& in : inputs) {
        const std::string stem = in.stem().string();
        std::string kind;
        if (stem.find("-video-") != std::string::npos) kind = "video";
        else if (stem.find("-audio-") != std::string::npos) kind = "audio";
        else continue;  // data channels: nothing to play
        std::filesystem::path target = in;
        target.replace_extension(kind == "video" ? ".webm" : ".opus");
        if (std::filesystem::exists(target, ec)) continue;  // converted when an earlier call in the room ended
        if (!run_janus_pp_rec(in, target)) {
            spdlog::warn("webrtc recording: janus-pp-rec failed on {}", in.string());
            continue;
        }
        const auto size = std::filesystem::file_size(target, ec);
        if (ec || size == 0) continue;
        out.push_back({target.filename().string(), kind, size, core::wall_clock_ms()});
    }
    return out;
}

}  // namespace sb::webrtc
