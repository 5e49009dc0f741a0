#include "ai/summary.hpp"

namespace sb::ai {

using nlohmann::json;

std::string message_text(const std::string& data) {
    const json doc = json::parse(data, nullptr, false);
    if (doc.is_discarded()) return data;
    if (doc.is_string()) return doc.get<std::string>();
    if (doc.is_object()) {
        for (const char* key : {"text", "message", "body", "content"}) {
            auto it = doc.find(key);
            if (it != doc.end() && it->is_string()) return it->get<std::string>();
        }
    }
    if (!doc.is_structured()) return data;
    std::string out;
    // Every string value, depth first, in document order.
    std::vector<const json*> stack{&doc};
    while (!stack.empty()) {
        const json* j = stack.back();
        stack.pop_back();
        if (j->is_string()) {
            if (!out.empty()) out += ' ';
            out += j->get<std::string>();
        } else if (j->is_structured()) {
            std::vector<const json*> children;
            for (const auto& child : *j) children.push_back(&child);
            for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(*it);
        }
    }
    return out;
}

const char* to_string(sentiment s) noexcept {
    switch (s) {
        case sentiment::positive:
            return "positive";
        case sentiment::negative:
            return "negative";
        case sentiment::mixed:
            return "mixed";
        case sentiment::neutral:
            break;
    }
    return "neutral";
}

std::optional<sentiment> parse_sentiment(std::string_view s) noexcept {
    if (s == "positive") return sentiment::positive;
    if (s == "neutral") return sentiment::neutral;
    if (s == "negative") return sentiment::negative;
    if (s == "mixed") return sentiment::mixed;
    return std::nullopt;
}

const char* to_string(status s) noexcept {
    switch (s) {
        case status::urgent:
            return "urgent";
        case status::pending:
            return "pending";
        case status::stale:
            return "stale";
        case status::on_track:
            break;
    }
    return "on_track";
}

std::optional<status> parse_status(std::string_view s) noexcept {
    if (s == "urgent") return status::urgent;
    if (s == "pending") return status::pending;
    if (s == "on_track") return status::on_track;
    if (s == "stale") return status::stale;
    return std::nullopt;
}

json to_json(const conversation_summary& s) {
    json j{{"overall_summary", s.overall_summary},  {"categories", s.categories},
           {"action_items", s.action_items},        {"key_decisions", s.key_decisions},
           {"sentiment", to_string(s.mood)},        {"status", to_string(s.state)},
           {"open_questions", s.open_questions},    {"due_at_ms", s.due_at_ms},
           {"waiting_since_ms", s.waiting_since_ms}};
    if (!s.engine_state.is_null()) j["engine_state"] = s.engine_state;
    return j;
}

conversation_summary summary_from_json(const json& j) {
    conversation_summary s;
    s.overall_summary = j.at("overall_summary").get<std::string>();
    s.categories = j.at("categories").get<std::vector<std::string>>();
    s.action_items = j.at("action_items").get<std::vector<std::string>>();
    s.key_decisions = j.at("key_decisions").get<std::vector<std::string>>();
    s.mood = parse_sentiment(j.at("sentiment").get<std::string>()).value_or(sentiment::neutral);
    s.state = parse_status(j.value("status", std::string("on_track"))).value_or(status::on_track);
    s.open_questions = j.value("open_questions", std::vector<std::string>{});
    s.due_at_ms = j.value("due_at_ms", std::uint64_t{0});
    s.waiting_since_ms = j.value("waiting_since_ms", std::uint64_t{0});
    if (auto it = j.find("engine_state"); it != j.end()) s.engine_state = *it;
    return s;
}

json to_json(const digest& d) {
    return json{{"summary", d.summary},
                {"categories",
                 {{"urgent", d.urgent},
                  {"pending", d.pending},
                  {"on_track", d.on_track},
                  {"stale", d.stale}}},
                {"action_items", d.action_items}};
}

digest digest_from_json(const json& j) {
    digest d;
    d.summary = j.at("summary").get<std::string>();
    const auto& c = j.at("categories");
    d.urgent = c.at("urgent").get<std::vector<std::string>>();
    d.pending = c.at("pending").get<std::vector<std::string>>();
    d.on_track = c.at("on_track").get<std::vector<std::string>>();
    d.stale = c.at("stale").get<std::vector<std::string>>();
    d.action_items = j.at("action_items").get<std::vector<std::string>>();
    return d;
}

std::string format_span(std::uint64_t from_ms, std::uint64_t to_ms) {
    const std::uint64_t s = to_ms > from_ms ? (to_ms - from_ms) / 1000 : 0;
    const std::uint64_t days = s / 86400, hours = (s % 86400) / 3600, minutes = (s % 3600) / 60;
    auto unit = [](std::uint64_t n, const char* u) { return std::to_string(n) + u; };
    if (days > 0) return hours > 0 ? unit(days, "d ") + unit(hours, "h") : unit(days, "d");
    if (hours > 0) return minutes > 0 ? unit(hours, "h ") + unit(minutes, "m") : unit(hours, "h");
    if (minutes > 0) return unit(minutes, "m");
    return unit(s, "s");
}

}  // namespace sb::ai
