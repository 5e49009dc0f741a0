#include "ai/builtin_engine.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ai/detail/text.hpp"

namespace sb::ai {
namespace {

using nlohmann::json;
namespace t = detail;

constexpr std::size_t max_candidates = 12;
constexpr std::size_t max_terms = 400;
constexpr std::size_t max_actions = 10;
constexpr std::size_t max_decisions = 8;
constexpr std::uint64_t hour_ms = 3'600'000;

struct sentence_candidate {
    std::string text;
    std::string user;
    std::uint64_t at = 0;
    double bonus = 0;
};

struct action_item {
    std::string text;
    std::string owner;
    std::uint64_t at = 0;
    std::uint64_t due = 0;
    bool urgent = false;
    std::vector<std::string> keys;
    bool info = false;  // a request for information: any reply from its owner settles it
};

struct open_question {
    std::string text;
    std::string user;
    std::uint64_t at = 0;
};

struct deadline {
    std::string text;
    std::uint64_t due = 0;
    std::vector<std::string> keys;
};

// Everything the engine knows after the messages it has seen.
struct engine_state {
    std::map<std::string, std::uint64_t> terms;
    std::vector<sentence_candidate> candidates;
    std::optional<sentence_candidate> opening;
    int pos = 0, neg = 0, pos_msgs = 0, neg_msgs = 0, msgs = 0;
    std::vector<action_item> actions;
    std::vector<std::string> decisions;
    std::vector<open_question> questions;
    std::vector<deadline> deadlines;
    std::uint64_t urgent_at = 0, resolved_at = 0, last_at = 0;
    std::map<std::string, int> cats;
    std::set<std::string> participants;  // lower case
    std::string proposal, proposal_user;
    int proposal_age = 0;  // messages since the proposal
};

json to_json(const engine_state& s) {
    json j;
    j["v"] = 1;
    j["terms"] = s.terms;
    json cands = json::array();
    for (const auto& c : s.candidates)
        cands.push_back({{"t", c.text}, {"u", c.user}, {"at", c.at}, {"b", c.bonus}});
    j["candidates"] = cands;
    if (s.opening)
        j["opening"] = {{"t", s.opening->text}, {"u", s.opening->user}, {"at", s.opening->at}};
    j["counts"] = {s.pos, s.neg, s.pos_msgs, s.neg_msgs, s.msgs};
    json acts = json::array();
    for (const auto& a : s.actions)
        acts.push_back({{"t", a.text},
                        {"o", a.owner},
                        {"at", a.at},
                        {"due", a.due},
                        {"urgent", a.urgent},
                        {"k", a.keys},
                        {"i", a.info}});
    j["actions"] = acts;
    j["decisions"] = s.decisions;
    json qs = json::array();
    for (const auto& q : s.questions) qs.push_back({{"t", q.text}, {"u", q.user}, {"at", q.at}});
    j["questions"] = qs;
    json ds = json::array();
    for (const auto& d : s.deadlines) ds.push_back({{"t", d.text}, {"due", d.due}, {"k", d.keys}});
    j["deadlines"] = ds;
    j["times"] = {s.urgent_at, s.resolved_at, s.last_at};
    j["cats"] = s.cats;
    j["participants"] = s.participants;
    j["proposal"] = {s.proposal, s.proposal_user, s.proposal_age};
    return j;
}

engine_state state_from_json(const json& j) {
    engine_state s;
    if (!j.is_object() || j.value("v", 0) != 1) return s;
    s.terms = j.at("terms").get<std::map<std::string, std::uint64_t>>();
    for (const auto& c : j.at("candidates"))
        s.candidates.push_back({c.at("t"), c.at("u"), c.at("at"), c.at("b")});
    if (auto o = j.find("opening"); o != j.end())
        s.opening = sentence_candidate{o->at("t"), o->at("u"), o->at("at"), 0};
    const auto& n = j.at("counts");
    s.pos = n[0];
    s.neg = n[1];
    s.pos_msgs = n[2];
    s.neg_msgs = n[3];
    s.msgs = n[4];
    for (const auto& a : j.at("actions"))
        s.actions.push_back({a.at("t"), a.at("o"), a.at("at"), a.at("due"), a.at("urgent"),
                             a.at("k").get<std::vector<std::string>>(), a.value("i", false)});
    s.decisions = j.at("decisions").get<std::vector<std::string>>();
    for (const auto& q : j.at("questions"))
        s.questions.push_back({q.at("t"), q.at("u"), q.at("at")});
    for (const auto& d : j.at("deadlines"))
        s.deadlines.push_back({d.at("t"), d.at("due"), d.at("k").get<std::vector<std::string>>()});
    const auto& times = j.at("times");
    s.urgent_at = times[0];
    s.resolved_at = times[1];
    s.last_at = times[2];
    s.cats = j.at("cats").get<std::map<std::string, int>>();
    s.participants = j.at("participants").get<std::set<std::string>>();
    const auto& p = j.at("proposal");
    s.proposal = p[0];
    s.proposal_user = p[1];
    s.proposal_age = p[2];
    return s;
}

// --- phrase handling
// ------------------------------------------------------------------------

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
const std::vector<std::string_view> negated_resolution{
    "not fixed",    "isn't fixed",     "is not fixed",   "still broken",    "still failing",
    "still down",   "not resolved",    "isn't resolved", "still not",       "not done",
    "isn't done",   "not working",     "doesn't work",   "still happening", "still seeing",
    "not finished", "haven't finished"};
const std::vector<std::string_view> negated_decision{
    "not decided", "haven't decided", "undecided",   "not approved",  "isn't approved",
    "not agreed",  "haven't agreed",  "no decision", "not confirmed", "didn't decide"};
const std::vector<std::string_view> deadline_words{
    "deadline", "due", "launch", "release", "ship",    "deliver", "submit", "finish", "complete",
    "ready",    "eta", "demo",   "review",  "go live", "go-live", "cutoff", "freeze"};
const std::vector<std::string_view> question_starts{
    "who", "what", "when", "where", "why",  "how",    "can",        "could",    "would", "is",
    "are", "do",   "does", "did",   "will", "should", "any update", "any news", "anyone"};

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

// --- the pass over messages
// -------------------------------------------------------------------

class summarizer {
public:
    explicit summarizer(engine_state s) : s_(std::move(s)) {}

