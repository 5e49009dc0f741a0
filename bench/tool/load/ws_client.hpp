#pragma once
// One Pusher client connection of the load tool: TCP connect, WebSocket upgrade,
// pusher:connection_established, pusher:subscribe for each of its channels (signing private and
// presence channels locally, since the tool knows the secret), then counting stamped messages.
//
// Owned by the single thread of one worker process; registered edge-triggered in that process's
// epoll set. Reads go into the process's shared read_buffer and frames are parsed in place by
// sb::protocol::websocket::message_reader; only the tail of a frame split across reads is kept
// per connection (usually nothing). An idle subscribed connection holds no heap buffer.

#include "load/net.hpp"
#include "load/payload.hpp"
#include "load/pusher_signer.hpp"
#include "protocol/websocket/message_reader.hpp"

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sb::bench {

class ws_client;

// The process that owns the connections. Calls come from inside ws_client::on_event.
class ws_owner {
public:
    // Every channel of `c` is subscribed.
    virtual void on_ready(ws_client& c) = 0;
    // A stamped bench message arrived (recv_ns: when the read that carried it returned).
    virtual void on_delivery(ws_client& c, const payload_stamp& stamp, std::uint64_t recv_ns) = 0;
    // The socket is closed (by either side, or failed); the owner may destroy `c` after the
    // current event batch.
    virtual void on_closed(ws_client& c) = 0;

protected:
    ~ws_owner() = default;
};

// Counters shared by all connections of a process.
struct ws_counters {
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::uint64_t members_added = 0;    // unstamped member_added (stamped: on_delivery)
    std::uint64_t members_removed = 0;  // pusher_internal:member_removed
    std::uint32_t protocol_errors = 0;
};

// Settings shared by all connections of a process; must outlive them.
struct ws_client_config {
    std::vector<endpoint> targets;  // at least one; a connection uses one of them
    std::string app_key;
    const pusher_signer* signer = nullptr;                 // for private-/presence- channels
    const std::vector<std::string>* channel_names = nullptr;
    std::size_t max_message = 16 << 20;
    ws_counters* counters = nullptr;
    std::vector<std::string> upgrade_requests;  // one per target, built by make_upgrade_request
};
void make_upgrade_request(ws_client_config& config);

// The process's read buffer: large, so one recv() takes many frames at once.
struct read_buffer {
    std::vector<std::uint8_t> data = std::vector<std::uint8_t>(256 * 1024);
};

class ws_client {
public:
    enum class state : std::uint8_t { connecting, upgrading, handshaking, subscribing, ready, closed };

    // `target`: index into config.targets.
    ws_client(const ws_client_config& config, std::uint64_t id, std::vector<std::uint32_t> channels,
              std::size_t target = 0);
    ~ws_client();
    ws_client(const ws_client&) = delete;
    ws_client& operator=(const ws_client&) = delete;

    // Starts the TCP connect and registers with `ep` under `id`. False (and closed) on failure.
    bool open(epoll_set& ep, const in_addr* source, int rcvbuf = 0);
    void on_event(std::uint32_t events, read_buffer& buffer, ws_owner& owner);

    // The presence user_id (default: the id). With a stamp phase, the member's user_info carries
    // the payload stamp `#sb <phase> <user_id> <subscribe sent>`, so observers time the
    // join -> member_added path with the scanner they already use for events.
    void set_presence_member(std::uint64_t user_id, std::optional<std::uint32_t> stamp_phase);

    // Sends one text message (a masked frame); queued if the socket is full.
    void send_text(std::string_view json);
    // Sends a close frame and closes the socket at once (what a client that leaves does).
    void close_now(ws_owner& owner);
    // Stops reading (the socket is removed from epoll) / reads again.
    void pause();
    void resume();

    [[nodiscard]] state current() const noexcept { return state_; }
    [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
    [[nodiscard]] bool was_ready() const noexcept { return ready_ns_ != 0; }
    [[nodiscard]] std::uint64_t started_ns() const noexcept { return started_ns_; }
    [[nodiscard]] std::uint64_t ready_ns() const noexcept { return ready_ns_; }
    // 1006 when the connection ended without a close frame, 0 while open or closed by the tool.
    [[nodiscard]] std::uint16_t close_code() const noexcept { return close_code_; }
    [[nodiscard]] bool closed_by_tool() const noexcept { return closed_by_tool_; }
    [[nodiscard]] const std::string& socket_id() const noexcept { return socket_id_; }
    [[nodiscard]] std::size_t queued_bytes() const noexcept { return out_.size(); }

private:
    // Reads until the socket is drained; `hangup` (the peer's FIN came with this wakeup) makes it
    // read on to the end of stream, which no later edge would report.
    void read_all(read_buffer& buffer, ws_owner& owner, bool hangup);
    // Consumes the HTTP 101 response from `in`; false when the upgrade failed.
    bool take_upgrade_response(std::string& in, ws_owner& owner);
    // Parses frames in [data, data+size); returns bytes consumed. False in `alive` when closed.
    std::size_t parse_frames(std::uint8_t* data, std::size_t size, std::uint64_t recv_ns,
                             ws_owner& owner, bool& alive);
    void on_text(std::string_view text, std::uint64_t recv_ns, ws_owner& owner);
    void send_subscriptions();
    void flush();
    void write_raw(std::string_view bytes);
    void finish(ws_owner& owner, std::uint16_t code);

    const ws_client_config& config_;
    epoll_set* ep_ = nullptr;
    protocol::websocket::message_reader reader_;
    std::vector<std::uint32_t> channels_;
    std::string tail_;  // bytes of an incomplete frame (or HTTP response) kept between reads
    std::string out_;   // bytes the socket did not take yet
    std::string socket_id_;
    std::uint64_t id_;
    std::uint64_t user_id_;
    std::optional<std::uint32_t> stamp_phase_;
    std::size_t target_;
    std::uint64_t started_ns_ = 0;
    std::uint64_t ready_ns_ = 0;
    int fd_ = -1;
    std::uint32_t subscribed_ = 0;
    std::uint16_t close_code_ = 0;
    state state_ = state::connecting;
    bool paused_ = false;
    bool closed_by_tool_ = false;
};

}  // namespace sb::bench
