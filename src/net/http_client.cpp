// The outgoing HTTP/1.1 client (http_client.hpp). One request is one `exchange` object walking
// resolve → connect → TLS handshake → write → read, under one deadline timer that closes the
// socket when it fires. Finished connections that may be kept alive go back to an idle pool per
// origin; a request takes the newest idle one that is still open, and retries once on a fresh
// connection if a reused one turns out to have been closed by the server before any response byte.
//
// Asio's SSL implementation is compiled here, once for the program (boost_impl.cpp compiles the
// rest of Asio and Beast): no other file may include <boost/asio/ssl/impl/src.hpp>.
#include "net/http_client.hpp"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace sb::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

class exchange;

namespace {

constexpr std::size_t max_response_header = 64 * 1024;

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

struct target {
    bool tls = false;
    std::string host;  // without brackets for IPv6 literals
    std::string port;
    std::string path;  // path and query, "/" when empty
    std::string host_header;
    std::string origin;  // scheme://host:port: the key of the idle pool
};

// Absolute http:// or https:// URLs; user info and fragments are refused, as a webhook or API
// URL never needs them.
std::optional<target> parse_target(std::string_view url) {
    target t;
    std::string_view rest;
    const auto lower = lowercase(url.substr(0, 8));
    if (lower.rfind("http://", 0) == 0) {
        rest = url.substr(7);
    } else if (lower.rfind("https://", 0) == 0) {
        t.tls = true;
        rest = url.substr(8);
    } else {
        return std::nullopt;
    }
    const auto end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    std::string_view path = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    if (path.find('#') != std::string_view::npos) path = path.substr(0, path.find('#'));
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
    std::string_view host = authority;
    std::string_view port;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port = after.substr(1);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) return std::nullopt;
    if (!port.empty()) {
        unsigned value = 0;
        auto r = std::from_chars(port.data(), port.data() + port.size(), value);
        if (r.ec != std::errc{} || r.ptr != port.data() + port.size() || value == 0 ||
            value > 65535)
            return std::nullopt;
    }
    t.host = lowercase(host);
    t.port = port.empty() ? (t.tls ? "443" : "80") : std::string(port);
    t.path = path.empty() ? "/" : std::string(path);
    if (t.path.front() == '?') t.path.insert(0, "/");
    t.host_header = std::string(authority);
    t.origin = (t.tls ? "https://" : "http://") + t.host + ":" + t.port;
    return t;
}

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    (void)asio::ip::make_address(host, ec);
    return !ec;
}

// One TCP connection, plain or TLS.
struct connection {
    explicit connection(asio::io_context& io) : plain(io) {}

    tcp::socket plain;                                 // used when secure is null
    std::unique_ptr<ssl::stream<tcp::socket>> secure;  // owns its own socket
    beast::flat_buffer buffer;
    clock_type::time_point idle_since{};

    tcp::socket& socket() { return secure ? secure->next_layer() : plain; }
    void close() {
        boost::system::error_code ignored;
        socket().shutdown(tcp::socket::shutdown_both, ignored);
        socket().close(ignored);
    }
    // True when the peer has not closed an idle connection (nor sent anything unasked).
    bool still_open() {
        if (!socket().is_open()) return false;
        char byte = 0;
        const auto n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
};

}  // namespace

// What requests share with the client, kept alive by the requests themselves: a request whose
// completion runs after ~http_client finds `closed` set and keeps no connection.
struct shared_state {
    shared_state(asio::io_context& io, http_client_options o)
        : context(io), options(std::move(o)), tls(ssl::context::tls_client) {
        tls.set_default_verify_paths();
        tls.set_verify_mode(options.verify_tls ? ssl::verify_peer : ssl::verify_none);
    }
    asio::io_context& context;
    http_client_options options;
    ssl::context tls;
    std::map<std::string, std::vector<std::unique_ptr<connection>>, std::less<>> idle;
    std::set<exchange*> running;  // requests not finished yet, for ~http_client
    bool closed = false;

    std::unique_ptr<connection> take_idle(const std::string& origin) {
        auto it = idle.find(origin);
        if (it == idle.end()) return nullptr;
        auto& list = it->second;
        const auto now = clock_type::now();
        while (!list.empty()) {
            auto c = std::move(list.back());
            list.pop_back();
            if (now - c->idle_since < options.idle_timeout && c->still_open()) return c;
            c->close();
        }
        return nullptr;
    }
    void give_back(const std::string& origin, std::unique_ptr<connection> c) {
        auto& list = idle[origin];
        if (closed || list.size() >= options.max_idle_per_origin) return c->close();
        c->idle_since = clock_type::now();
        list.push_back(std::move(c));
    }
};

struct http_client::impl {
    std::shared_ptr<shared_state> state;
};

