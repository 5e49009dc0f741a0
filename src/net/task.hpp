#pragma once
// The move-only callables that cross shards (defined in core, used everywhere).

#include "core/unique_function.hpp"

namespace sb::net {
using core::unique_callback;
using core::unique_task;
}  // namespace sb::net
