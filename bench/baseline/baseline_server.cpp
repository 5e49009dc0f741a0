#include "baseline_server.hpp"

#include "crypto/crypto.hpp"
#include "protocol/websocket/frame.hpp"
#include "protocol/websocket/handshake.hpp"
#include "protocol/websocket/message_reader.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <deque>
#include <map>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace sb::bench::baseline {

namespace ws = sb::protocol::websocket;
using frame_ptr = std::shared_ptr<const std::string>;

namespace {

constexpr std::size_t max_iov = 1024;
constexpr std::uint64_t closing_grace_ns = 10'000'000'000ULL;

std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view header(std::string_view head, std::string_view name) {
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos) {
        const std::size_t start = pos + 2;
        const std::size_t end = head.find("\r\n", start);
        const auto line = head.substr(start, (end == std::string_view::npos ? head.size() : end) - start);
        if (line.size() > name.size() && line[name.size()] == ':') {
            bool same = true;
            for (std::size_t i = 0; i < name.size() && same; ++i) same = lower(line[i]) == name[i];
            if (same) {
                auto v = line.substr(name.size() + 1);
                while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
                return v;
            }
        }
        pos = end;
    }
    return {};
}

frame_ptr make_frame(std::string_view json) {
    return std::make_shared<const std::string>(ws::encode_frame(ws::opcode::text, json));
}

frame_ptr http_response(int status, std::string_view reason, std::string_view body) {
    std::string r = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
    return std::make_shared<const std::string>(std::move(r));
}

}  // namespace

struct server::impl {
    struct conn {
        int fd = -1;
        bool websocket = false;
        bool closing = false;  // close frame queued; the socket closes once it is written
        bool dirty = false;    // batch mode: in the flush list
        bool want_out = false; // EPOLLOUT registered
        bool dead = false;     // dropped; the socket is closed at the end of the loop turn
        std::uint64_t closing_deadline = 0;
        std::string in;
        ws::message_reader reader{ws::role::server, 1 << 20};
        std::deque<frame_ptr> queue;
        std::size_t head_offset = 0;  // bytes of queue.front() already written
        std::size_t queued_bytes = 0;
        std::vector<std::uint32_t> channels;
        std::string socket_id;
    };

    server_options options;
    int listen_fd = -1;
    int epoll_fd = -1;
    std::uint16_t bound_port = 0;
    std::atomic<bool> stopping{false};
    std::vector<std::unique_ptr<conn>> conns;  // by fd
    std::unordered_map<std::string, std::uint32_t> channel_ids;
    std::vector<std::vector<int>> members;  // channel id -> subscribed fds
    std::vector<int> dirty;
    std::vector<int> closing;
    std::vector<int> dead;
    std::uint64_t next_socket = 1;
    std::string events_path;
    std::string batch_path;
    std::string app_prefix;

