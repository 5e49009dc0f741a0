#include "net/http_client.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

namespace sb::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using namespace std::chrono_literals;

using server_request = http::request<http::string_body>;
using server_response = http::response<http::string_body>;

// A self-signed certificate for localhost and 127.0.0.1 (EC P-256), made in memory.
struct self_signed {
    self_signed() {
        key = EVP_EC_gen("P-256");
        cert = X509_new();
        X509_set_version(cert, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        X509_gmtime_adj(X509_getm_notBefore(cert), -60);
        X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
        X509_set_pubkey(cert, key);
        X509_NAME* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
        X509_set_issuer_name(cert, name);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
        X509_EXTENSION* san =
            X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
        X509_add_ext(cert, san, -1);
        X509_EXTENSION_free(san);
        X509_sign(cert, key, EVP_sha256());
    }
    ~self_signed() {
        X509_free(cert);
        EVP_PKEY_free(key);
    }
    self_signed(const self_signed&) = delete;
    self_signed& operator=(const self_signed&) = delete;

    void install(ssl::context& context) const {
        SSL_CTX_use_certificate(context.native_handle(), cert);
        SSL_CTX_use_PrivateKey(context.native_handle(), key);
    }

    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
};

// A blocking HTTP/1.1 server on 127.0.0.1, one thread per connection. `answer` returns the
// response, or nullopt to hang until the server stops.
class test_server {
public:
    using handler = std::function<std::optional<server_response>(const server_request&)>;

    explicit test_server(handler answer, ssl::context* tls = nullptr,
                         bool close_after_response = false)
        : answer_(std::move(answer)), tls_(tls), close_after_(close_after_response) {
        acceptor_.open(tcp::v4());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        accept_thread_ = std::thread([this] { accept_loop(); });
    }

    ~test_server() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
        }
        hang_.notify_all();
        ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
        accept_thread_.join();
        for (auto& t : connection_threads_) t.join();
    }
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    [[nodiscard]] std::string url(std::string_view path = "/") const {
        return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
               std::string(path);
    }
    [[nodiscard]] int connections() const { return connections_.load(); }
    [[nodiscard]] int requests() const { return requests_.load(); }

private:
    void accept_loop() {
        for (;;) {
            boost::system::error_code ec;
            tcp::socket socket(io_);
            acceptor_.accept(socket, ec);
            std::lock_guard lock(mutex_);
            if (ec || stopping_) return;
            ++connections_;
            open_fds_.push_back(socket.native_handle());
            connection_threads_.emplace_back([this, s = std::make_shared<tcp::socket>(std::move(
                                                        socket))]() mutable { serve(*s); });
        }
    }

    void serve(tcp::socket& socket) {
        if (tls_) {
            ssl::stream<tcp::socket&> stream(socket, *tls_);
            boost::system::error_code ec;
            stream.handshake(ssl::stream_base::server, ec);
            if (!ec) exchange(stream);
        } else {
            exchange(socket);
        }
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
    }

    template <class Stream>
    void exchange(Stream& stream) {
        beast::flat_buffer buffer;
        for (;;) {
            server_request request;
            boost::system::error_code ec;
            http::read(stream, buffer, request, ec);
            if (ec) return;
            ++requests_;
            auto response = answer_(request);
            if (!response) {
                std::unique_lock lock(mutex_);
                hang_.wait(lock, [this] { return stopping_; });
                return;
            }
            response->version(11);
            response->prepare_payload();
            http::write(stream, *response, ec);
            if (ec || close_after_ || !request.keep_alive()) return;
        }
    }

    handler answer_;
    ssl::context* tls_;
    bool close_after_;
    asio::io_context io_;
    tcp::acceptor acceptor_{io_};
    std::uint16_t port_ = 0;
    std::thread accept_thread_;
    std::mutex mutex_;
    std::condition_variable hang_;
    bool stopping_ = false;
    std::vector<int> open_fds_;
    std::list<std::thread> connection_threads_;
    std::atomic<int> connections_{0};
    std::atomic<int> requests_{0};
};

server_response ok(std::string body, http::status status = http::status::ok) {
    server_response r{status, 11};
    r.set(http::field::content_type, "text/plain");
    r.body() = std::move(body);
    return r;
}

// Sends one request on a fresh io_context and runs it until the answer.
http_client_response send_one(http_client& client, asio::io_context& io,
                              http_client_request request) {
    std::optional<http_client_response> out;
    client.send(std::move(request), [&](http_client_response r) { out = std::move(r); });
    io.restart();
    while (!out && io.run_one()) {
    }
    EXPECT_TRUE(out.has_value());
    return out ? std::move(*out) : http_client_response{};
}

std::string header(const http_client_response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return {};
}

TEST(http_client, posts_a_body_and_reads_status_headers_and_body) {
    test_server server([](const server_request& req) -> std::optional<server_response> {
        auto r = ok(std::string(req.method_string()) + " " + std::string(req.target()) + " " +
                        std::string(req["X-Test"]) + " " +
                        std::string(req[http::field::content_type]) + " " + req.body(),
                    http::status::created);
        r.set("X-Reply", "yes");
        return r;
    });
    asio::io_context io;
    http_client client(io);
    http_client_request req;
    req.url = server.url("/hooks/a?x=1");
    req.headers = {{"X-Test", "abc"}, {"Content-Type", "application/json"}};
    req.body = R"({"n":1})";
    const auto r = send_one(client, io, req);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, R"(POST /hooks/a?x=1 abc application/json {"n":1})");
    EXPECT_EQ(header(r, "x-reply"), "yes") << "header names are lowercased";
    EXPECT_GT(r.elapsed.count(), 0);
}

