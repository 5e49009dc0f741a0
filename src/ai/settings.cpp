#include "ai/settings.hpp"

namespace sb::ai {

using nlohmann::json;

void apply(tenant_settings& s, const settings_patch& p) {
    if (p.engine) s.engine = *p.engine;
    if (p.recency_days) s.recency_days = *p.recency_days;
    if (p.max_fresh_per_request) s.max_fresh_per_request = *p.max_fresh_per_request;
    if (p.unread_only) s.unread_only = *p.unread_only;
    if (p.stale_after_days) s.stale_after_days = *p.stale_after_days;
    if (p.summary_prompt) s.summary_prompt = *p.summary_prompt;
    if (p.digest_prompt) s.digest_prompt = *p.digest_prompt;
}

namespace {

void read_count(const json& attrs, const char* key, std::uint32_t lo, std::uint32_t hi,
                std::optional<std::uint32_t>& out, patch_parse& r) {
    auto it = attrs.find(key);
    if (it == attrs.end()) return;
    if (it->is_null()) {
        r.reset.emplace_back(key);
        return;
    }
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() < lo ||
        it->get<std::uint64_t>() > hi) {
        r.errors.emplace_back(std::string("/data/attributes/") + key,
                              std::string(key) + " must be an integer from " + std::to_string(lo) +
                                  " to " + std::to_string(hi));
        return;
    }
    out = it->get<std::uint32_t>();
}

void read_prompt(const json& attrs, const char* key, std::optional<std::string>& out,
                 patch_parse& r) {
    auto it = attrs.find(key);
    if (it == attrs.end()) return;
    if (it->is_null()) {
        r.reset.emplace_back(key);
        return;
    }
    if (!it->is_string() || it->get_ref<const std::string&>().size() > 8000) {
        r.errors.emplace_back(std::string("/data/attributes/") + key,
                              std::string(key) + " must be a string of at most 8000 characters");
        return;
    }
    out = it->get<std::string>();
}

}  // namespace

patch_parse parse_patch(const json& attrs, bool openai_available) {
    patch_parse r;
    if (!attrs.is_object()) {
        r.errors.emplace_back("/data/attributes", "data.attributes must be an object");
        return r;
    }
    static const std::vector<std::string> known{
        "engine",      "recency_days",     "max_fresh_per_request",
        "unread_only", "stale_after_days", "prompts"};
    for (const auto& [key, value] : attrs.items()) {
        if (std::find(known.begin(), known.end(), key) == known.end())
            r.errors.emplace_back("/data/attributes/" + key, "unknown setting " + key);
    }
    if (auto it = attrs.find("engine"); it != attrs.end()) {
        if (it->is_null()) {
            r.reset.emplace_back("engine");
        } else if (!it->is_string() || (*it != "builtin" && *it != "openai")) {
            r.errors.emplace_back("/data/attributes/engine",
                                  "engine must be \"builtin\" or \"openai\"");
        } else if (*it == "openai" && !openai_available) {
            r.errors.emplace_back(
                "/data/attributes/engine",
                "engine \"openai\" needs ai.endpoint in the server configuration");
        } else {
            r.patch.engine = it->get<std::string>();
        }
    }
    read_count(attrs, "recency_days", 1, 3650, r.patch.recency_days, r);
    read_count(attrs, "max_fresh_per_request", 0, 100, r.patch.max_fresh_per_request, r);
    read_count(attrs, "stale_after_days", 1, 365, r.patch.stale_after_days, r);
    if (auto it = attrs.find("unread_only"); it != attrs.end()) {
        if (it->is_null())
            r.reset.emplace_back("unread_only");
        else if (!it->is_boolean())
            r.errors.emplace_back("/data/attributes/unread_only",
                                  "unread_only must be true or false");
        else
            r.patch.unread_only = it->get<bool>();
    }
    if (auto it = attrs.find("prompts"); it != attrs.end()) {
        if (it->is_null()) {
            r.reset.emplace_back("summary_prompt");
            r.reset.emplace_back("digest_prompt");
        } else if (!it->is_object()) {
            r.errors.emplace_back("/data/attributes/prompts",
                                  "prompts must be an object {summary, digest}");
        } else {
            for (const auto& [key, value] : it->items())
                if (key != "summary" && key != "digest")
                    r.errors.emplace_back("/data/attributes/prompts/" + key,
                                          "unknown prompt " + key);
            patch_parse inner;
            read_prompt(*it, "summary", r.patch.summary_prompt, inner);
            read_prompt(*it, "digest", r.patch.digest_prompt, inner);
            for (auto& e : inner.errors)
                r.errors.emplace_back("/data/attributes/prompts/" + e.first.substr(17), e.second);
            for (auto& k : inner.reset) r.reset.push_back(k + "_prompt");
        }
    }
    return r;
}

