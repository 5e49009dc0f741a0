// The overall summary: sentences ranked by how central their words are, the top categories,
// the text built from both, and the sentiment.
#include <algorithm>
#include <cmath>

#include "ai/detail/phrases.hpp"
#include "ai/detail/summarizer.hpp"
#include "ai/detail/text.hpp"

namespace sb::ai::detail {

namespace t = detail;  // the text helpers (text.hpp)

double summarizer::score(const sentence_candidate& c) const {
    const auto keys = t::keywords(c.text);
    if (keys.empty()) return c.bonus;
    double sum = 0;
    for (const auto& k : keys) {
        auto it = s_.terms.find(k);
        if (it != s_.terms.end() && it->second > 1)
            sum += std::log(static_cast<double>(it->second));
    }
    return sum / std::sqrt(static_cast<double>(keys.size()) + 1.0) + c.bonus;
}

void summarizer::prune_candidates() {
    std::stable_sort(s_.candidates.begin(), s_.candidates.end(),
                     [&](const auto& a, const auto& b) { return score(a) > score(b); });
    // Near-duplicates add nothing to a summary.
    std::vector<sentence_candidate> kept;
    for (auto& c : s_.candidates) {
        const auto keys = t::keywords(c.text);
        bool dup = false;
        for (const auto& k : kept) dup = dup || overlap(t::keywords(k.text), keys) >= 0.7;
        if (!dup) kept.push_back(std::move(c));
        if (kept.size() >= max_candidates) break;
    }
    s_.candidates = std::move(kept);
    if (s_.terms.size() > max_terms) {
        std::vector<std::pair<std::uint64_t, std::string>> by_count;
        for (const auto& [k, n] : s_.terms) by_count.emplace_back(n, k);
        std::sort(by_count.rbegin(), by_count.rend());
        std::map<std::string, std::uint64_t> top;
        for (std::size_t i = 0; i < max_terms; ++i)
            top.emplace(by_count[i].second, by_count[i].first);
        s_.terms = std::move(top);
    }
}

std::vector<std::string> summarizer::top_categories() const {
    std::vector<std::pair<int, std::string>> ranked;
    const int threshold = s_.msgs >= 6 ? 2 : 1;
    for (const auto& [name, n] : s_.cats)
        if (n >= threshold) ranked.emplace_back(n, name);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> out;
    for (const auto& [n, name] : ranked)
        if (out.size() < 4) out.push_back(name);
    if (out.empty()) out.push_back("general");
    return out;
}

std::string summarizer::overall(const std::vector<std::string>& categories) const {
    std::vector<std::pair<std::uint64_t, std::string>> terms;
    for (const auto& [k, n] : s_.terms)
        if (n >= 2) terms.emplace_back(n, k);
    std::stable_sort(terms.begin(), terms.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::string topic;
    for (std::size_t i = 0; i < terms.size() && i < 3; ++i)
        topic +=
            (i == 0 ? "" : (i + 1 == std::min<std::size_t>(terms.size(), 3) ? " and " : ", ")) +
            terms[i].second;
    std::string cats;
    for (std::size_t i = 0; i < categories.size() && i < 2; ++i) {
        std::string c = categories[i];
        std::replace(c.begin(), c.end(), '-', ' ');
        cats += (i == 0 ? "" : " and ") + c;
    }
    std::string out;
    if (categories.size() == 1 && categories[0] == "general")
        out = topic.empty() ? "Conversation." : "Conversation about " + topic + ".";
    else
        out = "Conversation about " + cats + (topic.empty() ? "" : " (" + topic + ")") + ".";

    // The best three sentences, in the order they were written, the opening one
    // first.
    std::vector<sentence_candidate> chosen;
    if (s_.opening) chosen.push_back(*s_.opening);
    for (const auto& c : s_.candidates) {
        if (chosen.size() >= 3) break;
        bool dup = false;
        for (const auto& k : chosen) dup = dup || k.text == c.text;
        if (!dup) chosen.push_back(c);
    }
    std::stable_sort(chosen.begin(), chosen.end(),
                     [](const auto& a, const auto& b) { return a.at < b.at; });
    for (const auto& c : chosen) {
        std::string s = c.text;
        if (!s.empty() && s.back() != '.' && s.back() != '?' && s.back() != '!') s += '.';
        if (out.size() + s.size() + 1 > 900) break;
        out += ' ' + s;
    }
    if (!s_.questions.empty()) {
        std::string q = finish(s_.questions.front().text);
        if (out.size() + q.size() < 1000) out += " Still open: " + q + "?";
    }
    return out;
}

sentiment summarizer::mood() const {
    const int total = s_.pos + s_.neg;
    if (total < 2) return sentiment::neutral;
    const double score = static_cast<double>(s_.pos - s_.neg) / total;
    if (s_.pos_msgs >= 2 && s_.neg_msgs >= 2 && std::abs(score) <= 0.35) return sentiment::mixed;
    if (score > 0.25) return sentiment::positive;
    if (score < -0.25) return sentiment::negative;
    return s_.pos_msgs >= 2 && s_.neg_msgs >= 2 ? sentiment::mixed : sentiment::neutral;
}

}  // namespace sb::ai::detail
