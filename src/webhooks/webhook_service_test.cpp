// The webhook service end to end, without mocks: a real SQLite store behind a storage_runner,
// the dispatcher's own thread and HTTP client, and a receiver on loopback.
#include "webhooks/webhook_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <sys/socket.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <list>
#include <mutex>
#include <thread>

#include "core/clock.hpp"
#include "crypto/crypto.hpp"

namespace sb::webhooks {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using json = nlohmann::json;
using namespace std::chrono_literals;

struct received {
    std::map<std::string, std::string> headers;  // lowercased names
    std::string body;
};

// An HTTP receiver on 127.0.0.1: records every request and answers with `answer(n)` for the
// n-th request (0-based); a status of 0 hangs until the receiver is destroyed.
class receiver {
public:
    explicit receiver(std::function<int(std::size_t)> answer = [](std::size_t) { return 200; })
        : answer_(std::move(answer)) {
        acceptor_.open(tcp::v4());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        thread_ = std::thread([this] { accept_loop(); });
    }
    ~receiver() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
        }
        changed_.notify_all();
        ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
        thread_.join();
        for (auto& t : connections_) t.join();
    }
    receiver(const receiver&) = delete;
    receiver& operator=(const receiver&) = delete;

    [[nodiscard]] std::string url(std::string_view path = "/hooks") const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
               std::string(path);
    }

    // Waits until `n` requests arrived; returns them all.
    std::vector<received> wait_for(std::size_t n, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
        return requests_;
    }
    std::vector<received> all() {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    void accept_loop() {
        for (;;) {
            boost::system::error_code ec;
            tcp::socket s(io_);
            acceptor_.accept(s, ec);
            std::lock_guard lock(mutex_);
            if (ec || stopping_) return;
            fds_.push_back(s.native_handle());
            connections_.emplace_back(
                [this, sock = std::make_shared<tcp::socket>(std::move(s))] { serve(*sock); });
        }
    }

    void serve(tcp::socket& socket) {
        boost::beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            boost::system::error_code ec;
            http::read(socket, buffer, req, ec);
            if (ec) return;
            int status = 0;
            {
                std::unique_lock lock(mutex_);
                received r;
                for (const auto& f : req) {
                    std::string name(f.name_string());
                    for (char& c : name)
                        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    r.headers[name] = std::string(f.value());
                }
                r.body = req.body();
                status = answer_(requests_.size());
                requests_.push_back(std::move(r));
                changed_.notify_all();
                if (status == 0) {
                    changed_.wait(lock, [&] { return stopping_; });
                    return;
                }
            }
            http::response<http::string_body> res{static_cast<http::status>(status), 11};
            res.body() = status < 300 ? "ok" : "nope";
            res.prepare_payload();
            http::write(socket, res, ec);
            if (ec) return;
        }
    }

    std::function<int(std::size_t)> answer_;
    asio::io_context io_;
    tcp::acceptor acceptor_{io_};
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;
    std::vector<int> fds_;
    std::list<std::thread> connections_;
    std::vector<received> requests_;
};

// A temporary data directory with an SQLite store and its runner.
struct fixture_store {
    fixture_store() {
        dir =
            std::filesystem::temp_directory_path() /
            ("sb-webhook-service-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::create_directories(dir);
        open();
    }
    ~fixture_store() {
        runner.reset();
        std::filesystem::remove_all(dir);
    }
    void open() {
        runner = std::make_unique<history::storage_runner>(storage::open_store("", dir.string()),
                                                           history::runner_options{});
    }
    std::filesystem::path dir;
    std::unique_ptr<history::storage_runner> runner;
    static inline int counter = 0;
};

options fast_options() {
    options o;
    o.native_retries = {{100ms, 100ms}, 2s, 0.0};
    o.pusher_retries = {{100ms}, 1s, 0.0};
    o.timeout = 2s;
    o.poll_interval = 100ms;
    o.reload_interval = 1h;
    o.node_id = "test-node";
    return o;
}

class webhook_service_test : public ::testing::Test {
protected:
    webhook_service_test() {
        core::app_config app;
        app.id = "42";
        app.key = "app-key";
        app.secret = "app-secret";
        EXPECT_EQ(apps_.add(app), core::app_config_error::none);
        tenant_ = apps_.find_by_key("app-key");
    }

    void start(options o = fast_options()) {
        service_ = std::make_unique<service>(apps_, *store_.runner, std::move(o));
        service_->start();
    }