    explicit impl(server_options o) : options(std::move(o)) {
        events_path = "/apps/" + options.app_id + "/events";
        batch_path = "/apps/" + options.app_id + "/batch_events";
        app_prefix = "/app/" + options.key;
        listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(options.port);
        if (inet_pton(AF_INET, options.host.c_str(), &addr.sin_addr) != 1) {
            throw std::invalid_argument("bad --host");
        }
        if (bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            listen(listen_fd, 4096) != 0) {
            throw std::system_error(errno, std::generic_category(), "bind/listen");
        }
        socklen_t len = sizeof addr;
        getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
        bound_port = ntohs(addr.sin_port);
        epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = listen_fd;
        epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev);
    }

    ~impl() {
        for (auto& c : conns) {
            if (c) ::close(c->fd);  // includes dead ones not reaped yet
        }
        ::close(listen_fd);
        ::close(epoll_fd);
    }

    void run() {
        std::vector<epoll_event> events(1024);
        while (!stopping.load(std::memory_order_relaxed)) {
            const int n = epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                                     closing.empty() ? 200 : 50);
            for (int i = 0; i < n; ++i) {
                const auto& ev = events[static_cast<std::size_t>(i)];
                if (ev.data.fd == listen_fd) {
                    accept_all();
                    continue;
                }
                conn* c = find(ev.data.fd);
                if (c == nullptr) continue;
                if ((ev.events & EPOLLOUT) != 0 && !flush(*c)) continue;
                if ((ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) read_from(*c);
            }
            flush_dirty();
            expire_closing();
            reap();
        }
    }

    conn* find(int fd) {
        if (fd < 0 || static_cast<std::size_t>(fd) >= conns.size()) return nullptr;
        conn* c = conns[static_cast<std::size_t>(fd)].get();
        return c != nullptr && !c->dead ? c : nullptr;
    }

    void accept_all() {
        for (;;) {
            const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) return;  // EAGAIN, or EMFILE: try again on the next readiness
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (static_cast<std::size_t>(fd) >= conns.size()) {
                conns.resize(static_cast<std::size_t>(fd) + 1024);
            }
            auto c = std::make_unique<conn>();
            c->fd = fd;
            conns[static_cast<std::size_t>(fd)] = std::move(c);
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLRDHUP;
            ev.data.fd = fd;
            epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
        }
    }

    // Forgets `c` now; its socket closes in reap(), at the end of the loop turn, so that no
    // caller up the stack holds a dangling reference and no fd number is reused mid-turn.
    void drop(conn& c) {
        if (c.dead) return;
        c.dead = true;
        for (const std::uint32_t ch : c.channels) remove_member(ch, c.fd);
        c.channels.clear();
        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
        dead.push_back(c.fd);
    }

    void reap() {
        for (const int fd : dead) {
            ::close(fd);
            conns[static_cast<std::size_t>(fd)].reset();
        }
        dead.clear();
    }

    void remove_member(std::uint32_t ch, int fd) {
        auto& m = members[ch];
        const auto it = std::find(m.begin(), m.end(), fd);
        if (it != m.end()) {
            *it = m.back();
            m.pop_back();
        }
    }

    void read_from(conn& c) {
        char buf[65536];
        for (;;) {
            const ssize_t r = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
            if (r > 0) {
                if (c.closing) continue;  // read and ignore until the close frame is out
                c.in.append(buf, static_cast<std::size_t>(r));
                if (static_cast<std::size_t>(r) < sizeof buf) break;
                continue;
            }
            if (r < 0 && errno == EINTR) continue;
            if (r < 0 && errno == EAGAIN) break;
            drop(c);
            return;
        }
        if (!c.closing) {
            if (c.websocket) {
                parse_websocket(c);
            } else {
                parse_http(c);
            }
        }
    }

    // --- output ---

    void set_want_out(conn& c, bool want) {
        if (c.want_out == want) return;
        c.want_out = want;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0U);
        ev.data.fd = c.fd;
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
    }

    // Queues one frame for `c`: written at once (one write per delivery), or at the end of the
    // loop turn together with everything else queued for `c` (batch).
    void deliver(conn& c, const frame_ptr& frame) {
        if (c.closing || c.dead) return;
        if (c.queued_bytes + frame->size() > options.queue_limit_bytes) {
            evict(c);
            return;
        }
        c.queue.push_back(frame);
        c.queued_bytes += frame->size();
        if (options.batch) {
            if (!c.dirty) {
                c.dirty = true;
                dirty.push_back(c.fd);
            }
        } else if (c.queue.size() == 1) {
            flush(c);
        }
    }

    void flush_dirty() {
        for (const int fd : dirty) {
            conn* c = find(fd);
            if (c == nullptr) continue;
            c->dirty = false;
            flush(*c);
        }
        dirty.clear();
    }

    // Writes what is queued, as one writev per call (batch) or one write per frame. False when
    // the connection was closed.
    bool flush(conn& c) {
        while (!c.queue.empty()) {
            ssize_t w = 0;
            if (options.batch) {
                iovec iov[max_iov];
                std::size_t n = 0;
                for (auto it = c.queue.begin(); it != c.queue.end() && n < max_iov; ++it, ++n) {
                    const std::size_t skip = n == 0 ? c.head_offset : 0;
                    iov[n].iov_base = const_cast<char*>((*it)->data() + skip);
                    iov[n].iov_len = (*it)->size() - skip;
                }
                w = ::writev(c.fd, iov, static_cast<int>(n));
            } else {
                const std::string& f = *c.queue.front();
                w = ::send(c.fd, f.data() + c.head_offset, f.size() - c.head_offset,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
            }
            if (w < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN) {
                    set_want_out(c, true);
                    return true;
                }
                drop(c);
                return false;
            }
            auto left = static_cast<std::size_t>(w);
            c.queued_bytes -= left;
            while (left > 0) {
                const std::size_t rest = c.queue.front()->size() - c.head_offset;
                if (left < rest) {
                    c.head_offset += left;
                    left = 0;
                } else {
                    left -= rest;
                    c.queue.pop_front();
                    c.head_offset = 0;
                }
            }
        }
        set_want_out(c, false);
        if (c.closing) {
            drop(c);
            return false;
        }
        return true;
    }

    // The slow-consumer rule: drop what is queued and send 4100 ("over capacity", reconnect
    // later) once the socket takes it; close after a grace period in any case.
    void evict(conn& c) {
        for (const std::uint32_t ch : c.channels) remove_member(ch, c.fd);
        c.channels.clear();
        // Keep the frame being written, if it is partly out, so the stream stays well formed.
        while (c.queue.size() > (c.head_offset > 0 ? 1U : 0U)) {
            c.queued_bytes -= c.queue.back()->size();
            c.queue.pop_back();
        }
        auto close_frame = std::make_shared<const std::string>(
            ws::encode_close(4100, "slow consumer", ws::role::server));
        c.queue.push_back(close_frame);
        c.queued_bytes += close_frame->size();
        c.closing = true;
        c.closing_deadline = now_ns() + closing_grace_ns;
        closing.push_back(c.fd);
        set_want_out(c, true);
    }

    void expire_closing() {
        if (closing.empty()) return;
        const std::uint64_t now = now_ns();
        std::vector<int> keep;
        for (const int fd : closing) {
            conn* c = find(fd);
            if (c == nullptr || !c->closing) continue;
            if (now >= c->closing_deadline) {
                drop(*c);
            } else {
                keep.push_back(fd);
            }
        }
        closing.swap(keep);
    }

    void send_text(conn& c, std::string_view json) { deliver(c, make_frame(json)); }

    // --- HTTP ---

    void parse_http(conn& c) {
        for (;;) {
            const std::size_t head_end = c.in.find("\r\n\r\n");
            if (head_end == std::string::npos) {
                if (c.in.size() > 64 * 1024) drop(c);
                return;
            }
            const std::string_view head(c.in.data(), head_end);
            const std::size_t sp1 = head.find(' ');
            const std::size_t sp2 = head.find(' ', sp1 + 1);
            if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) {
                drop(c);
                return;
            }
            const std::string method(head.substr(0, sp1));
            const std::string target(head.substr(sp1 + 1, sp2 - sp1 - 1));
            const std::string_view upgrade = header(head, "upgrade");
            if (!upgrade.empty()) {
                const std::string key(header(head, "sec-websocket-key"));
                const bool ok = method == "GET" && target.starts_with(app_prefix) &&
                                ws::is_valid_client_key(key);
                if (!ok) {
                    deliver(c, http_response(404, "Not Found", R"({"error":"not found"})"));
                    c.in.clear();
                    return;
                }
                c.in.erase(0, head_end + 4);
                start_websocket(c, key);
                return;
            }
            std::size_t length = 0;
            const auto len = header(head, "content-length");
            for (const char ch : len) length = length * 10 + static_cast<std::size_t>(ch - '0');
            if (c.in.size() < head_end + 4 + length) return;
            const std::string body = c.in.substr(head_end + 4, length);
            c.in.erase(0, head_end + 4 + length);
            handle_request(c, method, target, body);
            if (c.dead) return;
        }
    }

    void handle_request(conn& c, const std::string& method, const std::string& target,
                        const std::string& body) {
        const std::size_t q = target.find('?');
        const std::string path = target.substr(0, q);
        const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
        if (method != "POST" || (path != events_path && path != batch_path)) {
            deliver(c, http_response(404, "Not Found", R"({"error":"not found"})"));
            return;
        }
        if (options.verify_signatures && !signature_ok(method, path, query, body)) {
            deliver(c, http_response(401, "Unauthorized", R"({"error":"invalid signature"})"));
            return;
        }
        const auto json = nlohmann::json::parse(body, nullptr, false);
        if (json.is_discarded() || !json.is_object()) {
            deliver(c, http_response(400, "Bad Request", R"({"error":"invalid json"})"));
            return;
        }
        if (path == batch_path) {
            const auto it = json.find("batch");
            if (it == json.end() || !it->is_array()) {
                deliver(c, http_response(400, "Bad Request", R"({"error":"no batch"})"));
                return;
            }
            for (const auto& e : *it) publish_event(e);
            deliver(c, http_response(200, "OK", R"({"batch":{}})"));
            return;
        }
        publish_event(json);
        deliver(c, http_response(200, "OK", "{}"));
    }

    bool signature_ok(const std::string& method, const std::string& path, const std::string& query,
                      const std::string& body) const {
        std::map<std::string, std::string> params;
        std::size_t pos = 0;
        while (pos <= query.size() && !query.empty()) {
            const std::size_t amp = query.find('&', pos);
            const std::string item = query.substr(pos, amp == std::string::npos ? amp : amp - pos);
            const std::size_t eq = item.find('=');
            if (eq != std::string::npos) params[item.substr(0, eq)] = item.substr(eq + 1);
            if (amp == std::string::npos) break;
            pos = amp + 1;
        }
        const auto sig = params.find("auth_signature");
        if (sig == params.end() || params["auth_key"] != options.key) return false;
        const std::string signature = sig->second;
        params.erase("auth_signature");
        if (!body.empty() && params["body_md5"] != crypto::md5_hex(body)) return false;
        std::string sorted;
        for (const auto& [k, v] : params) {
            if (!sorted.empty()) sorted += '&';
            sorted += k + "=" + v;
        }
        const std::string expected =
            crypto::hmac_sha256_hex(options.secret, method + "\n" + path + "\n" + sorted);
        return crypto::constant_time_equal(expected, signature);
    }

    void publish_event(const nlohmann::json& e) {
        if (!e.is_object()) return;
        const std::string name = e.value("name", "");
        const nlohmann::json data = e.contains("data") ? e["data"] : nlohmann::json("");
        const std::string data_text = data.is_string() ? data.get<std::string>() : data.dump();
        const std::string exclude = e.value("socket_id", "");
        std::vector<std::string> channels;
        if (e.contains("channel") && e["channel"].is_string()) channels.push_back(e["channel"]);
        if (e.contains("channels") && e["channels"].is_array()) {
            for (const auto& ch : e["channels"]) {
                if (ch.is_string()) channels.push_back(ch);
            }
        }
        for (const auto& ch : channels) {
            const auto it = channel_ids.find(ch);
            if (it == channel_ids.end()) continue;
            const nlohmann::json msg = {{"event", name}, {"channel", ch}, {"data", data_text}};
            fan_out(it->second, make_frame(msg.dump()), exclude);
        }
    }

    void fan_out(std::uint32_t ch, const frame_ptr& frame, std::string_view exclude_socket) {
        // deliver() may evict, which edits this list: iterate over a copy of the fds.
        const std::vector<int> fds = members[ch];
        for (const int fd : fds) {
            conn* c = find(fd);
            if (c == nullptr || (!exclude_socket.empty() && c->socket_id == exclude_socket)) continue;
            deliver(*c, frame);
        }
    }

    // --- WebSocket ---

    void start_websocket(conn& c, const std::string& key) {
        deliver(c, std::make_shared<const std::string>(ws::upgrade_response(key)));
        c.websocket = true;
        c.socket_id = std::to_string(getpid()) + "." + std::to_string(next_socket++);
        send_text(c, R"({"event":"pusher:connection_established","data":"{\"socket_id\":\")" +
                         c.socket_id + R"(\",\"activity_timeout\":120}"})");
        if (!c.in.empty()) parse_websocket(c);
    }

    void parse_websocket(conn& c) {
        std::size_t consumed = 0;
        std::span<std::uint8_t> data(reinterpret_cast<std::uint8_t*>(c.in.data()), c.in.size());
        for (;;) {
            const ws::read_event ev = c.reader.next(data.subspan(consumed), consumed);
            switch (ev.type) {
                case ws::read_event::kind::need_more:
                    c.in.erase(0, consumed);
                    return;
                case ws::read_event::kind::message:
                    on_message(c, ev.payload);
                    if (c.dead || c.closing) return;
                    break;
                case ws::read_event::kind::ping:
                    deliver(c, std::make_shared<const std::string>(
                                   ws::encode_frame(ws::opcode::pong, ev.payload)));
                    break;
                case ws::read_event::kind::pong:
                    break;
                case ws::read_event::kind::close:
                case ws::read_event::kind::error:
                    drop(c);
                    return;
            }
        }
    }

    std::uint32_t channel_id(const std::string& name) {
        const auto [it, inserted] =
            channel_ids.try_emplace(name, static_cast<std::uint32_t>(members.size()));
        if (inserted) members.emplace_back();
        return it->second;
    }

    void on_message(conn& c, std::string_view text) {
        const auto msg = nlohmann::json::parse(text, nullptr, false);
        if (msg.is_discarded() || !msg.is_object()) return;
        const std::string event = msg.value("event", "");
        if (event == "pusher:ping") {
            send_text(c, R"({"event":"pusher:pong","data":{}})");
        } else if (event == "pusher:subscribe" && msg.contains("data") && msg["data"].is_object()) {
            subscribe(c, msg["data"]);
        } else if (event == "pusher:unsubscribe" && msg.contains("data")) {
            const std::string name = msg["data"].value("channel", "");
            const auto it = channel_ids.find(name);
            if (it == channel_ids.end()) return;
            remove_member(it->second, c.fd);
            std::erase(c.channels, it->second);
        } else if (event.starts_with("client-")) {
            const std::string name = msg.value("channel", "");
            const auto it = channel_ids.find(name);
            if (it == channel_ids.end() || !name.starts_with("private-") ||
                std::find(c.channels.begin(), c.channels.end(), it->second) == c.channels.end()) {
                return;
            }
            fan_out(it->second, make_frame(text), c.socket_id);
        }
    }

    void subscribe(conn& c, const nlohmann::json& data) {
        const std::string name = data.value("channel", "");
        if (name.empty()) return;
        if (options.verify_signatures &&
            (name.starts_with("private-") || name.starts_with("presence-"))) {
            std::string to_sign = c.socket_id + ":" + name;
            if (name.starts_with("presence-")) {
                to_sign.append(":").append(data.value("channel_data", ""));
            }
            const std::string want =
                options.key + ":" + crypto::hmac_sha256_hex(options.secret, to_sign);
            if (!crypto::constant_time_equal(want, data.value("auth", ""))) {
                const nlohmann::json err = {
                    {"event", "pusher:subscription_error"},
                    {"channel", name},
                    {"data", {{"type", "AuthError"}, {"error", "invalid signature"}, {"status", 401}}}};
                send_text(c, err.dump());
                return;
            }
        }
        const std::uint32_t id = channel_id(name);
        if (std::find(c.channels.begin(), c.channels.end(), id) == c.channels.end()) {
            c.channels.push_back(id);
            members[id].push_back(c.fd);
        }
        nlohmann::json ok = {{"event", "pusher_internal:subscription_succeeded"}, {"channel", name}};
        if (name.starts_with("presence-")) {
            ok["data"] = R"({"presence":{"ids":[],"hash":{},"count":0}})";
        }
        send_text(c, ok.dump());
    }
};

server::server(server_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
server::~server() = default;
std::uint16_t server::port() const noexcept { return impl_->bound_port; }
void server::run() { impl_->run(); }
void server::stop() noexcept { impl_->stopping.store(true, std::memory_order_relaxed); }

}  // namespace sb::bench::baseline
