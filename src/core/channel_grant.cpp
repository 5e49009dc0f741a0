#include "core/channel_grant.hpp"

namespace sb::core {

bool matches_grant(std::string_view pattern, std::string_view channel) noexcept {
    // Iterative glob with backtracking to the last '*': linear for the patterns tokens carry.
    std::size_t p = 0, c = 0, star = std::string_view::npos, mark = 0;
    while (c < channel.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = c;
        } else if (p < pattern.size() && pattern[p] == channel[c]) {
            ++p;
            ++c;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            c = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

bool matches_any_grant(const std::vector<std::string>& patterns, std::string_view channel) noexcept {
    for (const auto& p : patterns)
        if (matches_grant(p, channel)) return true;
    return false;
}

}  // namespace sb::core
