#include "load/http_client.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace sb::bench {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The value of header `name` (lowercase) in `head`, empty when absent.
std::string_view header_value(std::string_view head, std::string_view name) {
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
        const std::size_t start = pos + 2;
        const std::size_t end = head.find("\r\n", start);
        const std::string_view line =
            head.substr(start, (end == std::string_view::npos ? head.size() : end) - start);
        if (line.size() > name.size() && line[name.size()] == ':') {
            bool same = true;
            for (std::size_t i = 0; i < name.size() && same; ++i) same = lower(line[i]) == name[i];
            if (same) {
                std::string_view v = line.substr(name.size() + 1);
                while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
                return v;
            }
        }
        pos = end;
    }
    return {};
}

bool contains_ci(std::string_view text, std::string_view word) {
    if (word.size() > text.size()) return false;
    for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
        bool same = true;
        for (std::size_t j = 0; j < word.size() && same; ++j) same = lower(text[i + j]) == word[j];
        if (same) return true;
    }
    return false;
}

}  // namespace

http_client::http_client(const endpoint& target, const in_addr* source, http_counters& counters,
                         std::uint64_t tag)
    : target_(target), source_(source), counters_(counters), tag_(tag) {}

http_client::~http_client() {
    if (fd_ >= 0) ::close(fd_);
}

bool http_client::open(epoll_set& ep) {
    ep_ = &ep;
    connected_ = false;
    close_after_ = false;
    in_.clear();
    out_.clear();
    fd_ = start_connect(target_, source_);
    if (fd_ < 0) {
        ++counters_.connect_failures;
        return false;
    }
    ep.add(fd_, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, tag_);
    return true;
}

void http_client::on_event(std::uint32_t events) {
    if (fd_ < 0) return;
    if (!connected_) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0) {
            ++counters_.connect_failures;
            fail();
            return;
        }
        if ((events & EPOLLOUT) == 0) return;
        connected_ = true;
    }
    if ((events & EPOLLOUT) != 0) flush();
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) read_all();
}

bool http_client::send(std::string_view request, std::uint32_t events, std::uint64_t now) {
    if (!is_open() || close_after_) return false;
    pending_.push_back({now, events});
    if (out_.empty()) {
        const ssize_t w = ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        const std::size_t sent = w > 0 ? static_cast<std::size_t>(w) : 0;
        if (sent < request.size()) out_.append(request.substr(sent));
    } else {
        out_.append(request);
    }
    return true;
}

void http_client::flush() {
    while (!out_.empty()) {
        const ssize_t w = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w <= 0) return;
        out_.erase(0, static_cast<std::size_t>(w));
    }
}

void http_client::read_all() {
    char buf[65536];
    for (;;) {
        const ssize_t r = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        if (r > 0) {
            in_.append(buf, static_cast<std::size_t>(r));
            if (!parse_responses()) {
                fail();
                return;
            }
            if (close_after_ && pending_.empty()) {
                fail();
                return;
            }
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) return;
        fail();
        return;
    }
}

bool http_client::parse_responses() {
    for (;;) {
        const std::size_t head_end = in_.find("\r\n\r\n");
        if (head_end == std::string::npos) return in_.size() < 64 * 1024;
        const std::string_view head(in_.data(), head_end);
        if (!head.starts_with("HTTP/1.")) return false;
        unsigned status = 0;
        std::from_chars(head.data() + 9, head.data() + std::min<std::size_t>(head.size(), 12),
                        status);
        std::size_t body_start = head_end + 4;
        std::size_t total = 0;
        std::size_t body_size = 0;
        if (contains_ci(header_value(head, "transfer-encoding"), "chunked")) {
            std::size_t pos = body_start;
            bool done = false;
            while (!done) {
                const std::size_t line_end = in_.find("\r\n", pos);
                if (line_end == std::string::npos) return true;  // need more
                std::size_t chunk = 0;
                std::from_chars(in_.data() + pos, in_.data() + line_end, chunk, 16);
                if (chunk == 0) {
                    const std::size_t trailer_end = in_.find("\r\n", line_end + 2);
                    if (trailer_end == std::string::npos) return true;
                    total = trailer_end + 2;
                    done = true;
                } else {
                    if (in_.size() < line_end + 2 + chunk + 2) return true;
                    body_size += chunk;
                    pos = line_end + 2 + chunk + 2;
                }
            }
        } else {
            const std::string_view len = header_value(head, "content-length");
            std::from_chars(len.data(), len.data() + len.size(), body_size);
            if (in_.size() < body_start + body_size) return true;  // need more
            total = body_start + body_size;
        }
        if (contains_ci(header_value(head, "connection"), "close")) close_after_ = true;
        if (status >= 100 && status < 200) {  // an interim response: the final one follows
            in_.erase(0, total);
            continue;
        }
        if (pending_.empty()) return false;  // a response nobody asked for
        const pending_request req = pending_.front();
        pending_.pop_front();
        ++counters_.responses;
        counters_.latency.record(now_ns() - req.sent_ns);
        if (status < 200 || status >= 300) {
            ++counters_.non_2xx;
            counters_.lost_events += req.events;
            counters_.last_error_body =
                std::to_string(status) + " " + in_.substr(body_start, std::min<std::size_t>(200, body_size));
        }
        in_.erase(0, total);
    }
}

void http_client::fail() {
    for (const auto& p : pending_) counters_.lost_events += p.events;
    pending_.clear();
    if (fd_ >= 0) {
        ep_->remove(fd_);
        ::close(fd_);
    }
    fd_ = -1;
    connected_ = false;
}

void reopen_closed(std::vector<std::unique_ptr<http_client>>& clients, epoll_set& ep, std::uint64_t& last_ns,
                   std::uint64_t now_ns) {
    if (now_ns - last_ns < 50'000'000) return;
    last_ns = now_ns;
    for (auto& c : clients) {
        if (c->is_closed()) c->open(ep);
    }
}

}  // namespace sb::bench