    void add(const chat_message& m) {
        const std::string text = t::squeeze(m.text);
        if (text.empty()) return;
        const std::string low = t::lower(text);
        const std::string user = t::lower(m.user_id);
        ++s_.msgs;
        s_.last_at = std::max(s_.last_at, m.created_at_ms);
        if (!user.empty()) s_.participants.insert(user);

        const auto hits = t::score_sentiment(text);
        s_.pos += hits.positive;
        s_.neg += hits.negative;
        if (hits.positive > hits.negative) ++s_.pos_msgs;
        if (hits.negative > hits.positive) ++s_.neg_msgs;

        // A message from someone else answers the questions asked before it.
        std::erase_if(s_.questions, [&](const open_question& q) { return q.user != user; });

        const auto msg_keys = t::keywords(text);
        // An answer from the person asked settles a request for information.
        if (text.back() != '?')
            std::erase_if(s_.actions,
                          [&](const action_item& a) { return a.info && a.owner == user; });
        const bool negated = t::has_any(low, negated_resolution);
        if (!negated && t::has_any(low, t::resolution_cues())) {
            s_.resolved_at = m.created_at_ms;
            const bool short_ack = t::words(low).size() <= 6;
            // Done when the words overlap, or when the owner reports on something of
            // theirs.
            std::erase_if(s_.actions, [&](const action_item& a) {
                const double o = overlap(a.keys, msg_keys);
                return o >= 0.34 || (a.owner == user && (o > 0 || short_ack));
            });
            std::erase_if(s_.deadlines,
                          [&](const deadline& d) { return overlap(d.keys, msg_keys) >= 0.5; });
        }
        const bool urgent = t::has_any(low, t::urgent_cues()) || (negated && s_.urgent_at != 0);
        if (urgent) s_.urgent_at = m.created_at_ms;

        for (const auto& rule : t::category_rules())
            for (auto kw : rule.keywords)
                if (t::has_phrase(low, kw)) s_.cats[std::string(rule.name)] += 1;
        for (const auto& k : msg_keys)
            if (!std::isdigit(static_cast<unsigned char>(k[0])) && !s_.participants.contains(k))
                ++s_.terms[k];

        bool agreed = false;
        const auto all_words = t::words(low);
        if (!s_.proposal.empty() && s_.proposal_user != user && all_words.size() <= 12 &&
            t::has_any(low, t::agreement_cues()) && !t::has_phrase(low, "not")) {
            add_decision(proposal_decision(s_.proposal));
            s_.proposal.clear();
            agreed = true;
        }

        for (const auto& sentence : t::sentences(text))
            add_sentence(sentence, user, m.created_at_ms, urgent);

        if (!agreed && !s_.proposal.empty() && ++s_.proposal_age > 3) s_.proposal.clear();
    }

