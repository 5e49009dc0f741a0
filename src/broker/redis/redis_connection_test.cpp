#include "broker/redis/redis_connection.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/redis/test_support/fake_server.hpp"
#include "broker/redis/test_support/run_until.hpp"

// Connection behaviour against a scripted fake server and closed ports: no Redis needed.

namespace sb::broker::redis {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::command_args;
using test_support::fake_server;
using test_support::run_until;

// Records what a connection reports.
struct recorder {
    std::vector<state_event> events;
    std::vector<pubsub_message> messages;

    [[nodiscard]] int count(connection_state s) const {
        int n = 0;
        for (const auto& e : events) n += e.state == s ? 1 : 0;
        return n;
    }
    void attach(connection_options& o) {
        o.on_state = [this](const state_event& e) { events.push_back(e); };
        o.on_message = [this](pubsub_message&& m) { messages.push_back(std::move(m)); };
    }
};

connection_options options_for(const std::string& url, recorder& r) {
    const parsed_url p = parse_redis_url(url);
    EXPECT_TRUE(p) << describe(p.error);
    connection_options o;
    o.url = p.url;
    o.backoff_initial = 10ms;
    o.backoff_max = 40ms;
    o.connect_timeout = 2s;
    o.command_timeout = 5s;
    o.jitter_seed = 1;
    r.attach(o);
    return o;
}

// A loopback port with nothing listening on it.
std::uint16_t closed_port(asio::io_context& context) {
    asio::ip::tcp::acceptor a(context, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

std::string bulk_wire(std::string_view s) {
    std::string out;
    append_reply(out, reply::bulk(std::string(s)));
    return out;
}

TEST(redis_connection, reports_connection_refused_and_keeps_retrying) {
    asio::io_context context;
    recorder rec;
    redis_connection c(
        context, options_for("redis://127.0.0.1:" + std::to_string(closed_port(context)), rec));
    EXPECT_EQ(c.state(), connection_state::idle);
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return rec.events.size() >= 3; }));
    for (std::size_t i = 0; i < rec.events.size(); ++i) {
        EXPECT_EQ(rec.events[i].state, connection_state::disconnected);
        EXPECT_NE(rec.events[i].reason.find("refused"), std::string::npos) << rec.events[i].reason;
        EXPECT_EQ(rec.events[i].failures, i + 1);
        EXPECT_LE(rec.events[i].retry_in, 40ms);
    }
    std::optional<reply> got;
    c.command({"PING"}, [&](reply r) { got = std::move(r); });
    EXPECT_FALSE(got) << "failures are posted, never inline";
    ASSERT_TRUE(run_until(context, [&] { return got.has_value(); }));
    EXPECT_EQ(got->error_code(), error_not_connected) << got->str;
}

// Names go through Asio's resolver (on its own thread); "localhost" comes from /etc/hosts, so
// the test sends nothing beyond loopback.
TEST(redis_connection, connects_to_a_host_name) {
    asio::io_context context;
    fake_server server(context);
    recorder rec;
    redis_connection c(context,
                       options_for("redis://localhost:" + std::to_string(server.port()), rec));
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return c.connected(); }));
    EXPECT_EQ(rec.events.size(), 1U);
}

TEST(redis_connection, logs_in_before_reporting_connected) {
    asio::io_context context;
    fake_server server(context);
    recorder rec;
    auto o = options_for("redis://node:pw@127.0.0.1:" + std::to_string(server.port()) + "/3", rec);
    o.client_name = "switchboard-1";
    redis_connection c(context, std::move(o));
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return c.connected(); }));
    ASSERT_EQ(rec.events.size(), 1U);
    EXPECT_EQ(rec.events[0].state, connection_state::connected);
    EXPECT_EQ(server.commands(), (std::vector<command_args>{{"AUTH", "node", "pw"},
                                                            {"SELECT", "3"},
                                                            {"CLIENT", "SETNAME", "switchboard-1"},
                                                            {"PING"}}));
}

