#pragma once
// One WebSocket connection after the upgrade: RFC 6455 on the raw socket (DESIGN.md "net").
//
// Reading: the connection waits for readability with no buffer of its own, then reads into its
// shard's shared buffer and parses frames in place; only an incomplete frame at the end of a read
// is copied into a small per-connection buffer. Writing: frames are queued by reference
// (frame_ref) and the shard flushes each connection once per batch of handlers with a single
// gather write (sendmsg) of up to 64 frames. When the socket cannot take more, the connection
// waits for writability; it never blocks and never slows another connection. A queue over its
// byte or frame limit, or over the soft byte limit for longer than the soft period, closes the
// connection with 4100 (slow consumer) after dropping what it had not started writing.
//
// Closing: close() queues a close frame, stops all deliveries (on_detach), half-closes the socket
// once the frame is written and drops the connection when the peer closes or after a grace
// period. A close frame from the peer is answered with the same code.
//
// Thread: every member runs on the connection's shard. Subclasses implement the protocol spoken
// over the text messages (api/client). Lifetime: shared_ptr; pending socket operations hold it.

#include "net/frame.hpp"
#include "net/frame_queue.hpp"
#include "protocol/websocket/message_reader.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sb::net {

class shard;

struct ws_limits {
    std::size_t max_message_size = 24 * 1024;         // a larger message closes with 1009
    std::size_t max_queue_bytes = 1024 * 1024;         // hard limit: close at once
    std::size_t max_queue_frames = 4096;               // hard limit on queued frames
    std::size_t soft_queue_bytes = 256 * 1024;         // sustained for soft_queue_ms: close
    std::uint64_t soft_queue_ms = 10'000;
    std::uint64_t close_grace_ms = 2'000;              // how long a closing connection may linger
};

class ws_connection : public std::enable_shared_from_this<ws_connection> {
public:
    ws_connection(shard& home, boost::asio::ip::tcp::socket socket, const ws_limits& limits);
    virtual ~ws_connection();
    ws_connection(const ws_connection&) = delete;
    ws_connection& operator=(const ws_connection&) = delete;

    // Writes the handshake response, feeds bytes the HTTP reader read past the request, calls
    // on_open() and starts reading.
    void start(std::string_view handshake_response, std::string_view leftover);

    // Queues a shared frame (ignored once closing).
    void send(const frame_ref& f);
    // Frames and queues one text message (for replies to this connection only).
    void send_text(std::string_view message);
    // Starts the close handshake with `code`; idempotent.
    void close(std::uint16_t code, std::string_view reason);

    [[nodiscard]] bool is_open() const noexcept { return state_ == state::open; }
    [[nodiscard]] shard& home() const noexcept { return home_; }
    [[nodiscard]] std::uint64_t last_received_ms() const noexcept { return last_received_ms_; }
    [[nodiscard]] std::size_t queued_bytes() const noexcept { return queue_.bytes(); }
    [[nodiscard]] std::string remote_address() const;
    // Connection objects alive in the process (any thread; shutdown waits for zero).
    [[nodiscard]] static std::int64_t live_count() noexcept;

protected:
    virtual void on_open() = 0;
    // One complete text message, valid UTF-8. The view dies when the call returns.
    virtual void on_text(std::string_view message) = 0;
    // Called once, when the connection stops taking deliveries (closing or gone).
    virtual void on_detach() = 0;
    // Called about once a second by the shard (protocol-level timeouts).
    virtual void on_tick(std::uint64_t /*now_ms*/) {}

private:
    friend class shard;
    enum class state : std::uint8_t { open, closing, closed };

    void do_wait_read();
    void on_readable(const boost::system::error_code& ec);
    // Parses buf[0, size); returns how many bytes were consumed.
    std::size_t consume(std::uint8_t* buf, std::size_t size);
    void enqueue(frame_ref f);
    void flush_now();
    void do_wait_write();
    void evict_slow_consumer();
    void detach();
    void finish();  // closes the socket; the object dies when the last handler lets go
    void tick(std::uint64_t now_ms);
    void after_flush_while_closing();

    shard& home_;
    boost::asio::ip::tcp::socket socket_;
    const ws_limits& limits_;
    protocol::websocket::message_reader reader_;
    std::unique_ptr<std::string> partial_;  // an incomplete frame carried between reads
    frame_queue queue_;
    std::size_t write_offset_ = 0;          // bytes of queue_.at(0) already written
    std::uint64_t last_received_ms_ = 0;
    std::uint64_t closing_since_ms_ = 0;
    std::uint64_t over_soft_since_ms_ = 0;
    std::size_t tick_slot_ = 0;
    state state_ = state::open;
    bool flush_scheduled_ = false;
    bool waiting_writable_ = false;
    bool detached_ = false;
    bool close_queued_ = false;   // our close frame is in the queue
    bool peer_closed_ = false;    // the peer's close frame arrived
    bool write_shutdown_ = false;
};

}  // namespace sb::net
