#include <utility>

#include "net/ws_connection.hpp"

#include "net/shard.hpp"
#include "protocol/websocket/frame.hpp"

#include <boost/asio/io_context.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace sb::net {

namespace ws = protocol::websocket;
using boost::asio::ip::tcp;

namespace {
std::uint64_t now_ms() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}
std::atomic<std::int64_t> live_connections{0};
constexpr int max_iov = 64;
constexpr int reads_per_wakeup = 4;  // then yield to other connections of the shard
}  // namespace

ws_connection::ws_connection(shard& home, tcp::socket socket, const ws_limits& limits)
    : home_(home),
      socket_(std::move(socket)),
      limits_(limits),
      reader_(ws::role::server, limits.max_message_size),
      last_received_ms_(now_ms()) {
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    socket_.set_option(tcp::no_delay(true), ec);
    home_.add_connection(this);
    live_connections.fetch_add(1, std::memory_order_relaxed);
}

ws_connection::~ws_connection() {
    home_.remove_connection(this);
    live_connections.fetch_sub(1, std::memory_order_relaxed);
}

std::int64_t ws_connection::live_count() noexcept { return live_connections.load(std::memory_order_relaxed); }

std::string ws_connection::remote_address() const {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    return ec ? std::string{} : ep.address().to_string();
}

void ws_connection::start(std::string_view handshake_response, std::string_view leftover) {
    enqueue(frame_ref(std::make_shared<const frame>(std::string(handshake_response), 0)));
    on_open();
    if (!leftover.empty() && state_ != state::closed) {
        auto buf = home_.read_buffer();
        const std::size_t n = std::min(leftover.size(), buf.size());
        std::memcpy(buf.data(), leftover.data(), n);
        const std::size_t used = consume(buf.data(), n);
        if (used < n && state_ != state::closed)
            partial_ = std::make_unique<std::string>(reinterpret_cast<const char*>(buf.data()) + used, n - used);
    }
    if (state_ != state::closed) do_wait_read();
}

void ws_connection::do_wait_read() {
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](const boost::system::error_code& ec) {
                           self->on_readable(ec);
                       });
}

void ws_connection::on_readable(const boost::system::error_code& ec) {
    if (ec || state_ == state::closed) {
        if (ec != boost::asio::error::operation_aborted) {
            detach();
            finish();
        }
        return;
    }
    auto buf = home_.read_buffer();
    std::size_t have = 0;
    if (partial_) {
        have = partial_->size();
        std::memcpy(buf.data(), partial_->data(), have);
        partial_.reset();
    }
    for (int i = 0; i < reads_per_wakeup; ++i) {
        const std::size_t room = buf.size() - have;
        if (room == 0) {
            // The buffer outsizes the largest frame the limits allow, so this cannot happen.
            close(ws::close_code::too_big, "Message too big");
            have = 0;
            break;
        }
        const ssize_t n = ::recv(socket_.native_handle(), buf.data() + have, room, 0);
        if (n > 0) {
            last_received_ms_ = now_ms();
            have += static_cast<std::size_t>(n);
            const std::size_t used = consume(buf.data(), have);
            if (state_ == state::closed) return;
            if (used > 0 && used < have) std::memmove(buf.data(), buf.data() + used, have - used);
            have -= used;
            if (static_cast<std::size_t>(n) < room) break;  // drained for now
            continue;
        }
        if (n == 0) {  // the peer closed the TCP connection
            detach();
            finish();
            return;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        detach();
        finish();
        return;
    }
    if (have > 0) partial_ = std::make_unique<std::string>(reinterpret_cast<const char*>(buf.data()), have);
    do_wait_read();
}

std::size_t ws_connection::consume(std::uint8_t* buf, std::size_t size) {
    std::size_t consumed = 0;
    while (state_ != state::closed) {
        const auto ev = reader_.next(std::span<std::uint8_t>(buf + consumed, size - consumed), consumed);
        using kind = ws::read_event::kind;
        switch (ev.type) {
            case kind::need_more:
                return consumed;
            case kind::message:
                if (ev.op == ws::opcode::binary) {
                    close(ws::close_code::unsupported_data, "Binary frames are not supported");
                } else if (state_ == state::open) {
                    on_text(ev.payload);
                }
                break;
            case kind::ping:
                if (state_ == state::open) enqueue(frame_ref(frame::pong(ev.payload)));
                break;
            case kind::pong:
                break;
            case kind::close:
                peer_closed_ = true;
                if (state_ == state::open) {
                    const std::uint16_t code =
                        ev.close_code == ws::close_code::no_status ? ws::close_code::normal : ev.close_code;
                    close(code, "");
                } else if (close_queued_ && queue_.empty()) {
                    finish();
                }
                return consumed;
            case kind::error:
                close(ws::close_code_for(ev.error), ws::describe(ev.error));
                return size;  // nothing after a protocol error is read
        }
    }
    return consumed;
}

void ws_connection::send(const frame_ref& f) {
    if (state_ != state::open) return;
    enqueue(f);
}

void ws_connection::send_text(std::string_view message) {
    if (state_ != state::open) return;
    enqueue(frame_ref(frame::text(message)));
}

void ws_connection::enqueue(frame_ref f) {
    queue_.push(std::move(f));
    if (queue_.bytes() > limits_.max_queue_bytes || queue_.size() > limits_.max_queue_frames) {
        evict_slow_consumer();
        return;
    }
    if (!flush_scheduled_ && !waiting_writable_) {
        flush_scheduled_ = true;
        home_.schedule_flush(this);
    }
}

void ws_connection::flush_now() {
    flush_scheduled_ = false;
    if (state_ == state::closed || waiting_writable_) return;
    const int fd = socket_.native_handle();
    while (!queue_.empty()) {
        iovec iov[max_iov];
        int count = 0;
        std::size_t total = 0;
        for (std::size_t i = 0; i < queue_.size() && count < max_iov; ++i, ++count) {
            const frame& f = *queue_.at(i);
            const std::size_t skip = i == 0 ? write_offset_ : 0;
            iov[count].iov_base = const_cast<char*>(f.data() + skip);
            iov[count].iov_len = f.size() - skip;
            total += f.size() - skip;
        }
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = static_cast<std::size_t>(count);
        const ssize_t written = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (written < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                do_wait_write();
                return;
            }
            detach();
            finish();
            return;
        }
        std::size_t left = static_cast<std::size_t>(written);
        while (left > 0) {
            const std::size_t rest = queue_.at(0)->size() - write_offset_;
            if (left >= rest) {
                left -= rest;
                write_offset_ = 0;
                queue_.pop();
            } else {
                write_offset_ += left;
                left = 0;
            }
        }
        if (static_cast<std::size_t>(written) < total) {
            do_wait_write();
            return;
        }
    }
    over_soft_since_ms_ = 0;
    if (state_ == state::closing) after_flush_while_closing();
}

