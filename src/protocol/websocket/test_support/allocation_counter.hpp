#pragma once
// Counts calls to the global allocation functions, which allocation_counter.cpp replaces for the
// whole test binary that links it. Lets a test prove that a path does not allocate and that an
// object holds no heap memory. Counters are atomic; the numbers include every thread's
// allocations, so compare them around single-threaded code only.

namespace sb::test_support {

// Successful and failed calls to operator new, in any form, since the program started.
[[nodiscard]] long allocation_count() noexcept;
// Blocks returned by operator new and not yet given back to operator delete.
[[nodiscard]] long live_allocation_count() noexcept;

}  // namespace sb::test_support
