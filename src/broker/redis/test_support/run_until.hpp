#pragma once
// Runs a test's io_context on the test thread until a condition holds or time runs out.

#include <boost/asio/io_context.hpp>

#include <chrono>

namespace sb::broker::redis::test_support {

template <class Predicate>
bool run_until(boost::asio::io_context& context, Predicate done,
               std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        if (context.stopped()) context.restart();
        context.run_one_for(std::chrono::milliseconds(10));
    }
    return true;
}

// Runs whatever is ready, and keeps running for `span`.
inline void run_for(boost::asio::io_context& context, std::chrono::milliseconds span) {
    const auto deadline = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < deadline) {
        if (context.stopped()) context.restart();
        context.run_one_for(std::chrono::milliseconds(5));
    }
}

}  // namespace sb::broker::redis::test_support
