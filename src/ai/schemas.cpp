#include "ai/schemas.hpp"

#include "ai/json_schema.hpp"
#include "core/time_format.hpp"

namespace sb::ai {

using nlohmann::json;

namespace {

json string_list(std::size_t max_items, std::size_t max_length) {
    return json{{"type", "array"},
                {"maxItems", max_items},
                {"items", {{"type", "string"}, {"minLength", 1}, {"maxLength", max_length}}}};
}

}  // namespace

const json& summary_schema() {
    static const json schema = {
        {"type", "object"},
        {"additionalProperties", false},
        {"required",
         {"overall_summary", "categories", "action_items", "key_decisions", "sentiment", "status",
          "open_questions", "due_date"}},
        {"properties",
         {{"overall_summary", {{"type", "string"}, {"minLength", 1}, {"maxLength", 2000}}},
          {"categories", string_list(8, 64)},
          {"action_items", string_list(20, 300)},
          {"key_decisions", string_list(20, 300)},
          {"sentiment",
           {{"type", "string"}, {"enum", {"positive", "neutral", "negative", "mixed"}}}},
          {"status", {{"type", "string"}, {"enum", {"urgent", "pending", "on_track"}}}},
          {"open_questions", string_list(10, 300)},
          {"due_date", {{"type", {"string", "null"}}}}}}};
    return schema;
}

const json& digest_schema() {
    static const json uids = {{"type", "array"}, {"items", {{"type", "string"}}}};
    static const json schema = {
        {"type", "object"},
        {"additionalProperties", false},
        {"required", {"summary", "categories", "action_items"}},
        {"properties",
         {{"summary", {{"type", "string"}, {"minLength", 1}, {"maxLength", 4000}}},
          {"categories",
           {{"type", "object"},
            {"additionalProperties", false},
            {"required", {"urgent", "pending", "on_track", "stale"}},
            {"properties",
             {{"urgent", uids}, {"pending", uids}, {"on_track", uids}, {"stale", uids}}}}},
          {"action_items", string_list(30, 300)}}}};
    return schema;
}

json wire_schema(const json& schema) {
    if (schema.is_array()) {
        json out = json::array();
        for (const auto& s : schema) out.push_back(wire_schema(s));
        return out;
    }
    if (!schema.is_object()) return schema;
    json out = json::object();
    for (const auto& [key, value] : schema.items()) {
        if (key == "minLength" || key == "maxLength" || key == "minItems" || key == "maxItems" ||
            key == "minimum" || key == "maximum")
            continue;
        out[key] = (key == "enum" || key == "required") ? value : wire_schema(value);
    }
    return out;
}

std::vector<std::string> read_summary_output(const json& doc, conversation_summary& out) {
    auto errors = validate(summary_schema(), doc);
    if (!errors.empty()) return errors;
    if (doc["due_date"].is_string()) {
        const auto when = core::parse_rfc3339(doc["due_date"].get<std::string>());
        if (!when) return {"/due_date: must be an RFC 3339 time (2026-05-22T17:00:00Z) or null"};
        out.due_at_ms = *when;
    } else {
        out.due_at_ms = 0;
    }
    out.overall_summary = doc["overall_summary"].get<std::string>();
    out.categories = doc["categories"].get<std::vector<std::string>>();
    out.action_items = doc["action_items"].get<std::vector<std::string>>();
    out.key_decisions = doc["key_decisions"].get<std::vector<std::string>>();
    out.mood = *parse_sentiment(doc["sentiment"].get<std::string>());
    out.state = *parse_status(doc["status"].get<std::string>());
    out.open_questions = doc["open_questions"].get<std::vector<std::string>>();
    out.engine_state = nullptr;
    return {};
}

std::vector<std::string> read_digest_output(const json& doc, const std::set<std::string>& known,
                                            digest& out) {
    auto errors = validate(digest_schema(), doc);
    if (!errors.empty()) return errors;
    std::set<std::string> seen;
    for (const char* cat : {"urgent", "pending", "on_track", "stale"}) {
        for (const auto& uid : doc["categories"][cat]) {
            const auto& id = uid.get_ref<const std::string&>();
            if (!known.contains(id))
                errors.push_back(std::string("/categories/") + cat + ": \"" + id +
                                 "\" is not one of the conversations given");
            else if (!seen.insert(id).second)
                errors.push_back(std::string("/categories/") + cat + ": \"" + id +
                                 "\" is already in another category");
        }
    }
    if (!errors.empty()) return errors;
    out = digest_from_json(doc);
    return {};
}

}  // namespace sb::ai