// One request from start to `done`.
class exchange : public std::enable_shared_from_this<exchange> {
public:
    exchange(std::shared_ptr<shared_state> state, http_client_request request,
             unique_callback<http_client_response> done)
        : state_(std::move(state)),
          request_(std::move(request)),
          done_(std::move(done)),
          resolver_(state_->context),
          deadline_(state_->context),
          started_(clock_type::now()) {
        state_->running.insert(this);
    }
    ~exchange() { state_->running.erase(this); }
    exchange(const exchange&) = delete;
    exchange& operator=(const exchange&) = delete;

    void start() {
        auto t = parse_target(request_.url);
        if (!t)
            return finish_error("invalid URL (absolute http:// or https:// expected): " +
                                request_.url);
        target_ = std::move(*t);
        build_request();
        deadline_.expires_after(request_.timeout);
        deadline_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
            if (ec) return;
            if (auto self = weak.lock()) self->on_deadline();
        });
        if (auto c = state_->take_idle(target_.origin)) {
            conn_ = std::move(c);
            reused_ = true;
            return do_write();
        }
        do_resolve();
    }

    // Fails the request now (the client is going away).
    void abort(std::string why) {
        if (finished_) return;
        abort_reason_ = std::move(why);
        resolver_.cancel();
        if (conn_) conn_->close();
    }

