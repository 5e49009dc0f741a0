#pragma once
// Plain sockets and epoll for the load tool.
//
// Why epoll and not Asio: each worker process is one thread that owns thousands of sockets and
// does nothing but read, scan and count. With epoll it reads every ready socket until EAGAIN into
// one shared 256 KiB buffer and parses frames in place: no handler allocation per read, no
// per-socket buffer, no completion queue, and one clock read per wakeup. Asio would add a
// handler object and a per-operation buffer for every read, which is exactly the cost the tool
// must not have when it counts millions of deliveries per second.

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sb::bench {

struct endpoint {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    sockaddr_in addr{};
};

// "host:port" with a dotted IPv4 host (the tool runs on loopback only). Throws on bad input.
[[nodiscard]] endpoint parse_endpoint(std::string_view text);

// "127.0.0.2-127.0.0.9" or "127.0.0.2,127.0.0.5" or a single address; empty text gives an empty
// list (the kernel picks the source). Throws on bad input.
[[nodiscard]] std::vector<in_addr> parse_source_addrs(std::string_view text);

// A non-blocking TCP socket bound to `source` (port chosen at connect time, so ports are spent per
// source/destination pair: IP_BIND_ADDRESS_NO_PORT) with a connect in progress. -1 and errno on
// failure. rcvbuf > 0 shrinks the receive buffer (the slow consumer).
int start_connect(const endpoint& to, const in_addr* source, int rcvbuf = 0);

void set_nonblocking(int fd);
// Arms a CLOCK_MONOTONIC timerfd to fire once at `at_ns` (absolute, the clock of now_ns()).
void arm_timer_at(int timer_fd, std::uint64_t at_ns);
void set_nodelay(int fd);

// Monotonic nanoseconds (CLOCK_MONOTONIC: one clock for every process of the machine).
[[nodiscard]] std::uint64_t now_ns() noexcept;

// A small epoll wrapper; the 64-bit user data is the caller's.
class epoll_set {
public:
    epoll_set();
    ~epoll_set();
    epoll_set(const epoll_set&) = delete;
    epoll_set& operator=(const epoll_set&) = delete;

    void add(int fd, std::uint32_t events, std::uint64_t data);
    void modify(int fd, std::uint32_t events, std::uint64_t data);
    void remove(int fd);
    [[nodiscard]] int fd() const noexcept { return fd_; }

private:
    int fd_;
};

}  // namespace sb::bench
