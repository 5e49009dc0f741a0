#pragma once
// The JSON schemas every engine output must satisfy (validated with
// json_schema.hpp), and the conversion from a validated document to the
// engine's result. The OpenAI-compatible engine sends wire_schema() (the same
// schema without the length and count bounds, which strict structured-output
// modes refuse) and checks answers against the full one.

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "ai/summary.hpp"

namespace sb::ai {

// A conversation summary as a model writes it: the summary fields, plus status,
// open_questions and due_date (RFC 3339 or null).
[[nodiscard]] const nlohmann::json& summary_schema();
// A digest: summary, categories {urgent, pending, on_track, stale} of
// conversation uids, action_items.
[[nodiscard]] const nlohmann::json& digest_schema();
// `schema` without minLength, maxLength, minItems, maxItems, minimum and
// maximum.
[[nodiscard]] nlohmann::json wire_schema(const nlohmann::json& schema);

// Validates a model's summary document; on success fills `out` (engine_state
// left null).
[[nodiscard]] std::vector<std::string> read_summary_output(const nlohmann::json& doc,
                                                           conversation_summary& out);
// Validates a model's digest: the schema, then that every uid is one of `known`
// and appears in at most one category. Uids the model left out are not errors
// (the caller files them).
[[nodiscard]] std::vector<std::string> read_digest_output(const nlohmann::json& doc,
                                                          const std::set<std::string>& known,
                                                          digest& out);

}  // namespace sb::ai
