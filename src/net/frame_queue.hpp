#pragma once
// A connection's queue of frames waiting to be written: a ring buffer of frame_refs that
// allocates nothing while empty and gives its memory back when it drains after a burst, so an
// idle connection holds no queue memory. Single-threaded (the connection's shard).

#include "net/frame.hpp"

#include <cstddef>
#include <memory>

namespace sb::net {

class frame_queue {
public:
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

    void push(frame_ref f) {
        if (size_ == capacity_) grow();
        bytes_ += f->size();
        slots_[(head_ + size_) & (capacity_ - 1)] = std::move(f);
        ++size_;
    }
    [[nodiscard]] const frame_ref& at(std::size_t i) const noexcept {
        return slots_[(head_ + i) & (capacity_ - 1)];
    }
    void pop() noexcept {
        frame_ref& f = slots_[head_];
        bytes_ -= f->size();
        f = frame_ref{};
        head_ = (head_ + 1) & (capacity_ - 1);
        if (--size_ == 0) {
            head_ = 0;
            if (capacity_ > keep_capacity) release();
        }
    }
    // Drops every frame after the first `keep` ones.
    void truncate(std::size_t keep) noexcept {
        while (size_ > keep) {
            frame_ref& f = slots_[(head_ + size_ - 1) & (capacity_ - 1)];
            bytes_ -= f->size();
            f = frame_ref{};
            --size_;
        }
        if (size_ == 0) head_ = 0;
    }
    void clear() noexcept {
        truncate(0);
        release();
    }

private:
    static constexpr std::size_t keep_capacity = 16;
    void grow() {
        const std::size_t cap = capacity_ ? capacity_ * 2 : 4;
        auto next = std::make_unique<frame_ref[]>(cap);
        for (std::size_t i = 0; i < size_; ++i)
            next[i] = std::move(slots_[(head_ + i) & (capacity_ - 1)]);
        slots_ = std::move(next);
        capacity_ = cap;
        head_ = 0;
    }
    void release() noexcept {
        slots_.reset();
        capacity_ = 0;
        head_ = 0;
    }

    std::unique_ptr<frame_ref[]> slots_;
    std::size_t capacity_ = 0;  // a power of two
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    std::size_t bytes_ = 0;
};

}  // namespace sb::net
