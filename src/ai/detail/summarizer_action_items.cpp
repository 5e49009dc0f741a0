// Action items: requests ("can you…", "@bob please…"), commitments ("I'll…", "let me…") and
// team obligations ("we need to…", "todo:"), with their owners.
#include <algorithm>

#include "ai/detail/phrases.hpp"
#include "ai/detail/summarizer.hpp"
#include "ai/detail/text.hpp"

namespace sb::ai::detail {

namespace t = detail;  // the text helpers (text.hpp)

namespace {

const std::vector<std::string_view> request_prefixes{
    "can you please", "could you please", "would you please", "can you",       "could you",
    "would you",      "will you",         "can someone",      "could someone", "can anyone",
    "could anyone",   "would someone",    "someone please",   "please"};
const std::vector<std::string_view> commit_prefixes{
    "i'll go ahead and", "i will go ahead and", "i'll",   "i will",
    "i'm going to",      "i am going to",       "let me", "i'm gonna",
    "i'll try to",       "i will try to"};
const std::vector<std::string_view> team_prefixes{
    "we need to",       "we should",        "we must",        "we have to",   "we still need to",
    "need to",          "someone needs to", "someone should", "todo:",        "todo",
    "to do:",           "action item:",     "action:",        "next step:",   "next steps:",
    "don't forget to",  "dont forget to",   "remember to",    "make sure to", "make sure",
    "please make sure", "we'll need to"};
const std::vector<std::string_view> not_actions_after_commit{
    "be", "have", "never", "probably", "see", "think", "miss", "admit", "say", "pass"};

}  // namespace

bool summarizer::detect_action(const std::string& sentence, std::string_view body,
                               const std::string& low, const std::vector<std::string>& w,
                               const std::string& user, bool question, std::string& text,
                               std::string& owner) {
    std::string_view rest = body;
    std::string rest_low = low;
    // "@bob …" or "bob, …" addresses a participant.
    if (!w.empty()) {
        std::string first = w[0];
        if (!first.empty() && first[0] == '@') first.erase(0, 1);
        const bool mention = body.size() > 1 && body[0] == '@';
        const auto comma = body.find(',');
        const bool vocative = comma != std::string_view::npos && comma < 24 &&
                              t::lower(body.substr(0, comma)) == first;
        // A vocative counts for a known participant, or when a request follows
        // it.
        const bool asks =
            vocative &&
            t::starts_with_any(t::lower(t::squeeze(body.substr(comma + 1))), request_prefixes);
        if ((mention || vocative) && (s_.participants.contains(first) || mention || asks)) {
            owner = first;
            rest.remove_prefix(std::min(rest.size(), (mention ? 1 : 0) + first.size()));
            while (!rest.empty() &&
                   (rest.front() == ',' || rest.front() == ' ' || rest.front() == ':'))
                rest.remove_prefix(1);
            rest_low = t::lower(rest);
        }
    }
    bool hit = false;
    std::string_view after = strip_prefix(rest, rest_low, request_prefixes, hit);
    if (hit) {
        if (owner.empty()) owner = other_party(user);
    } else {
        after = strip_prefix(rest, rest_low, commit_prefixes, hit);
        if (hit) {
            const auto next = t::words(after);
            if (next.empty() ||
                std::find(not_actions_after_commit.begin(), not_actions_after_commit.end(),
                          next[0]) != not_actions_after_commit.end())
                return false;
            if (question) return false;  // "I'll what?"
            owner = user;
        } else {
            after = strip_prefix(rest, rest_low, team_prefixes, hit);
            if (hit && question && !t::starts_with_any(rest_low, {"todo"})) return false;
            if (!hit) {
                // "bob will update the docs", "ann to send the invoice"
                if (w.size() >= 3 && s_.participants.contains(w[0]) &&
                    (w[1] == "will" || w[1] == "to" || w[1] == "should" || w[1] == "needs" ||
                     w[1] == "can")) {
                    owner = w[0];
                    after = rest;
                    after.remove_prefix(std::min(after.size(), w[0].size()));
                    while (!after.empty() && after.front() == ' ') after.remove_prefix(1);
                    const std::string al = t::lower(after);
                    for (std::string_view p : {"will ", "to ", "should ", "needs to ", "can "})
                        if (al.rfind(p, 0) == 0) {
                            after.remove_prefix(p.size());
                            break;
                        }
                    hit = true;
                } else if (!owner.empty() && !question && body.size() > 1 && body[0] == '@') {
                    hit = true;  // "@bob send me the logs"
                    after = rest;
                }
            }
        }
    }
    (void)sentence;
    if (!hit) return false;
    const auto remaining = t::words(after);
    if (remaining.size() < 2) return false;
    text = finish(after);
    return true;
}

std::string summarizer::other_party(const std::string& user) const {
    if (s_.participants.size() != 2) return {};
    for (const auto& p : s_.participants)
        if (p != user) return p;
    return {};
}

void summarizer::add_action(action_item a) {
    for (auto& existing : s_.actions) {
        if (overlap(existing.keys, a.keys) >= 0.6) {
            if (a.due == 0) a.due = existing.due;
            existing = std::move(a);
            return;
        }
    }
    s_.actions.push_back(std::move(a));
    if (s_.actions.size() > 3 * max_actions) s_.actions.erase(s_.actions.begin());
}

}  // namespace sb::ai::detail