json merge_stored(const json& stored, const patch_parse& p) {
    json out = stored.is_object() ? stored : json::object();
    for (const auto& key : p.reset) out.erase(key);
    const auto& s = p.patch;
    if (s.engine) out["engine"] = *s.engine;
    if (s.recency_days) out["recency_days"] = *s.recency_days;
    if (s.max_fresh_per_request) out["max_fresh_per_request"] = *s.max_fresh_per_request;
    if (s.unread_only) out["unread_only"] = *s.unread_only;
    if (s.stale_after_days) out["stale_after_days"] = *s.stale_after_days;
    if (s.summary_prompt) out["summary_prompt"] = *s.summary_prompt;
    if (s.digest_prompt) out["digest_prompt"] = *s.digest_prompt;
    return out;
}

json to_json(const tenant_settings& s) {
    return json{
        {"engine", s.engine},
        {"recency_days", s.recency_days},
        {"max_fresh_per_request", s.max_fresh_per_request},
        {"unread_only", s.unread_only},
        {"stale_after_days", s.stale_after_days},
        {"prompts",
         {{"summary", s.summary_prompt.empty() ? default_summary_prompt() : s.summary_prompt},
          {"digest", s.digest_prompt.empty() ? default_digest_prompt() : s.digest_prompt}}}};
}

const std::string& default_summary_prompt() {
    static const std::string p =
        "You summarize one conversation ({{conversation_uid}}) of a messaging "
        "product for the "
        "people in it. Be factual and brief: overall_summary in at most four "
        "sentences; "
        "categories as short lowercase-hyphenated topics; action_items as "
        "imperative sentences "
        "with the owner in parentheses when known, only those still open; "
        "key_decisions only "
        "when someone decided or agreed; status urgent when something is "
        "blocked, overdue, due "
        "within 48 hours or a customer waits, pending when questions or tasks "
        "are open, on_track "
        "otherwise; due_date the earliest open deadline as an RFC 3339 time, or "
        "null.";
    return p;
}

const std::string& default_digest_prompt() {
    static const std::string p =
        "You write a digest of the conversations of "
        "{{user_uid}} ({{conversation_count}} "
        "conversations). Summarize what needs attention "
        "first in a few sentences. Put every "
        "conversation id in exactly one category: "
        "urgent (needs action now), pending (waiting "
        "on someone), on_track, or stale (inactive). "
        "List the most important open action items "
        "first.";
    return p;
}

std::string expand(const std::string& tmpl, const std::map<std::string, std::string>& values) {
    std::string out;
    std::size_t i = 0;
    while (i < tmpl.size()) {
        const auto open = tmpl.find("{{", i);
        if (open == std::string::npos) break;
        const auto close = tmpl.find("}}", open + 2);
        if (close == std::string::npos) break;
        out.append(tmpl, i, open - i);
        const std::string name = tmpl.substr(open + 2, close - open - 2);
        auto it = values.find(name);
        out += it != values.end() ? it->second : tmpl.substr(open, close + 2 - open);
        i = close + 2;
    }
    out.append(tmpl, i, std::string::npos);
    return out;
}

}  // namespace sb::ai
