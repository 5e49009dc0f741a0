#include "ai/builtin_engine.hpp"

#include <map>

#include "ai/detail/engine_state.hpp"
#include "ai/detail/summarizer.hpp"

namespace sb::ai {

using detail::engine_state;
using detail::state_from_json;
using detail::summarizer;
using nlohmann::json;

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

}  // namespace sb::ai
