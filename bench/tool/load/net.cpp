#include "load/net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/timerfd.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <ctime>
#include <stdexcept>
#include <system_error>

namespace sb::bench {

namespace {

in_addr parse_ipv4(std::string_view text) {
    in_addr a{};
    const std::string s(text);
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) {
        throw std::invalid_argument("not an IPv4 address: " + s);
    }
    return a;
}

}  // namespace

endpoint parse_endpoint(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) throw std::invalid_argument("expected host:port");
    endpoint e;
    e.host = std::string(text.substr(0, colon));
    if (e.host == "localhost") e.host = "127.0.0.1";
    unsigned port = 0;
    const auto ptext = text.substr(colon + 1);
    auto [p, ec] = std::from_chars(ptext.data(), ptext.data() + ptext.size(), port);
    if (ec != std::errc{} || p != ptext.data() + ptext.size() || port == 0 || port > 65535) {
        throw std::invalid_argument("bad port in " + std::string(text));
    }
    e.port = static_cast<std::uint16_t>(port);
    e.addr.sin_family = AF_INET;
    e.addr.sin_port = htons(e.port);
    e.addr.sin_addr = parse_ipv4(e.host);
    return e;
}

std::vector<in_addr> parse_source_addrs(std::string_view text) {
    std::vector<in_addr> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        const auto dash = item.find('-');
        if (dash == std::string_view::npos) {
            out.push_back(parse_ipv4(item));
            continue;
        }
        const std::uint32_t first = ntohl(parse_ipv4(item.substr(0, dash)).s_addr);
        const std::uint32_t last = ntohl(parse_ipv4(item.substr(dash + 1)).s_addr);
        if (last < first || last - first > 1024) throw std::invalid_argument("bad address range");
        for (std::uint32_t a = first; a <= last; ++a) out.push_back(in_addr{htonl(a)});
    }
    return out;
}

void set_nonblocking(int fd) {
    const int flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void set_nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int start_connect(const endpoint& to, const in_addr* source, int rcvbuf) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    set_nodelay(fd);
    if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (source != nullptr) {
        int one = 1;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_addr = *source;
        if (bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
            const int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
    }
    if (connect(fd, reinterpret_cast<const sockaddr*>(&to.addr), sizeof to.addr) != 0 &&
        errno != EINPROGRESS) {
        const int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

std::uint64_t now_ns() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

epoll_set::epoll_set() : fd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

epoll_set::~epoll_set() { close(fd_); }

void epoll_set::add(int fd, std::uint32_t events, std::uint64_t data) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = data;
    epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &ev);
}

void epoll_set::modify(int fd, std::uint32_t events, std::uint64_t data) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = data;
    epoll_ctl(fd_, EPOLL_CTL_MOD, fd, &ev);
}

void epoll_set::remove(int fd) { epoll_ctl(fd_, EPOLL_CTL_DEL, fd, nullptr); }

void arm_timer_at(int timer_fd, std::uint64_t at_ns) {
    itimerspec its{};
    its.it_value.tv_sec = static_cast<time_t>(at_ns / 1'000'000'000ULL);
    its.it_value.tv_nsec = static_cast<long>(at_ns % 1'000'000'000ULL);
    timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &its, nullptr);
}

}  // namespace sb::bench
