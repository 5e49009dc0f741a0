#include "ai/detail/summarizer.hpp"

#include <algorithm>
#include <cctype>

#include "ai/detail/phrases.hpp"
#include "ai/detail/text.hpp"

namespace sb::ai::detail {

namespace t = detail;  // the text helpers (text.hpp)

namespace {

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

}  // namespace

void summarizer::add(const chat_message& m) {
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
        std::erase_if(s_.actions, [&](const action_item& a) { return a.info && a.owner == user; });
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

conversation_summary summarizer::finish_summary(std::uint64_t now_ms) {
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
        if (out.waiting_since_ms == 0 || q.at < out.waiting_since_ms) out.waiting_since_ms = q.at;

    const bool urgent_open = s_.urgent_at != 0 && s_.urgent_at > s_.resolved_at;
    const bool due_soon = out.due_at_ms != 0 && out.due_at_ms <= now_ms + 48 * hour_ms;
    const bool waiting = out.waiting_since_ms != 0 && out.waiting_since_ms + 24 * hour_ms < now_ms;
    if (urgent_open || due_soon || waiting)
        out.state = status::urgent;
    else if (!s_.questions.empty() || !s_.actions.empty())
        out.state = status::pending;
    else
        out.state = status::on_track;
    out.engine_state = to_json(s_);
    return out;
}

void summarizer::add_sentence(const std::string& sentence, const std::string& user,
                              std::uint64_t at, bool message_urgent) {
    const std::string_view body = strip_fillers(sentence);
    const std::string low = t::lower(body);
    const auto w = t::words(low);
    if (w.empty()) return;
    const bool question = (!sentence.empty() && sentence.back() == '?') ||
                          (t::starts_with_any(low, {"any update", "any news"}));
    const bool decision = t::has_any(low, t::decision_cues()) &&
                          !t::has_any(low, negated_decision) &&
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

}  // namespace sb::ai::detail
