#include <utility>

#include "net/http_connection.hpp"

#include "net/http_service.hpp"
#include "net/shard.hpp"
#include "protocol/websocket/handshake.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <optional>

namespace sb::net {

namespace beast = boost::beast;
namespace http = beast::http;
using boost::asio::ip::tcp;

namespace {

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

class http_connection : public std::enable_shared_from_this<http_connection> {
public:
    http_connection(shard& home, tcp::socket socket, http_service& service, const http_limits& limits)
        : home_(home), stream_(std::move(socket)), service_(service), limits_(limits) {}

    void start() { do_read(); }

private:
    void do_read() {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_size));
        parser_->body_limit(limits_.max_body_size);
        stream_.expires_after(limits_.idle_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             self->on_read(ec);
                         });
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::body_limit) {
            write_error(413, "request body too large");
            return;
        }
        if (ec == http::error::header_limit) {
            write_error(431, "request headers too large");
            return;
        }
        if (ec) {
            if (ec != http::error::end_of_stream && ec != beast::error::timeout && ec != boost::asio::error::eof &&
                ec != boost::asio::error::connection_reset && ec != boost::asio::error::operation_aborted) {
                write_error(400, "malformed HTTP request");
                return;
            }
            close();
            return;
        }
        auto req = parser_->release();
        keep_alive_ = req.keep_alive();
        http_request request;
        request.method = std::string(req.method_string());
        const std::string_view target = req.target();
        const auto q = target.find('?');
        request.path = std::string(target.substr(0, q));
        if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
        for (const auto& field : req) request.headers.emplace_back(lowercase(field.name_string()), std::string(field.value()));
        request.body = std::move(req.body());
        beast::error_code ep_ec;
        const auto ep = stream_.socket().remote_endpoint(ep_ec);
        if (!ep_ec) request.remote_address = ep.address().to_string();

        if (beast::websocket::is_upgrade(req)) {
            upgrade(std::move(request), req);
            return;
        }
        auto self = shared_from_this();
        service_.handle(std::move(request), [self](http_response response) {
            shard& home = self->home_;
            if (shard::current() == &home) {
                self->write(std::move(response));
            } else {
                home.post([self, r = std::move(response)]() mutable { self->write(std::move(r)); });
            }
        });
    }

    void upgrade(http_request request, const http::request<http::string_body>& req) {
        if (!service_.accepts_websocket(request.path)) {
            write_error(404, "no WebSocket endpoint at this path");
            return;
        }
        const std::string_view key = req[http::field::sec_websocket_key];
        if (req[http::field::sec_websocket_version] != "13" || !protocol::websocket::is_valid_client_key(key)) {
            http_response r;
            r.status = 400;
            r.content_type = "text/plain";
            r.body = "WebSocket upgrade needs Sec-WebSocket-Version: 13 and a valid Sec-WebSocket-Key\n";
            r.headers.emplace_back("Sec-WebSocket-Version", "13");
            keep_alive_ = false;
            write(std::move(r));
            return;
        }
        std::string leftover(static_cast<const char*>(buffer_.data().data()), buffer_.size());
        stream_.expires_never();
        service_.upgrade(std::move(request), stream_.release_socket(),
                         protocol::websocket::upgrade_response(key), std::move(leftover), home_);
    }

    void write_error(int status, std::string_view message) {
        http_response r;
        r.status = status;
        r.content_type = "text/plain";
        r.body = std::string(message) + "\n";
        keep_alive_ = false;
        write(std::move(r));
    }

    void write(http_response response) {
        auto res = std::make_shared<http::response<http::string_body>>();
        res->version(11);
        res->result(static_cast<unsigned>(response.status));
        res->set(http::field::server, "switchboard");
        res->set(http::field::content_type, response.content_type);
        for (auto& [k, v] : response.headers) res->set(k, v);
        res->body() = std::move(response.body);
        res->keep_alive(keep_alive_);
        res->prepare_payload();
        stream_.expires_after(limits_.idle_timeout);
        http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
            if (ec || !self->keep_alive_) {
                self->close();
                return;
            }
            self->do_read();
        });
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.close();
    }

    shard& home_;
    beast::tcp_stream stream_;
    http_service& service_;
    const http_limits& limits_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    bool keep_alive_ = true;
};

}  // namespace

void serve_http(shard& home, tcp::socket socket, http_service& service, const http_limits& limits) {
    std::make_shared<http_connection>(home, std::move(socket), service, limits)->start();
}

}  // namespace sb::net
