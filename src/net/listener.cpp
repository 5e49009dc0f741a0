#include <utility>

#include "net/listener.hpp"

#include "net/http_connection.hpp"
#include "net/shard.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <sys/socket.h>

namespace sb::net {

using boost::asio::ip::tcp;

struct listener::acceptor : std::enable_shared_from_this<listener::acceptor> {
    acceptor(shard& s, http_service& svc, const http_limits& lim)
        : home(s), service(svc), limits(lim), socket(s.context()), backoff(s.context()) {}

    void do_accept() {
        socket.async_accept(home.context(), [self = shared_from_this()](boost::system::error_code ec, tcp::socket peer) {
            self->on_accept(ec, std::move(peer));
        });
    }

    void on_accept(boost::system::error_code ec, tcp::socket peer) {
        if (ec == boost::asio::error::operation_aborted || stopped) return;
        if (ec) {
            // EMFILE/ENFILE/ENOBUFS: wait for descriptors to free up, then accept again.
            if (!warned) {
                spdlog::warn("accept failed on shard {}: {} (retrying)", home.index(), ec.message());
                warned = true;
            }
            backoff.expires_after(std::chrono::milliseconds(100));
            backoff.async_wait([self = shared_from_this()](boost::system::error_code e) {
                if (!e && !self->stopped) self->do_accept();
            });
            return;
        }
        warned = false;
        // Responses and frames are complete messages: never hold one back waiting for an ACK.
        peer.set_option(tcp::no_delay(true), ec);
        serve_http(home, std::move(peer), service, limits);
        do_accept();
    }

    shard& home;
    http_service& service;
    const http_limits& limits;
    tcp::acceptor socket;
    boost::asio::steady_timer backoff;
    bool stopped = false;
    bool warned = false;
};

listener::listener(shard_set& shards, const std::string& host, std::uint16_t port, http_service& service,
                   const http_limits& limits) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    if (ec) throw std::runtime_error("invalid listen address '" + host + "': " + ec.message());
    for (std::uint32_t i = 0; i < shards.size(); ++i) {
        auto a = std::make_shared<acceptor>(shards.at(i), service, limits);
        tcp::endpoint ep(address, i == 0 ? port : port_);
        a->socket.open(ep.protocol(), ec);
        if (!ec) a->socket.set_option(boost::asio::socket_base::reuse_address(true), ec);
        if (!ec) {
            int one = 1;
            if (::setsockopt(a->socket.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
                ec.assign(errno, boost::system::system_category());
        }
        if (!ec) a->socket.bind(ep, ec);
        if (!ec) a->socket.listen(4096, ec);
        if (ec)
            throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(ep.port()) + ": " +
                                     ec.message());
        if (i == 0) port_ = a->socket.local_endpoint().port();
        acceptors_.push_back(std::move(a));
    }
}

listener::~listener() = default;

void listener::start() {
    for (auto& a : acceptors_)
        a->home.post([a] { a->do_accept(); });
}

void listener::stop() {
    for (auto& a : acceptors_)
        a->home.post([a] {
            a->stopped = true;
            boost::system::error_code ec;
            a->socket.close(ec);
            a->backoff.cancel();
        });
}

}  // namespace sb::net
