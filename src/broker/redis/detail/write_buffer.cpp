#include "broker/redis/detail/write_buffer.hpp"

#include <utility>

#include "broker/redis/resp.hpp"

namespace sb::broker::redis::detail {
namespace {

// A chunk larger than this is freed after its write rather than kept for reuse.
constexpr std::size_t spare_chunk_limit = 1 << 20;

}  // namespace

std::string& write_buffer::small_chunk() {
    if (pending_.empty() || last_is_owned_) {
        pending_.push_back(std::exchange(spare_, {}));
        last_is_owned_ = false;
    }
    return pending_.back();
}

void write_buffer::append_command(std::span<const std::string_view> args,
                                  std::vector<std::string>* owned) {
    std::string* chunk = &small_chunk();
    std::size_t start = chunk->size();
    append_array_header(*chunk, args.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
        append_bulk_header(*chunk, args[i].size());
        if (owned != nullptr && args[i].size() >= owned_threshold) {
            pending_bytes_ += chunk->size() - start + args[i].size();
            pending_.push_back(std::move((*owned)[i]));
            last_is_owned_ = true;
            chunk = &small_chunk();
            start = chunk->size();
        } else {
            chunk->append(args[i]);
        }
        chunk->append("\r\n");
    }
    pending_bytes_ += chunk->size() - start;
}

const std::vector<std::string>& write_buffer::take() {
    writing_.swap(pending_);
    pending_.clear();
    last_is_owned_ = false;
    writing_bytes_ = pending_bytes_;
    pending_bytes_ = 0;
    return writing_;
}

void write_buffer::finish() {
    for (std::string& chunk : writing_) {
        if (spare_.capacity() == 0 && chunk.capacity() <= spare_chunk_limit) {
            chunk.clear();
            spare_ = std::move(chunk);
        }
    }
    writing_.clear();
    writing_bytes_ = 0;
}

void write_buffer::drop_pending() {
    pending_.clear();
    last_is_owned_ = false;
    pending_bytes_ = 0;
}

}  // namespace sb::broker::redis::detail
