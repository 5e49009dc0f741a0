#pragma once
// The bytes of commands waiting for the socket, in chunks for one gather write.
//
// Commands are encoded as they are issued: small arguments are copied into the current chunk;
// owned arguments of `owned_threshold` bytes or more are moved in as chunks of their own, so a
// large payload is never copied. take() hands every pending chunk to the one write in flight;
// the chunks issued meanwhile wait for the next write. The first small chunk of a finished write
// is kept for reuse (up to 1 MiB), so a steady stream of commands allocates nothing.
//
// Pure: no sockets. Thread: one owner.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sb::broker::redis::detail {

class write_buffer {
public:
    static constexpr std::size_t owned_threshold = 16 * 1024;

    // Appends one command. `owned`, when given, holds the same arguments as `args` and may be
    // moved from.
    void append_command(std::span<const std::string_view> args, std::vector<std::string>* owned);

    [[nodiscard]] bool has_pending() const noexcept { return !pending_.empty(); }
    // Bytes not yet written: pending, plus the write in flight.
    [[nodiscard]] std::size_t bytes() const noexcept { return pending_bytes_ + writing_bytes_; }

    // Moves every pending chunk to the write in flight and returns them (valid until finish()).
    // Call only when no write is in flight.
    const std::vector<std::string>& take();
    // The write in flight is over (written or failed).
    void finish();
    // Drops what is pending (the socket it was meant for is gone); the write in flight stays
    // until finish().
    void drop_pending();

private:
    std::string& small_chunk();

    std::vector<std::string> pending_;
    std::vector<std::string> writing_;
    std::string spare_;
    bool last_is_owned_ = false;
    std::size_t pending_bytes_ = 0;
    std::size_t writing_bytes_ = 0;
};

}  // namespace sb::broker::redis::detail
