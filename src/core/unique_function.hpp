#pragma once
// Move-only type-erased callables: what crosses between threads. std::function needs copyable
// closures, and work handed to another thread often owns something (a frame, a callback).

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

namespace sb::core {

class unique_task {
public:
    unique_task() = default;
    unique_task(std::nullptr_t) {}  // NOLINT
    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, unique_task> &&
                                                !std::is_same_v<std::decay_t<F>, std::nullptr_t>>>
    unique_task(F&& f) : impl_(std::make_unique<model<std::decay_t<F>>>(std::forward<F>(f))) {}  // NOLINT

    unique_task(unique_task&&) noexcept = default;
    unique_task& operator=(unique_task&&) noexcept = default;

    void operator()() { impl_->call(); }
    explicit operator bool() const noexcept { return impl_ != nullptr; }

private:
    struct concept_t {
        virtual ~concept_t() = default;
        virtual void call() = 0;
    };
    template <class F>
    struct model final : concept_t {
        explicit model(F&& f) : fn(std::move(f)) {}
        explicit model(const F& f) : fn(f) {}
        void call() override { fn(); }
        F fn;
    };
    std::unique_ptr<concept_t> impl_;
};

// A move-only callable taking one argument, for completion callbacks that cross shards.
template <class Arg>
class unique_callback {
public:
    unique_callback() = default;
    unique_callback(std::nullptr_t) {}  // NOLINT
    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, unique_callback> &&
                                                !std::is_same_v<std::decay_t<F>, std::nullptr_t>>>
    unique_callback(F&& f) : impl_(std::make_unique<model<std::decay_t<F>>>(std::forward<F>(f))) {}  // NOLINT

    unique_callback(unique_callback&&) noexcept = default;
    unique_callback& operator=(unique_callback&&) noexcept = default;

    void operator()(Arg arg) { impl_->call(std::forward<Arg>(arg)); }
    explicit operator bool() const noexcept { return impl_ != nullptr; }

private:
    struct concept_t {
        virtual ~concept_t() = default;
        virtual void call(Arg arg) = 0;
    };
    template <class F>
    struct model final : concept_t {
        explicit model(F&& f) : fn(std::move(f)) {}
        explicit model(const F& f) : fn(f) {}
        void call(Arg arg) override { fn(std::forward<Arg>(arg)); }
        F fn;
    };
    std::unique_ptr<concept_t> impl_;
};

}  // namespace sb::core