    conversation_summary finish_summary(std::uint64_t now_ms) {
        prune_candidates();
        conversation_summary out;
        out.categories = top_categories();
        out.overall_summary = overall(out.categories);
        // Deadline first (soonest), then urgent, then most recent.
        auto actions = s_.actions;
        std::stable_sort(actions.begin(), actions.end(),
                         [](const action_item& a, const action_item& b) {
                             if ((a.due != 0) != (b.due != 0)) return a.due != 0;
                             if (a.due != b.due) return a.due < b.due;
                             if (a.urgent != b.urgent) return a.urgent;
                             return a.at > b.at;
                         });
        for (const auto& a : actions) {
            if (out.action_items.size() >= max_actions) break;
            out.action_items.push_back(a.owner.empty() ? a.text : a.text + " (" + a.owner + ")");
        }
        out.key_decisions = s_.decisions;
        out.mood = mood();
        for (const auto& q : s_.questions)
            if (out.open_questions.size() < 5) out.open_questions.push_back(finish(q.text) + "?");
        for (const auto& a : s_.actions)
            if (a.due != 0 && (out.due_at_ms == 0 || a.due < out.due_at_ms)) out.due_at_ms = a.due;
        for (const auto& d : s_.deadlines)
            if (out.due_at_ms == 0 || d.due < out.due_at_ms) out.due_at_ms = d.due;
        for (const auto& q : s_.questions)
            if (out.waiting_since_ms == 0 || q.at < out.waiting_since_ms)
                out.waiting_since_ms = q.at;

        const bool urgent_open = s_.urgent_at != 0 && s_.urgent_at > s_.resolved_at;
        const bool due_soon = out.due_at_ms != 0 && out.due_at_ms <= now_ms + 48 * hour_ms;
        const bool waiting =
            out.waiting_since_ms != 0 && out.waiting_since_ms + 24 * hour_ms < now_ms;
        if (urgent_open || due_soon || waiting)
            out.state = status::urgent;
        else if (!s_.questions.empty() || !s_.actions.empty())
            out.state = status::pending;
        else
            out.state = status::on_track;
        out.engine_state = to_json(s_);
        return out;
    }

private:
    void add_sentence(const std::string& sentence, const std::string& user, std::uint64_t at,
                      bool message_urgent) {
        const std::string_view body = strip_fillers(sentence);
        const std::string low = t::lower(body);
        const auto w = t::words(low);
        if (w.empty()) return;
        const bool question = (!sentence.empty() && sentence.back() == '?') ||
                              (t::starts_with_any(low, {"any update", "any news"}));
        const bool decision =
            t::has_any(low, t::decision_cues()) && !t::has_any(low, negated_decision) &&
            !(question && !t::starts_with_any(low, {"so we decided", "we decided"}));
        bool action = false;
        std::string action_text;
        std::string owner;
        if (!decision)
            action = detect_action(sentence, body, low, w, user, question, action_text, owner);

        const auto due = t::find_deadline(low, at);
        const bool deadline_context = action || t::has_any(low, deadline_words);
        const auto keys = t::keywords(low);

        if (decision && w.size() >= 3) add_decision(finish(body));
        if (action && !action_text.empty()) {
            const std::string al = t::lower(action_text);
            const bool info =
                !owner.empty() && owner != user &&
                t::starts_with_any(
                    al, {"send me", "send us", "share", "tell me", "tell us", "give me", "provide",
                         "confirm", "let me know", "let us know", "paste", "forward"});
            action_item a{action_text,    owner, at,  deadline_context && due ? *due : 0,
                          message_urgent, keys,  info};
            add_action(std::move(a));
        } else if (due && deadline_context && !question) {
            s_.deadlines.push_back({finish(body), *due, keys});
        }
        if (question && !action) s_.questions.push_back({std::string(body), user, at});
        if (t::has_any(low, t::proposal_cues()) && !decision) {
            s_.proposal = std::string(body);
            s_.proposal_user = user;
            s_.proposal_age = 0;
        }

        if (w.size() >= 4) {
            double bonus = 0;
            if (decision) bonus += 1.2;
            if (action) bonus += 0.6;
            if (message_urgent) bonus += 0.6;
            if (due) bonus += 0.4;
            if (question) bonus += 0.2;
            // Summaries quote the sentence as written (a question stays a question).
            std::string quoted = t::squeeze(body);
            if (!quoted.empty() && quoted[0] >= 'a' && quoted[0] <= 'z')
                quoted[0] = static_cast<char>(quoted[0] - 'a' + 'A');
            if (quoted.size() > 280) quoted = finish(quoted);
            sentence_candidate c{std::move(quoted), user, at, bonus};
            if (!s_.opening && !question && w.size() >= 5) s_.opening = c;
            s_.candidates.push_back(std::move(c));
        }
    }

