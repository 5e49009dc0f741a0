#pragma once
// Outgoing WebSocket frames, encoded once and shared.
//
// `frame` holds the complete bytes of one server frame (header + payload) and never changes
// after construction, so any thread may read it; a publication is encoded into one frame and
// handed to every shard. Within a shard, `frame_ref` counts the connections that still have the
// frame queued with a plain (non-atomic) counter: the shared_ptr's atomic count moves once per
// shard, not once per socket (STYLE.md section 2).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sb::net {

class frame {
public:
    // A text frame carrying `payload` (copied once).
    static std::shared_ptr<const frame> text(std::string_view payload);
    // A close frame with a status code and reason.
    static std::shared_ptr<const frame> close(std::uint16_t code, std::string_view reason);
    // A pong answering a ping.
    static std::shared_ptr<const frame> pong(std::string_view payload);

    [[nodiscard]] const char* data() const noexcept { return bytes_.data(); }
    [[nodiscard]] std::size_t size() const noexcept { return bytes_.size(); }
    // The payload without the header (tests, logs).
    [[nodiscard]] std::string_view payload() const noexcept {
        return std::string_view(bytes_).substr(header_size_);
    }

    frame(std::string bytes, std::size_t header_size)
        : bytes_(std::move(bytes)), header_size_(header_size) {}

private:
    std::string bytes_;
    std::size_t header_size_;
};

using shared_frame = std::shared_ptr<const frame>;

// A shard-local, non-atomically counted handle to a shared frame. Use on one thread only.
class frame_ref {
public:
    frame_ref() = default;
    explicit frame_ref(shared_frame f) : node_(new node{std::move(f), 1}) {}
    frame_ref(const frame_ref& o) noexcept : node_(o.node_) {
        if (node_) ++node_->refs;
    }
    frame_ref(frame_ref&& o) noexcept : node_(o.node_) { o.node_ = nullptr; }
    frame_ref& operator=(frame_ref o) noexcept {
        std::swap(node_, o.node_);
        return *this;
    }
    ~frame_ref() { release(); }

    [[nodiscard]] const frame& operator*() const noexcept { return *node_->f; }
    [[nodiscard]] const frame* operator->() const noexcept { return node_->f.get(); }
    explicit operator bool() const noexcept { return node_ != nullptr; }

private:
    struct node {
        shared_frame f;
        std::uint32_t refs;
    };
    void release() noexcept {
        if (node_ && --node_->refs == 0) delete node_;
        node_ = nullptr;
    }
    node* node_ = nullptr;
};

}  // namespace sb::net