    storage::webhook_record create(protocol::jsonapi::webhook_fields f) {
        std::promise<webhook_result> p;
        service_->create(*tenant_, std::move(f),
                         [&](webhook_result r) { p.set_value(std::move(r)); });
        auto r = p.get_future().get();
        EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : r.errors.front().detail);
        return r.webhook.value_or(storage::webhook_record{});
    }

    webhook_result get(const std::string& id) {
        std::promise<webhook_result> p;
        service_->get(*tenant_, id, [&](webhook_result r) { p.set_value(std::move(r)); });
        return p.get_future().get();
    }

    delivery_page log(const std::string& webhook_id) {
        std::promise<delivery_page> p;
        storage::delivery_query q;
        q.webhook_id = webhook_id;
        q.limit = 100;
        service_->deliveries(*tenant_, q, [&](delivery_page r) { p.set_value(std::move(r)); });
        return p.get_future().get();
    }

    // Polls the delivery log until `pred` holds.
    delivery_page log_until(const std::string& webhook_id,
                            const std::function<bool(const delivery_page&)>& pred,
                            std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto page = log(webhook_id);
            if (pred(page) || std::chrono::steady_clock::now() > deadline) return page;
            std::this_thread::sleep_for(20ms);
        }
    }

    static channel_event message(std::string channel, int n) {
        channel_event e;
        e.kind = event_kind::message_sent;
        e.channel = std::move(channel);
        e.user_id = "alice";
        e.message_id = "msg_" + std::to_string(n);
        e.event = "message";
        e.message_data = R"({"n":)" + std::to_string(n) + "}";
        e.created_at_ms = core::wall_clock_ms();
        return e;
    }

    core::app_registry apps_;
    const core::tenant* tenant_ = nullptr;
    fixture_store store_;
    std::unique_ptr<service> service_;
};

protocol::jsonapi::webhook_fields native_hook(const std::string& url,
                                              std::vector<std::string> events = {"message.sent"}) {
    protocol::jsonapi::webhook_fields f;
    f.url = url;
    f.events = std::move(events);
    return f;
}

TEST_F(webhook_service_test, a_message_reaches_a_native_webhook_signed_per_standard_webhooks) {
    receiver hook;
    start();
    const auto w = create(native_hook(hook.url()));
    ASSERT_EQ(w.secret.rfind("whsec_", 0), 0U) << "a secret is generated";
    service_->emit(*tenant_, message("chat:room-1", 1));
    const auto got = hook.wait_for(1);
    ASSERT_EQ(got.size(), 1U);
    const auto& r = got[0];
    // Standard Webhooks, recomputed from the primitives.
    const std::string signed_content =
        r.headers.at("webhook-id") + "." + r.headers.at("webhook-timestamp") + "." + r.body;
    const auto key = crypto::base64_decode(w.secret.substr(6));
    ASSERT_TRUE(key);
    EXPECT_EQ(r.headers.at("webhook-signature"),
              "v1," + crypto::base64_encode(crypto::hmac_sha256(*key, signed_content)));
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    const auto ts = std::stoull(r.headers.at("webhook-timestamp"));
    EXPECT_LE(ts, core::wall_clock_ms() / 1000 + 1);
    EXPECT_GE(ts + 60, core::wall_clock_ms() / 1000);
    const auto body = json::parse(r.body);
    EXPECT_EQ(body["id"], r.headers.at("webhook-id"));
    EXPECT_EQ(body["id"].get<std::string>().rfind("evt_", 0), 0U);
    EXPECT_EQ(body["type"], "message.sent");
    EXPECT_EQ(body["data"]["channel_id"], "chat:room-1");
    EXPECT_EQ(body["data"]["message"]["data"]["n"], 1);

    const auto page = log_until(w.id, [](const delivery_page& p) {
        return p.deliveries.size() == 1 &&
               p.deliveries[0].delivery.status == storage::delivery_status::succeeded;
    });
    ASSERT_EQ(page.deliveries.size(), 1U);
    EXPECT_EQ(page.deliveries[0].delivery.status, storage::delivery_status::succeeded);
    ASSERT_EQ(page.deliveries[0].attempts.size(), 1U);
    EXPECT_EQ(page.deliveries[0].attempts[0].status_code, 200);
}

