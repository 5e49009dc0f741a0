#include "load/ws_client.hpp"

#include "protocol/websocket/frame.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace sb::bench {

namespace ws = sb::protocol::websocket;

namespace {

// RFC 6455 section 1.3's sample key and its accept value: servers need not see a fresh key per
// connection, and a fixed one spares a SHA-1 per connect.
constexpr std::string_view client_key = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view expected_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
constexpr std::uint16_t abnormal_close = 1006;
constexpr std::uint32_t epoll_events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

std::array<std::uint8_t, 4> next_mask() noexcept {
    // xorshift32: masks only need to be unpredictable to intermediaries, of which there are none
    // on loopback; a cheap generator keeps masking off the profile.
    static thread_local std::uint32_t x = static_cast<std::uint32_t>(now_ns()) | 1U;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return {static_cast<std::uint8_t>(x), static_cast<std::uint8_t>(x >> 8),
            static_cast<std::uint8_t>(x >> 16), static_cast<std::uint8_t>(x >> 24)};
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char a = text[i];
        char b = prefix[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

}  // namespace

void make_upgrade_request(ws_client_config& config) {
    config.upgrade_requests.clear();
    for (const endpoint& t : config.targets) {
        config.upgrade_requests.push_back(
            "GET /app/" + config.app_key +
            "?protocol=7&client=switchboard-bench&version=1.0.0&flash=false HTTP/1.1\r\nHost: " +
            t.host + ":" + std::to_string(t.port) +
            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
            std::string(client_key) + "\r\nSec-WebSocket-Version: 13\r\n\r\n");
    }
}

ws_client::ws_client(const ws_client_config& config, std::uint64_t id,
                     std::vector<std::uint32_t> channels, std::size_t target)
    : config_(config),
      reader_(ws::role::client, config.max_message),
      channels_(std::move(channels)),
      id_(id),
      user_id_(id),
      target_(target < config.targets.size() ? target : 0) {}

void ws_client::set_presence_member(std::uint64_t user_id,
                                    std::optional<std::uint32_t> stamp_phase) {
    user_id_ = user_id;
    stamp_phase_ = stamp_phase;
}

ws_client::~ws_client() {
    if (fd_ >= 0) ::close(fd_);
}

bool ws_client::open(epoll_set& ep, const in_addr* source, int rcvbuf) {
    ep_ = &ep;
    started_ns_ = now_ns();
    fd_ = start_connect(config_.targets[target_], source, rcvbuf);
    if (fd_ < 0) {
        state_ = state::closed;
        close_code_ = abnormal_close;
        return false;
    }
    ep.add(fd_, epoll_events, id_);
    return true;
}

void ws_client::on_event(std::uint32_t events, read_buffer& buffer, ws_owner& owner) {
    if (state_ == state::closed) return;
    if (state_ == state::connecting) {
        if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0) {
            finish(owner, abnormal_close);
            return;
        }
        state_ = state::upgrading;
        write_raw(config_.upgrade_requests[target_]);
    } else if ((events & EPOLLOUT) != 0 && !out_.empty()) {
        flush();
    }
    if (!paused_ && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        read_all(buffer, owner, (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
    }
}

void ws_client::read_all(read_buffer& buffer, ws_owner& owner, bool hangup) {
    for (;;) {
        auto& buf = buffer.data;
        if (buf.size() < tail_.size() + 64 * 1024) buf.resize(2 * (tail_.size() + 64 * 1024));
        std::memcpy(buf.data(), tail_.data(), tail_.size());
        const std::size_t kept = tail_.size();
        const std::size_t room = buf.size() - kept;
        const ssize_t r = ::recv(fd_, buf.data() + kept, room, MSG_DONTWAIT);
        if (r == 0) {
            finish(owner, abnormal_close);
            return;
        }
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) finish(owner, abnormal_close);
            return;
        }
        const std::uint64_t recv_ns = now_ns();
        config_.counters->bytes += static_cast<std::uint64_t>(r);
        std::size_t size = kept + static_cast<std::size_t>(r);
        std::uint8_t* data = buf.data();
        tail_.clear();
        if (state_ == state::upgrading) {
            tail_.assign(reinterpret_cast<const char*>(data), size);
            if (!take_upgrade_response(tail_, owner)) return;
            if (state_ == state::upgrading) continue;  // headers incomplete
            // What followed the headers is WebSocket data: move it back into the buffer.
            size = tail_.size();
            std::memcpy(data, tail_.data(), size);
            tail_.clear();
        }
        bool alive = true;
        const std::size_t used = parse_frames(data, size, recv_ns, owner, alive);
        if (!alive) return;
        tail_.assign(reinterpret_cast<const char*>(data) + used, size - used);
        // A short read drained the socket: edge-triggered epoll reports later data as a new
        // edge. Not so an end of stream that arrived together with the data.
        if (static_cast<std::size_t>(r) < room && !hangup) return;
    }
}

bool ws_client::take_upgrade_response(std::string& in, ws_owner& owner) {
    const auto end = in.find("\r\n\r\n");
    if (end == std::string::npos) {
        if (in.size() > 16 * 1024) {
            finish(owner, abnormal_close);
            return false;
        }
        return true;
    }
    const std::string_view head(in.data(), end);
    if (!starts_with_ci(head, "HTTP/1.1 101") || head.find(expected_accept) == std::string::npos) {
        ++config_.counters->protocol_errors;
        finish(owner, abnormal_close);
        return false;
    }
    in.erase(0, end + 4);
    state_ = state::handshaking;
    return true;
}

std::size_t ws_client::parse_frames(std::uint8_t* data, std::size_t size, std::uint64_t recv_ns,
                                    ws_owner& owner, bool& alive) {
    std::size_t consumed = 0;
    const std::span<std::uint8_t> all(data, size);
    for (;;) {
        const ws::read_event ev = reader_.next(all.subspan(consumed), consumed);
        switch (ev.type) {
            case ws::read_event::kind::need_more:
                return consumed;
            case ws::read_event::kind::message:
                ++config_.counters->frames;
                on_text(ev.payload, recv_ns, owner);
                if (state_ == state::closed) {
                    alive = false;
                    return consumed;
                }
                break;
            case ws::read_event::kind::ping: {
                const auto mask = next_mask();
                write_raw(ws::encode_masked_frame(ws::opcode::pong, ev.payload, mask));
                break;
            }
            case ws::read_event::kind::pong:
                break;
            case ws::read_event::kind::close:
                finish(owner, ev.close_code);
                alive = false;
                return consumed;
            case ws::read_event::kind::error:
                ++config_.counters->protocol_errors;
                finish(owner, abnormal_close);
                alive = false;
                return consumed;
        }
    }
}

void ws_client::on_text(std::string_view text, std::uint64_t recv_ns, ws_owner& owner) {
    // Until every channel is subscribed, look at the event name first: a presence channel's
    // subscription_succeeded lists the members' user_info, which may carry stamps.
    const bool may_be_list =
        state_ != state::ready && scan_event(text) == "pusher_internal:subscription_succeeded";
    if (!may_be_list) {
        if (auto stamp = scan_payload(text)) {
            owner.on_delivery(*this, *stamp, recv_ns);
            return;
        }
    }
    const std::string_view event = scan_event(text);
    if (event == "pusher:connection_established") {
        socket_id_ = std::string(scan_number_after(text, "socket_id"));
        state_ = state::subscribing;
        send_subscriptions();
        if (channels_.empty()) {
            state_ = state::ready;
            ready_ns_ = now_ns();
            owner.on_ready(*this);
        }
    } else if (event == "pusher_internal:subscription_succeeded") {
        if (++subscribed_ == channels_.size() && state_ == state::subscribing) {
            state_ = state::ready;
            ready_ns_ = now_ns();
            owner.on_ready(*this);
        }
    } else if (event == "pusher_internal:member_added") {
        ++config_.counters->members_added;
    } else if (event == "pusher_internal:member_removed") {
        ++config_.counters->members_removed;
    } else if (event == "pusher:ping") {
        send_text(R"({"event":"pusher:pong","data":{}})");
    } else if (event == "pusher:subscription_error" && state_ == state::subscribing) {
        // A refused subscription never completes: fail the connection now rather than leave
        // the caller waiting for its timeout (a full presence channel answers LimitReached).
        ++config_.counters->protocol_errors;
        finish(owner, abnormal_close);
    } else if (event == "pusher:error" || event == "pusher:subscription_error") {
        ++config_.counters->protocol_errors;
    }
}

void ws_client::send_subscriptions() {
    std::string msg;
    for (const std::uint32_t ch : channels_) {
        const std::string& name = (*config_.channel_names)[ch];
        msg = R"({"event":"pusher:subscribe","data":{"channel":")" + name + '"';
        if (name.starts_with("presence-")) {
            // One user per connection, so every join is a member_added and every leave a
            // member_removed (members are users, not sockets).
            std::string channel_data = R"({"user_id":")" + std::to_string(user_id_) + '"';
            if (stamp_phase_) {
                std::string stamp;
                format_payload(stamp, {*stamp_phase_, user_id_, now_ns()}, 0);
                channel_data += R"(,"user_info":{"t":")" + stamp + R"("})";
            }
            channel_data += '}';
            std::string escaped;
            for (char c : channel_data) {
                if (c == '"') escaped += '\\';
                escaped += c;
            }
            msg += R"(,"auth":")" +
                   config_.signer->channel_auth(socket_id_ + ":" + name, channel_data) +
                   R"(","channel_data":")" + escaped + '"';
        } else if (name.starts_with("private-")) {
            msg += R"(,"auth":")" + config_.signer->channel_auth(socket_id_, name) + '"';
        }
        msg += "}}";
        send_text(msg);
    }
}