void ws_connection::do_wait_write() {
    waiting_writable_ = true;
    socket_.async_wait(tcp::socket::wait_write,
                       [self = shared_from_this()](const boost::system::error_code& ec) {
                           self->waiting_writable_ = false;
                           if (ec) {
                               if (ec != boost::asio::error::operation_aborted) {
                                   self->detach();
                                   self->finish();
                               }
                               return;
                           }
                           self->flush_now();
                       });
}

void ws_connection::after_flush_while_closing() {
    if (!close_queued_ || write_shutdown_) return;
    write_shutdown_ = true;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (peer_closed_ || ec) finish();
    // Otherwise the read side waits for the peer's close frame or EOF, or the grace period.
}

void ws_connection::close(std::uint16_t code, std::string_view reason) {
    if (state_ != state::open) return;
    state_ = state::closing;
    closing_since_ms_ = now_ms();
    detach();
    close_queued_ = true;
    enqueue(frame_ref(frame::close(code, reason)));
}

void ws_connection::evict_slow_consumer() {
    // Keep a frame that is partly written (the stream must stay well-formed) and drop the rest.
    queue_.truncate(write_offset_ > 0 ? 1 : 0);
    if (state_ == state::open) {
        state_ = state::closing;
        closing_since_ms_ = now_ms();
        detach();
        close_queued_ = true;
        queue_.push(frame_ref(frame::close(4100, "Slow consumer: write queue limit reached")));
        if (!flush_scheduled_ && !waiting_writable_) {
            flush_scheduled_ = true;
            home_.schedule_flush(this);
        }
    }
}

void ws_connection::detach() {
    if (detached_) return;
    detached_ = true;
    on_detach();
}

void ws_connection::finish() {
    if (state_ == state::closed) return;
    state_ = state::closed;
    boost::system::error_code ec;
    socket_.close(ec);
    queue_.clear();
    partial_.reset();
    if (flush_scheduled_) home_.hold_until_flushed(shared_from_this());
}

void ws_connection::tick(std::uint64_t now) {
    if (state_ == state::closed) return;
    if (state_ == state::closing) {
        if (now - closing_since_ms_ >= limits_.close_grace_ms) finish();
        return;
    }
    if (queue_.bytes() > limits_.soft_queue_bytes) {
        if (over_soft_since_ms_ == 0)
            over_soft_since_ms_ = now;
        else if (now - over_soft_since_ms_ >= limits_.soft_queue_ms)
            evict_slow_consumer();
        if (state_ != state::open) return;
    } else {
        over_soft_since_ms_ = 0;
    }
    on_tick(now);
}

}  // namespace sb::net