TEST_F(webhook_service_test, a_failing_receiver_gets_the_event_again_until_it_answers_2xx) {
    receiver hook([](std::size_t n) { return n < 2 ? 500 : 200; });
    start();
    const auto w = create(native_hook(hook.url()));
    service_->emit(*tenant_, message("chat:room-1", 1));
    const auto got = hook.wait_for(3);
    ASSERT_EQ(got.size(), 3U);
    EXPECT_EQ(got[0].headers.at("webhook-id"), got[2].headers.at("webhook-id"))
        << "the same event id every time";
    const auto page = log_until(w.id, [](const delivery_page& p) {
        return !p.deliveries.empty() &&
               p.deliveries[0].delivery.status == storage::delivery_status::succeeded;
    });
    ASSERT_EQ(page.deliveries.size(), 1U);
    const auto& d = page.deliveries[0];
    EXPECT_EQ(d.delivery.status, storage::delivery_status::succeeded);
    EXPECT_EQ(d.delivery.attempts, 3U);
    ASSERT_EQ(d.attempts.size(), 3U);
    EXPECT_EQ(d.attempts[0].status_code, 500);
    EXPECT_EQ(d.attempts[1].status_code, 500);
    EXPECT_EQ(d.attempts[2].status_code, 200);
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(hook.all().size(), 3U) << "nothing more after the success";
}

TEST_F(webhook_service_test, a_receiver_that_never_succeeds_fails_the_delivery_after_the_schedule) {
    receiver hook([](std::size_t) { return 503; });
    start();
    const auto w = create(native_hook(hook.url()));
    service_->emit(*tenant_, message("chat:room-1", 1));
    const auto page = log_until(w.id, [](const delivery_page& p) {
        return !p.deliveries.empty() &&
               p.deliveries[0].delivery.status == storage::delivery_status::failed;
    });
    ASSERT_EQ(page.deliveries.size(), 1U);
    EXPECT_EQ(page.deliveries[0].delivery.status, storage::delivery_status::failed);
    EXPECT_EQ(page.deliveries[0].attempts.size(), max_attempts(fast_options().native_retries));
    EXPECT_EQ(hook.all().size(), max_attempts(fast_options().native_retries));
}

TEST_F(webhook_service_test, each_channel_arrives_in_order_even_through_retries) {
    // Fails every third request, so retries interleave with new events.
    receiver hook([](std::size_t n) { return n % 3 == 1 ? 500 : 200; });
    start();
    create(native_hook(hook.url()));
    for (int i = 0; i < 15; ++i) {
        service_->emit(*tenant_, message("chat:a", i));
        service_->emit(*tenant_, message("chat:b", 100 + i));
    }
    std::map<std::string, std::vector<int>> delivered;  // per channel, the successful ones
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    for (;;) {
        const auto got = hook.all();
        delivered.clear();
        for (std::size_t i = 0; i < got.size(); ++i) {
            if (i % 3 == 1) continue;  // answered 500
            const auto body = json::parse(got[i].body);
            delivered[body["data"]["channel_id"]].push_back(
                body["data"]["message"]["data"]["n"].get<int>());
        }
        if ((delivered["chat:a"].size() >= 15 && delivered["chat:b"].size() >= 15) ||
            std::chrono::steady_clock::now() > deadline)
            break;
        std::this_thread::sleep_for(20ms);
    }
    std::vector<int> a, b;
    for (int i = 0; i < 15; ++i) {
        a.push_back(i);
        b.push_back(100 + i);
    }
    EXPECT_EQ(delivered["chat:a"], a);
    EXPECT_EQ(delivered["chat:b"], b);
}

TEST_F(webhook_service_test, events_no_webhook_wants_are_never_written) {
    receiver hook;
    start();
    EXPECT_FALSE(service_->wants(*tenant_, event_kind::message_sent)) << "no webhook yet";
    auto f = native_hook(hook.url());
    f.channels = std::vector<std::string>{"chat:*"};
    const auto w = create(f);
    EXPECT_TRUE(service_->wants(*tenant_, event_kind::message_sent));
    EXPECT_FALSE(service_->wants(*tenant_, event_kind::channel_subscribed));
    channel_event subscribed;
    subscribed.kind = event_kind::channel_subscribed;
    subscribed.channel = "chat:a";
    service_->emit(*tenant_, subscribed);                // not among its events
    service_->emit(*tenant_, message("news:today", 1));  // not among its channels
    service_->emit(*tenant_, message("chat:wanted", 2));
    const auto got = hook.wait_for(1);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(json::parse(got[0].body)["data"]["channel_id"], "chat:wanted");
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(hook.all().size(), 1U);
    EXPECT_EQ(log(w.id).deliveries.size(), 1U) << "the others never reached the outbox";
}