    bool detect_action(const std::string& sentence, std::string_view body, const std::string& low,
                       const std::vector<std::string>& w, const std::string& user, bool question,
                       std::string& text, std::string& owner) {
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

    std::string other_party(const std::string& user) const {
        if (s_.participants.size() != 2) return {};
        for (const auto& p : s_.participants)
            if (p != user) return p;
        return {};
    }

    void add_action(action_item a) {
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

    void add_decision(std::string d) {
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

    static std::string proposal_decision(const std::string& proposal) {
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

    double score(const sentence_candidate& c) const {
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

    void prune_candidates() {
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

    std::vector<std::string> top_categories() const {
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

    std::string overall(const std::vector<std::string>& categories) const {
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

    sentiment mood() const {
        const int total = s_.pos + s_.neg;
        if (total < 2) return sentiment::neutral;
        const double score = static_cast<double>(s_.pos - s_.neg) / total;
        if (s_.pos_msgs >= 2 && s_.neg_msgs >= 2 && std::abs(score) <= 0.35)
            return sentiment::mixed;
        if (score > 0.25) return sentiment::positive;
        if (score < -0.25) return sentiment::negative;
        return s_.pos_msgs >= 2 && s_.neg_msgs >= 2 ? sentiment::mixed : sentiment::neutral;
    }

    engine_state s_;
};

}  // namespace

conversation_summary builtin_engine::summarize_now(const summary_request& request) {
    engine_state state;
    if (request.previous && !request.previous->engine_state.is_null()) {
        try {
            state = state_from_json(request.previous->engine_state);
        } catch (const json::exception&) {
            state = {};
        }
    }
    summarizer s(std::move(state));
    for (const auto& m : request.messages) s.add(m);
    return s.finish_summary(request.now_ms);
}

void builtin_engine::summarize(summary_request request,
                               core::unique_callback<summary_result> done) {
    summary_result r;
    r.summary = summarize_now(request);
    r.attempts = 1;
    done(std::move(r));
}

digest builtin_engine::digest_now(const digest_request& request) {
    digest d;
    std::size_t with_unread = 0;
    std::uint64_t unread = 0;
    std::map<std::string, std::size_t> projects;
    for (const auto& c : request.conversations) {
        switch (c.hint) {
            case status::urgent:
                d.urgent.push_back(c.conversation_uid);
                break;
            case status::pending:
                d.pending.push_back(c.conversation_uid);
                break;
            case status::on_track:
                d.on_track.push_back(c.conversation_uid);
                break;
            case status::stale:
                d.stale.push_back(c.conversation_uid);
                break;
        }
        if (c.unread_count > 0) ++with_unread;
        unread += c.unread_count;
    }
    const std::size_t n = request.conversations.size();
    std::string s = std::to_string(n) + (n == 1 ? " active conversation" : " active conversations");
    if (with_unread > 0)
        s += ", " + std::to_string(with_unread) + " with unread messages (" +
             std::to_string(unread) + " in total)";
    s += ".";
    auto headline = [&](const std::vector<std::string>& uids, const char* label) {
        if (uids.empty()) return;
        s += std::string(" ") + label + ": ";
        for (std::size_t i = 0; i < uids.size() && i < 3; ++i) {
            if (i) s += "; ";
            s += uids[i];
            for (const auto& c : request.conversations) {
                if (c.conversation_uid != uids[i] || !c.summary) continue;
                const auto& sum = *c.summary;
                std::string what = !sum.action_items.empty()     ? sum.action_items.front()
                                   : !sum.open_questions.empty() ? sum.open_questions.front()
                                   : !sum.key_decisions.empty()  ? sum.key_decisions.front()
                                                                 : std::string();
                if (!what.empty()) s += " (" + what + ")";
            }
        }
        if (uids.size() > 3) s += " and " + std::to_string(uids.size() - 3) + " more";
        s += ".";
    };
    headline(d.urgent, "Urgent");
    headline(d.pending, "Pending");
    std::vector<std::string> decisions;
    for (const auto& c : request.conversations)
        if (c.summary && !c.summary->key_decisions.empty() && decisions.size() < 3)
            decisions.push_back(c.summary->key_decisions.back() + " [" + c.conversation_uid + "]");
    if (!decisions.empty()) {
        s += " Key updates: ";
        for (std::size_t i = 0; i < decisions.size(); ++i) s += (i ? "; " : "") + decisions[i];
        s += ".";
    }
    if (!d.stale.empty()) s += " " + std::to_string(d.stale.size()) + " gone quiet.";
    d.summary = s;

    // Action items: urgent conversations first, then pending, on track, stale;
    // within each the conversation's own order (deadline first).
    for (status want : {status::urgent, status::pending, status::on_track, status::stale}) {
        for (const auto& c : request.conversations) {
            if (c.hint != want || !c.summary) continue;
            for (const auto& item : c.summary->action_items) {
                if (d.action_items.size() >= 15) break;
                d.action_items.push_back(item + " [" + c.conversation_uid + "]");
            }
            if (want == status::stale && c.summary->action_items.empty() &&
                d.action_items.size() < 15)
                d.action_items.push_back("Follow up on " + c.conversation_uid + " (no activity)");
        }
    }
    return d;
}

void builtin_engine::make_digest(digest_request request,
                                 core::unique_callback<digest_result> done) {
    digest_result r;
    r.result = digest_now(request);
    r.attempts = 1;
    done(std::move(r));
}

const char* describe(engine_failure f) noexcept {
    switch (f) {
        case engine_failure::unavailable:
            return "the AI engine is unavailable";
        case engine_failure::timeout:
            return "the AI engine did not answer in time";
        case engine_failure::invalid_output:
            return "the AI engine's output never matched the schema";
        case engine_failure::overloaded:
            return "the AI engine is overloaded";
        case engine_failure::none:
            break;
    }
    return "ok";
}

}  // namespace sb::ai