private:
    void build_request() {
        message_.method_string(request_.method);
        message_.target(target_.path);
        message_.version(11);
        message_.set(http::field::host, target_.host_header);
        message_.set(http::field::user_agent, state_->options.user_agent);
        for (const auto& [name, value] : request_.headers) message_.set(name, value);
        message_.body() = request_.body;
        if (!request_.body.empty() || request_.method == "POST" || request_.method == "PUT" ||
            request_.method == "PATCH")
            message_.prepare_payload();
    }

    void on_deadline() {
        if (finished_) return;
        timed_out_ = true;
        resolver_.cancel();
        if (conn_) conn_->close();
    }

    void do_resolve() {
        conn_ = std::make_unique<connection>(state_->context);
        reused_ = false;
        resolver_.async_resolve(target_.host, target_.port,
                                [self = shared_from_this()](boost::system::error_code ec,
                                                            tcp::resolver::results_type results) {
                                    self->on_resolve(ec, std::move(results));
                                });
    }

    void on_resolve(boost::system::error_code ec, tcp::resolver::results_type results) {
        if (ec) return fail("resolving " + target_.host, ec);
        asio::async_connect(
            conn_->plain, results,
            [self = shared_from_this()](boost::system::error_code e, const tcp::endpoint&) {
                self->on_connect(e);
            });
    }

    void on_connect(boost::system::error_code ec) {
        if (ec) return fail("connecting to " + target_.host_header, ec);
        boost::system::error_code ignored;
        conn_->plain.set_option(tcp::no_delay(true), ignored);
        if (!target_.tls) return do_write();
        conn_->secure =
            std::make_unique<ssl::stream<tcp::socket>>(std::move(conn_->plain), state_->tls);
        SSL* native = conn_->secure->native_handle();
        if (!is_ip_literal(target_.host))  // SNI (SSL_set_tlsext_host_name without its C cast)
            SSL_ctrl(native, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(target_.host.c_str()));
        if (state_->options.verify_tls)
            conn_->secure->set_verify_callback(ssl::host_name_verification(target_.host));
        conn_->secure->async_handshake(
            ssl::stream_base::client,
            [self = shared_from_this()](boost::system::error_code e) { self->on_handshake(e); });
    }

    void on_handshake(boost::system::error_code ec) {
        if (ec) return fail("TLS handshake with " + target_.host_header, ec);
        do_write();
    }

    void do_write() {
        auto on_written = [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
            self->on_write(ec);
        };
        if (conn_->secure)
            http::async_write(*conn_->secure, message_, std::move(on_written));
        else
            http::async_write(conn_->plain, message_, std::move(on_written));
    }

    void on_write(boost::system::error_code ec) {
        if (ec) return fail_or_retry("sending the request", ec);
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(max_response_header));
        parser_->body_limit(state_->options.max_response_body);
        if (request_.method == "HEAD") parser_->skip(true);
        // The header first: Beast 1.74 skips body_limit when a whole response with a
        // Content-Length arrives in one read, so the length is checked here.
        auto on_header = [self = shared_from_this()](boost::system::error_code e, std::size_t n) {
            self->on_header(e, n);
        };
        if (conn_->secure)
            http::async_read_header(*conn_->secure, conn_->buffer, *parser_, std::move(on_header));
        else
            http::async_read_header(conn_->plain, conn_->buffer, *parser_, std::move(on_header));
    }

    void on_header(boost::system::error_code ec, std::size_t bytes) {
        if (ec && ec != http::error::body_limit)
            return bytes == 0 ? fail_or_retry("reading the response", ec)
                              : fail("reading the response", ec);
        if (ec || parser_->content_length().value_or(0) > state_->options.max_response_body)
            return fail_plain(body_too_large());
        auto on_read = [self = shared_from_this()](boost::system::error_code e, std::size_t) {
            self->on_read(e);
        };
        if (conn_->secure)
            http::async_read(*conn_->secure, conn_->buffer, *parser_, std::move(on_read));
        else
            http::async_read(conn_->plain, conn_->buffer, *parser_, std::move(on_read));
    }

    [[nodiscard]] std::string body_too_large() const {
        return "the response body exceeds " + std::to_string(state_->options.max_response_body) +
               " bytes";
    }

    void on_read(boost::system::error_code ec) {
        if (ec == http::error::body_limit ||
            (!ec && parser_->get().body().size() > state_->options.max_response_body))
            return fail_plain(body_too_large());
        if (ec) return fail("reading the response", ec);
        auto& message = parser_->get();
        http_client_response r;
        r.status = static_cast<int>(message.result_int());
        for (const auto& field : message)
            r.headers.emplace_back(lowercase(field.name_string()), std::string(field.value()));
        r.body = std::move(message.body());
        const bool keep = message.keep_alive() && !timed_out_ && !state_->closed;
        if (keep) {
            conn_->buffer.consume(conn_->buffer.size());
            state_->give_back(target_.origin, std::move(conn_));
        }
        complete(std::move(r));
    }

    // A reused connection the server had already closed fails before any response byte: the
    // request is sent again once on a new connection (at-least-once callers tolerate that).
    void fail_or_retry(const std::string& what, boost::system::error_code ec) {
        if (reused_ && !timed_out_ && abort_reason_.empty() &&
            (ec == asio::error::eof || ec == http::error::end_of_stream ||
             ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
             ec == ssl::error::stream_truncated)) {
            conn_->close();
            return do_resolve();
        }
        fail(what, ec);
    }

    void fail(const std::string& what, boost::system::error_code ec) {
        if (!abort_reason_.empty()) return fail_plain(abort_reason_);
        if (timed_out_)
            return fail_plain("timed out after " + std::to_string(request_.timeout.count()) +
                              " ms (" + what + ")");
        std::string message = what + ": " + ec.message();
        if (ec.category() == asio::error::get_ssl_category()) {
            if (conn_ && conn_->secure) {
                const long verify = SSL_get_verify_result(conn_->secure->native_handle());
                if (verify != X509_V_OK)
                    message += " (certificate verify failed: " +
                               std::string(X509_verify_cert_error_string(verify)) + ")";
            }
        }
        fail_plain(std::move(message));
    }

    void fail_plain(std::string message) {
        if (conn_) conn_->close();
        http_client_response r;
        r.error = std::move(message);
        complete(std::move(r));
    }

    void finish_error(std::string message) {
        // Not started yet: answer through the context, never inline.
        asio::post(state_->context,
                   [self = shared_from_this(), message = std::move(message)]() mutable {
                       self->fail_plain(std::move(message));
                   });
    }

    void complete(http_client_response r) {
        if (finished_) return;
        finished_ = true;
        deadline_.cancel();
        r.elapsed =
            std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started_);
        state_->running.erase(this);
        if (done_) done_(std::move(r));
    }

    std::shared_ptr<shared_state> state_;
    http_client_request request_;
    unique_callback<http_client_response> done_;
    target target_;
    tcp::resolver resolver_;
    asio::steady_timer deadline_;
    clock_type::time_point started_;
    std::unique_ptr<connection> conn_;
    http::request<http::string_body> message_;
    std::optional<http::response_parser<http::string_body>> parser_;
    bool reused_ = false;
    bool timed_out_ = false;
    bool finished_ = false;
    std::string abort_reason_;
};

http_client::http_client(asio::io_context& context, http_client_options options)
    : impl_(std::make_unique<impl>()) {
    impl_->state = std::make_shared<shared_state>(context, std::move(options));
}

http_client::~http_client() {
    auto& s = *impl_->state;
    s.closed = true;
    for (auto& [origin, list] : s.idle)
        for (auto& c : list) c->close();
    s.idle.clear();
    // Requests still running complete with this error the next time the context runs.
    const auto running = s.running;
    for (const auto& e : running) e->abort("the HTTP client was destroyed");
}

void http_client::send(http_client_request request, unique_callback<http_client_response> done) {
    std::make_shared<exchange>(impl_->state, std::move(request), std::move(done))->start();
}

}  // namespace sb::net
