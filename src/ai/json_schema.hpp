#pragma once
// A JSON Schema validator for the subset the engines' output schemas use
// (schemas.hpp): type, properties, required, additionalProperties (boolean),
// items, enum, minLength/maxLength, minItems/maxItems, minimum/maximum. Every
// engine output is checked with it before it is trusted; the messages name the
// failing location as a JSON pointer so they can be handed back to the model in
// a corrective prompt. Pure; any thread.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sb::ai {

// The violations of `schema` by `value`, at most `max_errors` of them; empty
// when valid.
[[nodiscard]] std::vector<std::string> validate(const nlohmann::json& schema,
                                                const nlohmann::json& value,
                                                std::size_t max_errors = 20);

}  // namespace sb::ai
