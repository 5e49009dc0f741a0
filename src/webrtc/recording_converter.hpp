#pragma once
// Turns Janus's raw .mjr recordings into playable files with janus-pp-rec (Debian package
// janus-tools): VP8 video to .webm, Opus audio to .opus. Data-channel recordings are skipped.

#include "webrtc/recording.hpp"

#include <filesystem>
#include <vector>

namespace sb::webrtc {

// Runs janus-pp-rec over every .mjr file of `dir` not converted yet, next to it, and answers the
// playable files it made (empty or failed ones are dropped), sorted by name. Blocks for as long as the conversions
// take: call it off the network threads.
[[nodiscard]] std::vector<recording> convert_recordings(const std::filesystem::path& dir);

}  // namespace sb::webrtc
