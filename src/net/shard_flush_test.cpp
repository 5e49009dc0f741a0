#include <utility>

#include "net/frame.hpp"
#include "net/shard.hpp"
#include "net/ws_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/socket_base.hpp>

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

// The shard writes a pass over its dirty connections a few at a time, letting queued tasks and
// socket events run between chunks (shard.cpp). These tests drive more connections than one
// chunk through several back-to-back fan-outs, with a peer that resets in the middle, and check
// every byte each live peer receives.

namespace sb::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class silent_connection final : public ws_connection {
public:
    using ws_connection::ws_connection;

protected:
    void on_open() override {}
    void on_text(std::string_view) override {}
    void on_detach() override {}
};

std::string text_frame(const std::string& payload) {
    std::string out;
    out += static_cast<char>(0x81);
    out += static_cast<char>(payload.size());
    return out + payload;
}

template <class F>
void run_on(shard& s, F f) {
    std::promise<void> done;
    s.post([&] {
        f();
        done.set_value();
    });
    done.get_future().wait();
}

struct loopback_pairs {
    explicit loopback_pairs(std::size_t count) {
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        for (std::size_t i = 0; i < count; ++i) {
            clients.emplace_back(io);
            clients.back().connect(acceptor.local_endpoint());
            // A frame that never comes fails the test instead of hanging it.
            const timeval two_seconds{2, 0};
            ::setsockopt(clients.back().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &two_seconds, sizeof two_seconds);
            server_fds.push_back(acceptor.accept().release());
        }
    }
    asio::io_context io;
    std::vector<tcp::socket> clients;
    std::vector<int> server_fds;
};

TEST(shard_flush, every_peer_gets_every_frame_in_order_across_chunks_and_back_to_back_fan_outs) {
    constexpr std::size_t peers = 100;  // several flush chunks
    constexpr int events = 6;
    constexpr std::size_t reset_peer = 37;
    shard_set shards(1, 64 * 1024);
    shards.start();
    shard& home = shards.at(0);
    const ws_limits limits;

    loopback_pairs pairs(peers);
    std::vector<std::shared_ptr<ws_connection>> connections;
    run_on(home, [&] {
        for (const int fd : pairs.server_fds) {
            tcp::socket s(home.context());
            s.assign(tcp::v4(), fd);
            connections.push_back(std::make_shared<silent_connection>(home, std::move(s), limits));
            connections.back()->start("HS", "");
        }
    });

    // A peer that vanishes: its read error lands between chunks of a pass that still lists it.
    pairs.clients[reset_peer].set_option(asio::socket_base::linger(true, 0));
    pairs.clients[reset_peer].close();

    for (int e = 0; e < events; ++e) {
        const frame_ref f(frame::text("event-" + std::to_string(e)));
        home.post([&connections, f] {
            for (auto& c : connections) c->send(f);
        });
    }

    std::string expected = "HS";
    for (int e = 0; e < events; ++e) expected += text_frame("event-" + std::to_string(e));
    for (std::size_t i = 0; i < peers; ++i) {
        if (i == reset_peer) continue;
        std::string got(expected.size(), '\0');
        boost::system::error_code ec;
        const std::size_t n = asio::read(pairs.clients[i], asio::buffer(got), ec);
        got.resize(n);
        EXPECT_EQ(got, expected) << "peer " << i;
    }

    run_on(home, [&] {
        for (auto& c : connections) c->close(1000, "");
        connections.clear();
    });
    shards.stop_and_join();
}

}  // namespace
}  // namespace sb::net