TEST(http_client, get_sends_no_body) {
    test_server server([](const server_request& req) -> std::optional<server_response> {
        return ok(std::string(req.method_string()) + " body=" + std::to_string(req.body().size()));
    });
    asio::io_context io;
    http_client client(io);
    http_client_request req;
    req.method = "GET";
    req.url = server.url();
    EXPECT_EQ(send_one(client, io, req).body, "GET body=0");
}

TEST(http_client, reuses_a_kept_alive_connection) {
    test_server server(
        [](const server_request&) -> std::optional<server_response> { return ok("hi"); });
    asio::io_context io;
    http_client client(io);
    for (int i = 0; i < 3; ++i) {
        http_client_request req;
        req.url = server.url();
        EXPECT_EQ(send_one(client, io, req).status, 200);
    }
    EXPECT_EQ(server.requests(), 3);
    EXPECT_EQ(server.connections(), 1);
}

TEST(http_client, opens_a_new_connection_when_the_server_closed_the_idle_one) {
    // The server closes every connection after answering, without saying Connection: close.
    test_server server(
        [](const server_request&) -> std::optional<server_response> { return ok("hi"); }, nullptr,
        true);
    asio::io_context io;
    http_client client(io);
    for (int i = 0; i < 3; ++i) {
        http_client_request req;
        req.url = server.url();
        const auto r = send_one(client, io, req);
        EXPECT_EQ(r.status, 200) << r.error;
        std::this_thread::sleep_for(20ms);  // the close reaches us before the next request
    }
    EXPECT_EQ(server.connections(), 3);
}

TEST(http_client, times_out_a_server_that_never_answers) {
    test_server server(
        [](const server_request&) -> std::optional<server_response> { return std::nullopt; });
    asio::io_context io;
    http_client client(io);
    http_client_request req;
    req.url = server.url();
    req.timeout = 300ms;
    const auto started = std::chrono::steady_clock::now();
    const auto r = send_one(client, io, req);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.error.find("timed out after 300 ms"), std::string::npos) << r.error;
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 3s);
}

TEST(http_client, fails_a_response_body_over_the_limit) {
    test_server server([](const server_request&) -> std::optional<server_response> {
        return ok(std::string(5000, 'x'));
    });
    asio::io_context io;
    http_client_options options;
    options.max_response_body = 1000;
    http_client client(io, options);
    http_client_request req;
    req.url = server.url();
    const auto r = send_one(client, io, req);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.error.find("exceeds 1000 bytes"), std::string::npos) << r.error;
}

TEST(http_client, reports_a_refused_connection) {
    std::uint16_t port = 0;
    {
        asio::io_context tmp;
        tcp::acceptor a(tmp, {asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    asio::io_context io;
    http_client client(io);
    http_client_request req;
    req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    const auto r = send_one(client, io, req);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.error.find("connecting to"), std::string::npos) << r.error;
}

TEST(http_client, refuses_urls_it_cannot_send_to_and_answers_asynchronously) {
    asio::io_context io;
    http_client client(io);
    for (const char* url : {"ftp://127.0.0.1/", "http://", "http://user@127.0.0.1/",
                            "http://127.0.0.1:99999/", "127.0.0.1/x"}) {
        bool called = false;
        http_client_request req;
        req.url = url;
        http_client_response got;
        client.send(req, [&](http_client_response r) {
            called = true;
            got = std::move(r);
        });
        EXPECT_FALSE(called) << "done must not run inside send()";
        io.restart();
        io.run();
        EXPECT_TRUE(called) << url;
        EXPECT_EQ(got.status, 0) << url;
        EXPECT_NE(got.error.find("invalid URL"), std::string::npos) << url << ": " << got.error;
    }
}

TEST(http_client, https_without_verification_reaches_a_self_signed_server) {
    self_signed cert;
    ssl::context tls(ssl::context::tls_server);
    cert.install(tls);
    test_server server(
        [](const server_request& req) -> std::optional<server_response> {
            return ok("secure " + req.body());
        },
        &tls);
    asio::io_context io;
    http_client_options options;
    options.verify_tls = false;
    http_client client(io, options);
    for (int i = 0; i < 2; ++i) {
        http_client_request req;
        req.url = server.url("/x");
        req.body = "hello";
        const auto r = send_one(client, io, req);
        EXPECT_EQ(r.error, "");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "secure hello");
    }
    EXPECT_EQ(server.connections(), 1) << "TLS connections are kept alive too";
}

TEST(http_client, https_with_verification_rejects_a_self_signed_server) {
    self_signed cert;
    ssl::context tls(ssl::context::tls_server);
    cert.install(tls);
    test_server server(
        [](const server_request&) -> std::optional<server_response> { return ok("never"); }, &tls);
    asio::io_context io;
    http_client client(io);  // verify_tls defaults to true
    http_client_request req;
    req.url = server.url();
    const auto r = send_one(client, io, req);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.error.find("TLS handshake"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("certificate verify failed"), std::string::npos) << r.error;
    EXPECT_EQ(server.requests(), 0) << "no request may be sent over an unverified connection";
}

TEST(http_client, destroying_the_client_fails_requests_still_running) {
    test_server server(
        [](const server_request&) -> std::optional<server_response> { return std::nullopt; });
    asio::io_context io;
    std::optional<http_client_response> out;
    {
        http_client client(io);
        http_client_request req;
        req.url = server.url();
        client.send(req, [&](http_client_response r) { out = std::move(r); });
        while (server.requests() == 0) io.run_for(10ms);
    }
    io.restart();
    io.run_for(2s);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->status, 0);
    EXPECT_NE(out->error.find("destroyed"), std::string::npos) << out->error;
}

}  // namespace
}  // namespace sb::net