TEST(redis_connection, a_failed_login_is_reported_and_retried) {
    asio::io_context context;
    fake_server server(context);
    server.set_handler([](const command_args& cmd) -> std::optional<std::string> {
        if (cmd[0] == "AUTH")
            return "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
        return fake_server::default_reply(cmd);
    });
    recorder rec;
    redis_connection c(context,
                       options_for("redis://:bad@127.0.0.1:" + std::to_string(server.port()), rec));
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return rec.events.size() >= 2; }));
    EXPECT_EQ(rec.count(connection_state::connected), 0);
    EXPECT_EQ(rec.events[0].reason,
              "login: AUTH: WRONGPASS invalid username-password pair or user is disabled.");
    EXPECT_GE(server.connections_accepted(), 2U);
}

TEST(redis_connection, replies_match_commands_in_order_and_one_turn_is_one_write) {
    asio::io_context context;
    fake_server server(context);
    server.set_handler([](const command_args& cmd) -> std::optional<std::string> {
        if (cmd[0] == "ECHO") return bulk_wire(cmd[1]);
        return fake_server::default_reply(cmd);
    });
    recorder rec;
    redis_connection c(context, options_for(server.url(), rec));
    constexpr int n = 200;
    std::vector<std::string> got;
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return c.connected(); }));
    const std::size_t reads_before = server.commands_per_read().size();
    for (int i = 0; i < n; ++i) {
        c.command({"ECHO", std::to_string(i)}, [&](reply r) { got.push_back(r.str); });
    }
    EXPECT_EQ(c.pending(), std::size_t{n});
    EXPECT_GT(c.buffered_bytes(), 0U);
    ASSERT_TRUE(run_until(context, [&] { return got.size() == n; }));
    for (int i = 0; i < n; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], std::to_string(i));
    const auto& reads = server.commands_per_read();
    ASSERT_GT(reads.size(), reads_before);
    EXPECT_EQ(reads[reads_before], std::size_t{n}) << "all commands of one turn in one write";
    EXPECT_EQ(c.pending(), 0U);
    EXPECT_EQ(c.buffered_bytes(), 0U);
}

TEST(redis_connection, large_owned_arguments_arrive_intact) {
    asio::io_context context;
    fake_server server(context);
    std::string seen;
    server.set_handler([&](const command_args& cmd) -> std::optional<std::string> {
        if (cmd[0] == "SET") {
            seen = cmd[2] + "|" + cmd[3];
            return ":" + std::to_string(cmd[2].size()) + "\r\n";
        }
        return fake_server::default_reply(cmd);
    });
    recorder rec;
    redis_connection c(context, options_for(server.url(), rec));
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return c.connected(); }));
    std::string big(1 << 20, 'x');
    big[12345] = '\r';
    big.back() = 'y';
    std::vector<std::string> args{"SET", "key", big, "tail"};
    std::optional<reply> got;
    c.command(std::move(args), [&](reply r) { got = std::move(r); });
    ASSERT_TRUE(run_until(context, [&] { return got.has_value(); }));
    EXPECT_EQ(got->integer, 1 << 20);
    EXPECT_EQ(seen, big + "|tail");
}

TEST(redis_connection, a_timed_out_command_fails_and_the_connection_is_renewed) {
    asio::io_context context;
    fake_server server(context);
    // After HANG the server answers nothing more on that connection, like a blocked Redis.
    bool hanging = false;
    server.set_handler([&](const command_args& cmd) -> std::optional<std::string> {
        if (cmd[0] == "PING") hanging = false;
        if (cmd[0] == "HANG") hanging = true;
        if (hanging) return std::nullopt;
        return fake_server::default_reply(cmd);
    });
    recorder rec;
    redis_connection c(context, options_for(server.url(), rec));
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return c.connected(); }));
    std::optional<reply> hung;
    std::optional<reply> behind;
    const auto start = std::chrono::steady_clock::now();
    c.command(
        {"HANG"}, [&](reply r) { hung = std::move(r); }, 100ms);
    c.command(
        {"GET", "k"}, [&](reply r) { behind = std::move(r); }, 10s);
    ASSERT_TRUE(run_until(context, [&] { return hung.has_value() && behind.has_value(); }));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
    EXPECT_EQ(hung->error_code(), error_timeout) << hung->str;
    EXPECT_EQ(behind->error_code(), error_disconnected) << behind->str;
    ASSERT_TRUE(run_until(context, [&] { return rec.count(connection_state::connected) == 2; }));
    EXPECT_NE(rec.events[1].reason.find("no reply within 100 ms"), std::string::npos)
        << rec.events[1].reason;
    EXPECT_EQ(server.connections_accepted(), 2U);
}

