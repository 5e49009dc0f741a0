#include "protocol/websocket/test_support/allocation_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

// The replacements live in their own translation unit: inlined into a test, g++ 12 sees free()
// on memory from a new-expression and warns (-Wmismatched-new-delete). Every form that pairs
// with free() is replaced so that sanitizers see matching calls.

namespace {

std::atomic<long> allocations{0};
std::atomic<long> live_allocations{0};

void* counted_alloc(std::size_t size) noexcept {
    allocations.fetch_add(1, std::memory_order_relaxed);
    void* p = std::malloc(size == 0 ? 1 : size);
    if (p != nullptr) live_allocations.fetch_add(1, std::memory_order_relaxed);
    return p;
}

void counted_free(void* p) noexcept {
    if (p != nullptr) live_allocations.fetch_sub(1, std::memory_order_relaxed);
    std::free(p);
}

}  // namespace

namespace sb::test_support {

long allocation_count() noexcept { return allocations.load(std::memory_order_relaxed); }
long live_allocation_count() noexcept { return live_allocations.load(std::memory_order_relaxed); }

}  // namespace sb::test_support

void* operator new(std::size_t size) {
    if (void* p = counted_alloc(size)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
    if (void* p = counted_alloc(size)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_alloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    return counted_alloc(size);
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }
