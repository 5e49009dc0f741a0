#include "ai/detail/engine_state.hpp"

namespace sb::ai::detail {

using nlohmann::json;

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

}  // namespace sb::ai::detail