TEST(redis_connection, without_renewal_a_late_reply_is_dropped) {
    asio::io_context context;
    fake_server server(context);
    bool slow_pending = false;
    server.set_handler([&](const command_args& cmd) -> std::optional<std::string> {
        if (cmd[0] == "SLOW") {
            slow_pending = true;
            return std::nullopt;
        }
        if (cmd[0] == "ECHO" && slow_pending) return "+late\r\n" + bulk_wire(cmd[1]);
        if (cmd[0] == "ECHO") return bulk_wire(cmd[1]);
        return fake_server::default_reply(cmd);
    });
    recorder rec;
    auto o = options_for(server.url(), rec);
    o.reconnect_on_timeout = false;
    o.command_timeout = 50ms;
    redis_connection c(context, std::move(o));
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return c.connected(); }));
    std::optional<reply> slow;
    c.command({"SLOW"}, [&](reply r) { slow = std::move(r); });
    ASSERT_TRUE(run_until(context, [&] { return slow.has_value(); }));
    EXPECT_EQ(slow->error_code(), error_timeout);
    std::optional<reply> echo;
    c.command(
        {"ECHO", "mine"}, [&](reply r) { echo = std::move(r); }, 0ms);
    ASSERT_TRUE(run_until(context, [&] { return echo.has_value(); }));
    EXPECT_EQ(*echo, reply::bulk("mine"));
    EXPECT_EQ(rec.events.size(), 1U) << "still the first connection";
}

TEST(redis_connection, an_unanswered_health_check_renews_the_connection) {
    asio::io_context context;
    fake_server server(context);
    int pings = 0;
    server.set_handler([&](const command_args& cmd) -> std::optional<std::string> {
        if (cmd[0] == "PING" && ++pings == 3) return std::nullopt;  // the second health check
        return fake_server::default_reply(cmd);
    });
    recorder rec;
    auto o = options_for(server.url(), rec);
    o.health_check_interval = 30ms;
    o.command_timeout = 100ms;
    o.reconnect_on_timeout = false;
    redis_connection c(context, std::move(o));
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return rec.events.size() >= 2; }));
    EXPECT_EQ(rec.events[0].state, connection_state::connected);
    EXPECT_EQ(rec.events[1].state, connection_state::disconnected);
    EXPECT_EQ(rec.events[1].reason, "health check: no answer to PING within 100 ms");
    ASSERT_TRUE(run_until(context, [&] { return c.connected(); }));
}

TEST(redis_connection, garbage_from_the_server_drops_the_connection) {
    asio::io_context context;
    fake_server server(context);
    server.set_handler([](const command_args& cmd) -> std::optional<std::string> {
        if (cmd[0] == "BAD") return "?what\r\n";
        if (cmd[0] == "HANG") return std::nullopt;
        return fake_server::default_reply(cmd);
    });
    recorder rec;
    redis_connection c(context, options_for(server.url(), rec));
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return c.connected(); }));
    std::vector<reply> got;
    c.command({"BAD"}, [&](reply r) { got.push_back(std::move(r)); });
    c.command({"HANG"}, [&](reply r) { got.push_back(std::move(r)); });
    ASSERT_TRUE(run_until(context, [&] { return got.size() == 2; }));
    for (const reply& r : got) EXPECT_EQ(r.error_code(), error_disconnected) << r.str;
    ASSERT_GE(rec.events.size(), 2U);
    EXPECT_EQ(rec.events[1].reason, "protocol: unknown RESP type byte");
    EXPECT_TRUE(run_until(context, [&] { return rec.count(connection_state::connected) == 2; }));
}

