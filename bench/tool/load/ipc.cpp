#include "load/ipc.hpp"

#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace sb::bench {

namespace {

struct header {
    ipc_type type;
    std::uint32_t pad;
    std::uint64_t size;
};

bool write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                // The descriptor is shared with a non-blocking reader; wait for room.
                fd_set set;
                FD_ZERO(&set);
                FD_SET(fd, &set);
                select(fd + 1, nullptr, &set, nullptr, nullptr);
                continue;
            }
            return false;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

}  // namespace

bool ipc_channel::send(ipc_type type, const ipc_writer& body) const {
    const header h{type, 0, body.bytes().size()};
    return write_all(fd_, reinterpret_cast<const char*>(&h), sizeof h) &&
           write_all(fd_, body.bytes().data(), body.bytes().size());
}

bool ipc_channel::fill() {
    char buf[65536];
    for (;;) {
        const ssize_t r = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        if (r > 0) {
            in_.append(buf, static_cast<std::size_t>(r));
            continue;
        }
        if (r == 0) return false;
        if (errno == EINTR) continue;
        return errno == EAGAIN;
    }
}

std::optional<ipc_message> ipc_channel::next() {
    if (in_.size() < sizeof(header)) return std::nullopt;
    header h{};
    std::memcpy(&h, in_.data(), sizeof h);
    if (in_.size() < sizeof h + h.size) return std::nullopt;
    ipc_message m{h.type, in_.substr(sizeof h, h.size)};
    in_.erase(0, sizeof h + h.size);
    return m;
}

void ipc_channel::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void make_ipc_pair(int fds[2]) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        throw std::system_error(errno, std::generic_category(), "socketpair");
    }
    int size = 4 << 20;
    setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

}  // namespace sb::bench
