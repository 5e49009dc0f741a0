#pragma once
// A scripted stand-in for a Redis server, for tests that need exact control of the replies:
// silence, late replies, garbage, dropped connections. Listens on 127.0.0.1 with an ephemeral
// port, on the test's io_context, and reads commands with the client's own RESP parser.
//
// Thread: the io_context's.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace sb::broker::redis::test_support {

using command_args = std::vector<std::string>;

class fake_server {
public:
    // Returns the bytes to answer a command with, or nothing to stay silent.
    using handler = std::function<std::optional<std::string>(const command_args&)>;

    explicit fake_server(boost::asio::io_context& context);
    ~fake_server();
    fake_server(const fake_server&) = delete;
    fake_server& operator=(const fake_server&) = delete;

    [[nodiscard]] std::uint16_t port() const;
    [[nodiscard]] std::string url() const;  // redis://127.0.0.1:PORT

    // Default: confirmations for (un)subscribe commands, +PONG for PING, +OK otherwise.
    void set_handler(handler h);
    // The default answer to one command (handlers fall back on it).
    static std::optional<std::string> default_reply(const command_args& command);

    // Every command received, in order, across connections.
    [[nodiscard]] const std::vector<command_args>& commands() const;
    // How many whole commands each socket read completed (a single gather write from the
    // client shows up as one read with all its commands, on loopback).
    [[nodiscard]] const std::vector<std::size_t>& commands_per_read() const;
    [[nodiscard]] std::size_t connections_accepted() const;

    // Writes raw bytes to the newest connection.
    void send(std::string bytes);
    // Closes every connection, as a crashed server would.
    void drop_connections();

private:
    struct state;
    std::shared_ptr<state> state_;
};

}  // namespace sb::broker::redis::test_support
