// Key decisions: decision language ("we decided", "let's go with"), and a proposal that another
// participant agrees to.
#include "ai/detail/phrases.hpp"
#include "ai/detail/summarizer.hpp"
#include "ai/detail/text.hpp"

namespace sb::ai::detail {

namespace t = detail;  // the text helpers (text.hpp)

void summarizer::add_decision(std::string d) {
    if (d.empty()) return;
    const auto keys = t::keywords(d);
    for (auto& existing : s_.decisions) {
        if (overlap(t::keywords(existing), keys) >= 0.7) {
            existing = std::move(d);
            return;
        }
    }
    s_.decisions.push_back(std::move(d));
    if (s_.decisions.size() > max_decisions) s_.decisions.erase(s_.decisions.begin());
}

std::string summarizer::proposal_decision(const std::string& proposal) {
    std::string_view p = strip_fillers(proposal);
    const std::string low = t::lower(p);
    bool hit = false;
    std::string_view rest = strip_prefix(
        p, low,
        {"how about we", "how about", "what if we", "i propose we", "i propose that we",
         "i propose", "i suggest we", "i suggest", "should we", "why don't we", "we could",
         "i'd suggest", "i recommend", "my suggestion is to", "my suggestion is", "let's"},
        hit);
    return finish(rest) + " (agreed)";
}

}  // namespace sb::ai::detail
