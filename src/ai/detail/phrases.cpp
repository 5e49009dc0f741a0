#include "ai/detail/phrases.hpp"

#include <algorithm>

#include "ai/detail/text.hpp"

namespace sb::ai::detail {

namespace t = detail;  // the text helpers (text.hpp)

namespace {

const std::vector<std::string_view> fillers{"ok so",      "okay so",   "ok",
                                            "okay",       "so",        "also",
                                            "and",        "then",      "great",
                                            "thanks",     "sure",      "cool",
                                            "alright",    "hi",        "hey",
                                            "btw",        "fyi",       "update:",
                                            "plus",       "oh",        "well",
                                            "yes",        "yeah",      "right",
                                            "perfect",    "also,",     "one more thing:",
                                            "quick one:", "heads up:", "reminder:"};

}  // namespace

std::string_view strip_prefix(std::string_view text, std::string_view lowered,
                              const std::vector<std::string_view>& prefixes, bool& stripped) {
    for (auto p : prefixes) {
        if (lowered.substr(0, p.size()) == p &&
            (lowered.size() == p.size() || lowered[p.size()] == ' ' || lowered[p.size()] == ',' ||
             p.back() == ':')) {
            stripped = true;
            text.remove_prefix(std::min(text.size(), p.size()));
            while (!text.empty() &&
                   (text.front() == ' ' || text.front() == ',' || text.front() == ':'))
                text.remove_prefix(1);
            return text;
        }
    }
    stripped = false;
    return text;
}

std::string_view strip_fillers(std::string_view text) {
    for (int round = 0; round < 4; ++round) {
        bool any = false;
        const std::string low = t::lower(text);
        text = strip_prefix(text, low, fillers, any);
        if (!any) break;
    }
    return text;
}

std::string finish(std::string_view text) {
    std::string s = t::squeeze(text);
    while (!s.empty() && (s.back() == '.' || s.back() == '!' || s.back() == '?' ||
                          s.back() == ',' || s.back() == ' ' || s.back() == ':'))
        s.pop_back();
    for (std::string_view tail : {" please", " pls", " thanks", " thank you", " asap please"}) {
        if (s.size() > tail.size() && t::lower(s.substr(s.size() - tail.size())) == tail)
            s.erase(s.size() - tail.size());
    }
    while (!s.empty() && (s.back() == ',' || s.back() == ' ')) s.pop_back();
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    if (s.size() > 280) {
        s.resize(277);
        s += "...";
    }
    return s;
}

double overlap(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    if (a.empty() || b.empty()) return 0;
    std::size_t shared = 0;
    for (const auto& w : a)
        if (std::find(b.begin(), b.end(), w) != b.end()) ++shared;
    return static_cast<double>(shared) / static_cast<double>(std::min(a.size(), b.size()));
}

}  // namespace sb::ai::detail
