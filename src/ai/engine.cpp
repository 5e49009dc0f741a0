#include "ai/engine.hpp"

namespace sb::ai {

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