TEST_F(webhook_service_test, pusher_format_batches_events_signed_with_the_app_secret) {
    receiver hook;
    start();
    protocol::jsonapi::webhook_fields f;
    f.url = hook.url("/pusher");
    f.format = "pusher";
    f.events = std::vector<std::string>{"channel_occupied", "member_added"};
    const auto w = create(f);
    EXPECT_TRUE(w.secret.empty());
    channel_event occupied;
    occupied.kind = event_kind::channel_occupied;
    occupied.channel = "presence-room";
    channel_event added;
    added.kind = event_kind::member_added;
    added.channel = "presence-room";
    added.user_id = "u1";
    service_->emit(*tenant_, occupied);
    service_->emit(*tenant_, added);
    std::vector<json> events;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (events.size() < 2 && std::chrono::steady_clock::now() < deadline) {
        events.clear();
        for (const auto& r : hook.all()) {
            EXPECT_EQ(r.headers.at("x-pusher-key"), "app-key");
            EXPECT_EQ(r.headers.at("x-pusher-signature"),
                      crypto::hmac_sha256_hex("app-secret", r.body));
            EXPECT_EQ(r.headers.at("content-type"), "application/json");
            const auto body = json::parse(r.body);
            EXPECT_TRUE(body["time_ms"].is_number());
            for (const auto& e : body["events"]) events.push_back(e);
        }
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[0], json::parse(R"({"name":"channel_occupied","channel":"presence-room"})"));
    EXPECT_EQ(events[1],
              json::parse(R"({"name":"member_added","channel":"presence-room","user_id":"u1"})"));
}

TEST_F(webhook_service_test, an_endpoint_failing_past_the_threshold_is_switched_off_with_a_record) {
    receiver failing([](std::size_t) { return 500; });
    receiver watcher;
    auto o = fast_options();
    o.disable_after_failures = 3;
    o.disable_after = 0ms;
    o.native_retries = {{50ms}, 10s, 0.0};
    start(o);
    const auto w = create(native_hook(failing.url()));
    const auto watching = create(native_hook(watcher.url(), {"webhook.disabled"}));
    service_->emit(*tenant_, message("chat:a", 1));
    const auto got = watcher.wait_for(1);
    ASSERT_EQ(got.size(), 1U);
    const auto body = json::parse(got[0].body);
    EXPECT_EQ(body["type"], "webhook.disabled");
    EXPECT_EQ(body["data"]["webhook_id"], w.id);
    const auto after = get(w.id);
    ASSERT_TRUE(after.webhook);
    EXPECT_FALSE(after.webhook->active);
    EXPECT_NE(after.webhook->disabled_reason.find("3 failed attempts"), std::string::npos)
        << after.webhook->disabled_reason;
    const auto page = log(w.id);
    bool recorded = false;
    for (const auto& d : page.deliveries)
        if (d.delivery.event_type == "webhook.disabled")
            recorded = d.delivery.status == storage::delivery_status::skipped;
    EXPECT_TRUE(recorded) << "the disabled webhook's log says why it stopped";
    const auto attempts_then = failing.all().size();
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(failing.all().size(), attempts_then) << "nothing is sent to a switched-off webhook";
    EXPECT_EQ(get(watching.id).webhook->active, true);
}

TEST_F(webhook_service_test, deliveries_in_flight_at_a_stop_are_sent_again_after_the_start) {
    std::string event_id;
    {
        receiver hanging([](std::size_t) { return 0; });
        start();
        create(native_hook(hanging.url()));
        service_->emit(*tenant_, message("chat:a", 7));
        const auto got = hanging.wait_for(1);
        ASSERT_EQ(got.size(), 1U);
        event_id = got[0].headers.at("webhook-id");
        service_->stop();
        service_.reset();
        store_.runner->stop();
    }
    // The same store, a new process: the delivery went to a URL nobody answers any more, so
    // point the webhook at a live receiver and restart.
    receiver live;
    store_.open();
    {
        auto conn = store_.runner->store().connect();
        auto hooks = conn->webhooks().all_webhooks();
        ASSERT_EQ(hooks.size(), 1U);
        EXPECT_EQ(conn->webhooks().backlog(hooks[0].id), 1U);
        hooks[0].url = live.url();
        ASSERT_TRUE(conn->webhooks().update_webhook(hooks[0]));
    }
    start();
    const auto got = live.wait_for(1);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0].headers.at("webhook-id"), event_id) << "at least once, with the same event id";
}

}  // namespace
}  // namespace sb::webhooks
