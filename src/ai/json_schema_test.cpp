#include "ai/json_schema.hpp"

#include <gtest/gtest.h>

#include "ai/schemas.hpp"

namespace sb::ai {
namespace {

using nlohmann::json;

json valid_summary() {
    return json{{"overall_summary", "Checkout failed after a deploy; rolled back."},
                {"categories", {"bug-report"}},
                {"action_items", {"Send the incident report by Friday (sam)"}},
                {"key_decisions", json::array()},
                {"sentiment", "negative"},
                {"status", "pending"},
                {"open_questions", {"Any update on the fee refund?"}},
                {"due_date", "2026-05-22T23:59:59Z"}};
}

TEST(json_schema, accepts_a_valid_summary) {
    EXPECT_TRUE(validate(summary_schema(), valid_summary()).empty());
    conversation_summary s;
    ASSERT_TRUE(read_summary_output(valid_summary(), s).empty());
    EXPECT_EQ(s.mood, sentiment::negative);
    EXPECT_EQ(s.state, status::pending);
    EXPECT_EQ(s.due_at_ms, 1779494399000ULL);
}

TEST(json_schema, names_each_violation_by_pointer) {
    json doc = valid_summary();
    doc.erase("categories");
    doc["sentiment"] = "ecstatic";
    doc["action_items"] = {"ok", 42};
    doc["extra"] = true;
    doc["overall_summary"] = "";
    const auto errors = validate(summary_schema(), doc);
    auto has = [&](std::string_view text) {
        for (const auto& e : errors)
            if (e.find(text) != std::string::npos) return true;
        return false;
    };
    EXPECT_TRUE(has("/: missing required property \"categories\""));
    EXPECT_TRUE(has("/sentiment: must be one of"));
    EXPECT_TRUE(has("/action_items/1: expected string, got a number"));
    EXPECT_TRUE(has("/: unexpected property \"extra\""));
    EXPECT_TRUE(has("/overall_summary: shorter than 1"));
}

TEST(json_schema, checks_types_bounds_and_nullable_fields) {
    EXPECT_FALSE(validate(summary_schema(), json::array()).empty());
    json doc = valid_summary();
    doc["due_date"] = nullptr;
    EXPECT_TRUE(validate(summary_schema(), doc).empty());
    doc["due_date"] = 5;
    EXPECT_FALSE(validate(summary_schema(), doc).empty());
    doc = valid_summary();
    doc["categories"] = json::array();
    for (int i = 0; i < 9; ++i) doc["categories"].push_back("c" + std::to_string(i));
    EXPECT_FALSE(validate(summary_schema(), doc).empty());
    doc = valid_summary();
    doc["due_date"] = "next friday";
    conversation_summary s;
    EXPECT_FALSE(read_summary_output(doc, s).empty()) << "due_date must be RFC 3339";
}

TEST(json_schema, digest_uids_must_be_known_and_placed_once) {
    json doc{{"summary", "2 conversations"},
             {"categories",
              {{"urgent", {"a"}},
               {"pending", {"b"}},
               {"on_track", json::array()},
               {"stale", json::array()}}},
             {"action_items", {"Reply to a"}}};
    digest d;
    EXPECT_TRUE(read_digest_output(doc, {"a", "b"}, d).empty());
    EXPECT_EQ(d.urgent, std::vector<std::string>{"a"});
    doc["categories"]["stale"] = {"zzz"};
    EXPECT_FALSE(read_digest_output(doc, {"a", "b"}, d).empty());
    doc["categories"]["stale"] = {"a"};
    EXPECT_FALSE(read_digest_output(doc, {"a", "b"}, d).empty());
}

TEST(json_schema, wire_schema_drops_bounds_strict_modes_refuse) {
    const json wire = wire_schema(summary_schema());
    EXPECT_FALSE(wire["properties"]["overall_summary"].contains("maxLength"));
    EXPECT_FALSE(wire["properties"]["categories"].contains("maxItems"));
    EXPECT_EQ(wire["required"], summary_schema()["required"]);
    EXPECT_EQ(wire["additionalProperties"], false);
}

}  // namespace
}  // namespace sb::ai
