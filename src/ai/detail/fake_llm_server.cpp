#include "ai/detail/fake_llm_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <condition_variable>
#include <thread>
#include <utility>

namespace sb::ai::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct fake_llm_server::impl {
    asio::io_context context;
    tcp::acceptor acceptor{context};
    std::thread accept_thread;
    mutable std::mutex mutex;
    std::condition_variable stopping_cv;
    bool stopping = false;
    std::deque<fake_reply> replies;
    fake_reply fallback;
    std::vector<recorded_request> requests;
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    std::vector<std::thread> threads;
    std::atomic<int> active{0};
};

fake_reply completion(const nlohmann::json& doc, std::uint64_t tokens) {
    fake_reply r;
    r.content = doc.dump();
    r.total_tokens = tokens;
    return r;
}

fake_llm_server::fake_llm_server() : impl_(std::make_unique<impl>()) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen();
    port_ = impl_->acceptor.local_endpoint().port();
    impl_->fallback = completion(nlohmann::json::object());
    impl_->accept_thread = std::thread([this] {
        for (;;) {
            auto socket = std::make_shared<tcp::socket>(impl_->context);
            boost::system::error_code ec;
            impl_->acceptor.accept(*socket, ec);
            if (ec) return;
            std::lock_guard lock(impl_->mutex);
            if (impl_->stopping) return;
            impl_->sockets.push_back(socket);
            impl_->threads.emplace_back([this, socket] {
                boost::beast::flat_buffer buffer;
                for (;;) {
                    http::request<http::string_body> req;
                    boost::system::error_code rec;
                    http::read(*socket, buffer, req, rec);
                    if (rec) return;
                    fake_reply reply;
                    {
                        std::lock_guard l(impl_->mutex);
                        recorded_request r;
                        r.target = std::string(req.target());
                        r.authorization = std::string(req[http::field::authorization]);
                        r.body = nlohmann::json::parse(req.body(), nullptr, false);
                        impl_->requests.push_back(std::move(r));
                        if (!impl_->replies.empty()) {
                            reply = impl_->replies.front();
                            impl_->replies.pop_front();
                        } else {
                            reply = impl_->fallback;
                        }
                    }
                    const int now = ++impl_->active;
                    int seen = max_concurrent_.load();
                    while (now > seen && !max_concurrent_.compare_exchange_weak(seen, now)) {
                    }
                    {
                        std::unique_lock l(impl_->mutex);
                        const auto wait = reply.what == fake_reply::kind::hang
                                              ? std::chrono::milliseconds(30'000)
                                              : reply.delay;
                        impl_->stopping_cv.wait_for(l, wait, [this] { return impl_->stopping; });
                    }
                    --impl_->active;
                    if (reply.what == fake_reply::kind::hang) {
                        boost::system::error_code ignored;
                        socket->close(ignored);
                        return;
                    }
                    http::response<http::string_body> res;
                    res.version(11);
                    res.keep_alive(req.keep_alive());
                    res.set(http::field::content_type, "application/json");
                    if (reply.what == fake_reply::kind::http_error) {
                        res.result(static_cast<unsigned>(reply.status));
                        res.body() = R"({"error":{"message":"fake failure"}})";
                    } else if (reply.what == fake_reply::kind::raw_body) {
                        res.result(http::status::ok);
                        res.body() = reply.content;
                    } else {
                        res.result(http::status::ok);
                        nlohmann::json body{
                            {"id", "chatcmpl-fake"},
                            {"object", "chat.completion"},
                            {"choices",
                             {{{"index", 0},
                               {"message", {{"role", "assistant"}, {"content", reply.content}}},
                               {"finish_reason", "stop"}}}},
                            {"usage",
                             {{"prompt_tokens", reply.total_tokens / 2},
                              {"completion_tokens", reply.total_tokens - reply.total_tokens / 2},
                              {"total_tokens", reply.total_tokens}}}};
                        res.body() = body.dump();
                    }
                    res.prepare_payload();
                    http::write(*socket, res, rec);
                    if (rec || !req.keep_alive()) return;
                }
            });
        }
    });
}

fake_llm_server::~fake_llm_server() { stop(); }

void fake_llm_server::stop() {
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->stopping) return;
        impl_->stopping = true;
        for (auto& s : impl_->sockets) {
            boost::system::error_code ignored;
            s->shutdown(tcp::socket::shutdown_both, ignored);  // wakes a blocked read
        }
        threads.swap(impl_->threads);
    }
    impl_->stopping_cv.notify_all();
    boost::system::error_code ignored;
    // Wake accept() with a connection of our own, then close.
    {
        tcp::socket poke(impl_->context);
        poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ignored);
    }
    if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
    impl_->acceptor.close(ignored);
    for (auto& t : threads)
        if (t.joinable()) t.join();
}

void fake_llm_server::script(std::vector<fake_reply> replies) {
    std::lock_guard lock(impl_->mutex);
    impl_->replies.assign(replies.begin(), replies.end());
}

void fake_llm_server::set_fallback(fake_reply reply) {
    std::lock_guard lock(impl_->mutex);
    impl_->fallback = std::move(reply);
}

std::vector<recorded_request> fake_llm_server::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests;
}

}  // namespace sb::ai::testing
