#include "broker/redis/test_support/fake_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <cctype>
#include <deque>

#include "broker/redis/resp.hpp"

namespace sb::broker::redis::test_support {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

struct fake_server::state : std::enable_shared_from_this<fake_server::state> {
    struct session : std::enable_shared_from_this<session> {
        explicit session(tcp::socket s, std::weak_ptr<fake_server::state> o)
            : socket(std::move(s)), owner(std::move(o)), buffer(1 << 20) {}

        void read() {
            socket.async_read_some(
                asio::buffer(buffer),
                [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                    self->on_read(ec, n);
                });
        }

        void on_read(const boost::system::error_code& ec, std::size_t n) {
            auto o = owner.lock();
            if (ec || !o) return;
            const std::string_view data(buffer.data(), n);
            std::size_t consumed = 0;
            std::size_t whole = 0;
            while (consumed < data.size()) {
                const auto status = parser.next(data.substr(consumed), consumed);
                if (status != resp_parser::status::reply) break;
                const reply r = parser.take();
                command_args args;
                for (const reply& e : r.elements) args.push_back(e.str);
                ++whole;
                o->received.push_back(args);
                const auto bytes = o->answer ? o->answer(args) : default_reply(args);
                if (bytes) send(*bytes);
            }
            o->per_read.push_back(whole);
            read();
        }

        void send(std::string bytes) {
            out.push_back(std::move(bytes));
            if (out.size() == 1) write();
        }

        void write() {
            asio::async_write(
                socket, asio::buffer(out.front()),
                [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                    if (ec) return;
                    self->out.pop_front();
                    if (!self->out.empty()) self->write();
                });
        }

        tcp::socket socket;
        std::weak_ptr<fake_server::state> owner;
        std::vector<char> buffer;
        resp_parser parser;
        std::deque<std::string> out;
    };

    explicit state(asio::io_context& context)
        : acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}

    void accept() {
        acceptor.async_accept(
            [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
                if (ec) return;
                ++self->accepted;
                auto s = std::make_shared<session>(std::move(socket), self);
                self->sessions.push_back(s);
                s->read();
                self->accept();
            });
    }

    tcp::acceptor acceptor;
    handler answer;
    std::vector<command_args> received;
    std::vector<std::size_t> per_read;
    std::size_t accepted = 0;
    std::vector<std::shared_ptr<session>> sessions;
};

fake_server::fake_server(asio::io_context& context) : state_(std::make_shared<state>(context)) {
    state_->accept();
}

fake_server::~fake_server() {
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    drop_connections();
}

std::uint16_t fake_server::port() const { return state_->acceptor.local_endpoint().port(); }

std::string fake_server::url() const { return "redis://127.0.0.1:" + std::to_string(port()); }

void fake_server::set_handler(handler h) { state_->answer = std::move(h); }

std::optional<std::string> fake_server::default_reply(const command_args& command) {
    if (command.empty()) return "-ERR empty command\r\n";
    const std::string name = lower(command.front());
    if (name == "ping") return "+PONG\r\n";
    if (name.find("subscribe") != std::string::npos) {
        std::string out;
        for (std::size_t i = 1; i < command.size(); ++i) {
            append_reply(out,
                         reply::make_array({reply::bulk(name), reply::bulk(command[i]),
                                            reply::make_integer(static_cast<std::int64_t>(i))}));
        }
        return out;
    }
    return "+OK\r\n";
}

const std::vector<command_args>& fake_server::commands() const { return state_->received; }
const std::vector<std::size_t>& fake_server::commands_per_read() const { return state_->per_read; }
std::size_t fake_server::connections_accepted() const { return state_->accepted; }

void fake_server::send(std::string bytes) {
    if (!state_->sessions.empty()) state_->sessions.back()->send(std::move(bytes));
}

void fake_server::drop_connections() {
    for (auto& s : state_->sessions) {
        boost::system::error_code ignored;
        s->socket.close(ignored);
    }
    state_->sessions.clear();
}

}  // namespace sb::broker::redis::test_support