void ws_client::send_text(std::string_view json) {
    if (state_ == state::closed) return;
    write_raw(ws::encode_masked_frame(ws::opcode::text, json, next_mask()));
}

void ws_client::write_raw(std::string_view bytes) {
    if (!out_.empty()) {
        out_.append(bytes);
        return;
    }
    const ssize_t w = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    const std::size_t sent = w > 0 ? static_cast<std::size_t>(w) : 0;
    if (sent < bytes.size()) out_.append(bytes.substr(sent));
}

void ws_client::flush() {
    while (!out_.empty()) {
        const ssize_t w = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w <= 0) return;
        out_.erase(0, static_cast<std::size_t>(w));
    }
    if (out_.capacity() > 64 * 1024) out_ = std::string{};  // a burst is over: give it back
}

void ws_client::close_now(ws_owner& owner) {
    if (state_ == state::closed) return;
    closed_by_tool_ = true;
    if (state_ != state::connecting && state_ != state::upgrading) {
        write_raw(ws::encode_close(ws::close_code::normal, "", ws::role::client));
    }
    finish(owner, 0);
}

void ws_client::pause() {
    if (paused_ || state_ == state::closed) return;
    paused_ = true;
    ep_->remove(fd_);
}

void ws_client::resume() {
    if (!paused_ || state_ == state::closed) return;
    paused_ = false;
    ep_->add(fd_, epoll_events, id_);
}

void ws_client::finish(ws_owner& owner, std::uint16_t code) {
    if (state_ == state::closed) return;
    state_ = state::closed;
    close_code_ = code;
    if (fd_ >= 0) {
        if (!paused_) ep_->remove(fd_);
        ::close(fd_);
        fd_ = -1;
    }
    tail_ = std::string{};
    out_ = std::string{};
    owner.on_closed(*this);
}

}  // namespace sb::bench
