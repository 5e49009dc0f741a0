#pragma once
// Read receipts (the seed's "Read Receipts API"): a read watermark per user and channel, moved by
// POST …/read or switchboard:read, announced to the channel's native subscribers as message:read.
// Shared by the REST route and the WebSocket command.

#include "api/hub.hpp"

#include <cstdint>
#include <string>

namespace sb::api {

struct mark_read_result {
    enum class status : std::uint8_t { moved, unchanged, unknown_message, no_history, failed };
    status outcome = status::failed;
    std::uint64_t read_at_ms = 0;
};

// Moves `user_id`'s watermark in `channel` to `message_id` (which must be a message of that
// channel) and, when it moved, publishes message:read. `done` runs on the calling shard.
void mark_read(hub& h, const core::tenant& t, std::string channel, std::string user_id, std::string message_id,
               net::unique_callback<mark_read_result> done);

}  // namespace sb::api