TEST(redis_connection, a_dropped_connection_fails_what_was_in_flight_then_reconnects) {
    asio::io_context context;
    fake_server server(context);
    server.set_handler([](const command_args& cmd) -> std::optional<std::string> {
        if (cmd[0] == "HANG") return std::nullopt;
        return fake_server::default_reply(cmd);
    });
    recorder rec;
    redis_connection c(context, options_for(server.url(), rec));
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return c.connected(); }));
    std::vector<reply> got;
    for (int i = 0; i < 3; ++i)
        c.command(
            {"HANG"}, [&](reply r) { got.push_back(std::move(r)); }, 0ms);
    ASSERT_TRUE(run_until(context, [&] { return server.commands().size() == 4; }));
    server.drop_connections();
    ASSERT_TRUE(run_until(context, [&] { return got.size() == 3; }));
    for (const reply& r : got) EXPECT_EQ(r.error_code(), error_disconnected);
    ASSERT_TRUE(run_until(context, [&] { return c.connected(); }));
    EXPECT_EQ(rec.events[1].state, connection_state::disconnected);
    EXPECT_EQ(rec.events[1].reason, "the server closed the connection");
    EXPECT_EQ(rec.events[2].state, connection_state::connected);
    std::optional<reply> ok;
    c.command({"SET", "a", "b"}, [&](reply r) { ok = std::move(r); });
    ASSERT_TRUE(run_until(context, [&] { return ok.has_value(); }));
    EXPECT_EQ(*ok, reply::simple("OK"));
}

TEST(redis_connection, close_fails_pending_commands_and_destruction_runs_no_callback) {
    asio::io_context context;
    fake_server server(context);
    server.set_handler(
        [](const command_args&) -> std::optional<std::string> { return std::nullopt; });
    recorder rec;
    auto c = std::make_unique<redis_connection>(context, options_for(server.url(), rec));
    c->start();
    ASSERT_TRUE(run_until(context, [&] { return server.commands().size() == 1; }));  // PING
    // The login never completes, but the socket is up: commands are sent.
    std::optional<reply> closed;
    c->command({"GET", "x"}, [&](reply r) { closed = std::move(r); });
    c->close();
    EXPECT_FALSE(closed);
    ASSERT_TRUE(run_until(context, [&] { return closed.has_value(); }));
    EXPECT_EQ(closed->error_code(), error_closed);
    EXPECT_EQ(c->state(), connection_state::closed);

    auto d = std::make_unique<redis_connection>(context, options_for(server.url(), rec));
    d->start();
    ASSERT_TRUE(run_until(context, [&] { return server.commands().size() == 2; }));  // its PING
    bool called = false;
    d->command({"GET", "y"}, [&](reply) { called = true; });
    d.reset();
    test_support::run_for(context, 50ms);
    EXPECT_FALSE(called);
    EXPECT_EQ(rec.count(connection_state::disconnected), 0);
}

TEST(redis_connection, a_callback_may_destroy_its_connection) {
    asio::io_context context;
    fake_server server(context);
    recorder rec;
    auto c = std::make_unique<redis_connection>(context, options_for(server.url(), rec));
    c->start();
    ASSERT_TRUE(run_until(context, [&] { return c->connected(); }));
    int calls = 0;
    c->command({"SET", "a", "1"}, [&](reply) {
        ++calls;
        c.reset();
    });
    c->command({"SET", "b", "2"}, [&](reply) { ++calls; });
    ASSERT_TRUE(run_until(context, [&] { return c == nullptr; }));
    test_support::run_for(context, 50ms);
    EXPECT_EQ(calls, 1);
}

TEST(redis_connection, too_many_commands_in_flight_are_refused) {
    asio::io_context context;
    fake_server server(context);
    recorder rec;
    auto o = options_for(server.url(), rec);
    o.max_pending = 2;
    redis_connection c(context, std::move(o));
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return c.connected(); }));
    std::vector<reply> got;
    for (int i = 0; i < 3; ++i)
        c.command({"SET", "k", "v"}, [&](reply r) { got.push_back(std::move(r)); });
    ASSERT_TRUE(run_until(context, [&] { return got.size() == 3; }));
    EXPECT_EQ(got[0].error_code(), error_overloaded) << "refused at once, posted";
    EXPECT_EQ(got[1], reply::simple("OK"));
    EXPECT_EQ(got[2], reply::simple("OK"));
}

TEST(redis_connection, a_subscriber_restores_its_subscriptions_after_reconnecting) {
    asio::io_context context;
    fake_server server(context);
    recorder rec;
    auto o = options_for(server.url(), rec);
    o.mode = connection_mode::subscriber;
    redis_connection c(context, std::move(o));
    // Subscribing before the connection exists is remembered (the callback says NOTCONNECTED).
    std::optional<reply> early;
    c.subscribe("a", [&](reply r) { early = std::move(r); });
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return c.connected() && early.has_value(); }));
    EXPECT_EQ(early->error_code(), error_not_connected);
    std::vector<reply> confirmations;
    c.subscribe("b", [&](reply r) { confirmations.push_back(std::move(r)); });
    c.psubscribe("p*", [&](reply r) { confirmations.push_back(std::move(r)); });
    c.ssubscribe("s1", [&](reply r) { confirmations.push_back(std::move(r)); });
    c.subscribe("gone");
    c.unsubscribe("gone", [&](reply r) { confirmations.push_back(std::move(r)); });
    ASSERT_TRUE(run_until(context, [&] { return confirmations.size() == 4; }));
    EXPECT_EQ(confirmations[0].elements[0].str, "subscribe");
    EXPECT_EQ(confirmations[1].elements[0].str, "psubscribe");
    EXPECT_EQ(confirmations[2].elements[0].str, "ssubscribe");
    EXPECT_EQ(confirmations[3].elements[0].str, "unsubscribe");
    EXPECT_EQ(c.subscriptions(pubsub_kind::message), (std::vector<std::string>{"a", "b"}));

    server.send(
        "*3\r\n$7\r\nmessage\r\n$1\r\nb\r\n$5\r\nhello\r\n"
        "*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npq\r\n$1\r\nx\r\n"
        "*3\r\n$8\r\nsmessage\r\n$2\r\ns1\r\n$0\r\n\r\n");
    ASSERT_TRUE(run_until(context, [&] { return rec.messages.size() == 3; }));
    EXPECT_EQ(rec.messages[0].kind, pubsub_kind::message);
    EXPECT_EQ(rec.messages[0].channel, "b");
    EXPECT_EQ(rec.messages[0].payload, "hello");
    EXPECT_EQ(rec.messages[1].kind, pubsub_kind::pmessage);
    EXPECT_EQ(rec.messages[1].pattern, "p*");
    EXPECT_EQ(rec.messages[1].channel, "pq");
    EXPECT_EQ(rec.messages[2].kind, pubsub_kind::smessage);
    EXPECT_EQ(rec.messages[2].payload, "");

    const std::size_t before = server.commands().size();
    server.drop_connections();
    ASSERT_TRUE(run_until(context, [&] { return rec.count(connection_state::connected) == 2; }));
    const std::vector<command_args> after(
        server.commands().begin() + static_cast<std::ptrdiff_t>(before), server.commands().end());
    EXPECT_EQ(after,
              (std::vector<command_args>{
                  {"PING"}, {"SUBSCRIBE", "a", "b"}, {"PSUBSCRIBE", "p*"}, {"SSUBSCRIBE", "s1"}}));
}

TEST(redis_connection, an_unsolicited_unsubscribe_is_ignored) {
    asio::io_context context;
    fake_server server(context);
    recorder rec;
    auto o = options_for(server.url(), rec);
    o.mode = connection_mode::subscriber;
    redis_connection c(context, std::move(o));
    c.start();
    ASSERT_TRUE(run_until(context, [&] { return c.connected(); }));
    server.send(
        "*3\r\n$12\r\nsunsubscribe\r\n$1\r\nx\r\n:0\r\n"
        "*3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$1\r\ny\r\n");
    ASSERT_TRUE(run_until(context, [&] { return rec.messages.size() == 1; }));
    EXPECT_TRUE(c.connected());
}

}  // namespace
}  // namespace sb::broker::redis
