#include "broker/redis/redis_connection.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "broker/redis/test_support/run_until.hpp"

// Against a real redis-server (ctest label `redis`). SB_TEST_REDIS_URL names a shared server
// (scripts/services/redis prints one); tests use keys and channels prefixed by the process id so
// that parallel runs never meet, and leave the server as they found it. The restart test starts
// its own server on another port through the same script.

namespace sb::broker::redis {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::run_until;

std::optional<redis_url> server_url() {
    const char* text = std::getenv("SB_TEST_REDIS_URL");
    if (text == nullptr || *text == '\0') return std::nullopt;
    const parsed_url p = parse_redis_url(text);
    if (!p) return std::nullopt;
    return p.url;
}

#define SKIP_WITHOUT_REDIS()                                                            \
    do {                                                                                \
        if (!server_url()) {                                                            \
            GTEST_SKIP() << "SB_TEST_REDIS_URL is not set (export SB_TEST_REDIS_URL=$(" \
                            "scripts/services/redis))";                                 \
        }                                                                               \
    } while (false)

std::string prefix() { return "sbtest:" + std::to_string(getpid()) + ":"; }

struct recorder {
    std::vector<state_event> events;
    std::vector<pubsub_message> messages;
    [[nodiscard]] int count(connection_state s) const {
        int n = 0;
        for (const auto& e : events) n += e.state == s ? 1 : 0;
        return n;
    }
};

connection_options options_for(redis_url url, recorder& rec,
                               connection_mode mode = connection_mode::commands) {
    connection_options o;
    o.url = std::move(url);
    o.mode = mode;
    o.backoff_initial = 20ms;
    o.backoff_max = 200ms;
    o.on_state = [&rec](const state_event& e) { rec.events.push_back(e); };
    o.on_message = [&rec](pubsub_message&& m) { rec.messages.push_back(std::move(m)); };
    return o;
}

// Runs one command and waits for its reply.
reply run(asio::io_context& context, redis_connection& c, std::vector<std::string> args) {
    std::optional<reply> got;
    c.command(std::move(args), [&](reply r) { got = std::move(r); });
    EXPECT_TRUE(run_until(context, [&] { return got.has_value(); }));
    return got.value_or(reply::make_error("test: no reply"));
}

class redis_server : public ::testing::Test {
protected:
    void SetUp() override {
        SKIP_WITHOUT_REDIS();
        url_ = *server_url();
        client_ = std::make_unique<redis_connection>(context_, options_for(url_, rec_));
        client_->start();
        ASSERT_TRUE(run_until(context_, [&] { return client_->connected(); }))
            << "cannot reach " << url_.to_string()
            << (rec_.events.empty() ? "" : ": " + rec_.events.back().reason);
    }

    void TearDown() override {
        if (!client_ || !client_->connected()) return;
        const reply keys = run(context_, *client_, {"KEYS", prefix() + "*"});
        for (const reply& k : keys.elements) run(context_, *client_, {"DEL", k.str});
    }

    asio::io_context context_;
    redis_url url_;
    recorder rec_;
    std::unique_ptr<redis_connection> client_;
};

TEST_F(redis_server, commands_round_trip_every_reply_type) {
    const std::string k = prefix() + "k";
    EXPECT_EQ(run(context_, *client_, {"SET", k, "v"}), reply::simple("OK"));
    EXPECT_EQ(run(context_, *client_, {"GET", k}), reply::bulk("v"));
    EXPECT_TRUE(run(context_, *client_, {"GET", prefix() + "missing"}).is_nil());
    EXPECT_EQ(run(context_, *client_, {"APPEND", k, "w"}), reply::make_integer(2));
    const reply wrong = run(context_, *client_, {"LPUSH", k, "x"});
    EXPECT_EQ(wrong.error_code(), "WRONGTYPE") << wrong.str;
    const std::string list = prefix() + "list";
    run(context_, *client_, {"RPUSH", list, "a", "", "c"});
    EXPECT_EQ(run(context_, *client_, {"LRANGE", list, "0", "-1"}),
              reply::make_array({reply::bulk("a"), reply::bulk(""), reply::bulk("c")}));
    const std::string binary("\0\r\n$*\xff", 6);
    run(context_, *client_, {"SET", k, binary});
    EXPECT_EQ(run(context_, *client_, {"GET", k}), reply::bulk(binary));
    // 4 MiB each way: written from its own buffer, read across many socket reads.
    std::string big(4 << 20, 'b');
    big[1000] = '\n';
    run(context_, *client_, {"SET", k, big});
    EXPECT_EQ(run(context_, *client_, {"GET", k}), reply::bulk(big));
    EXPECT_EQ(run(context_, *client_, {"NOSUCHCOMMAND"}).error_code(), "ERR");
}

TEST_F(redis_server, ten_thousand_pipelined_incrs_reply_in_order) {
    const std::string k = prefix() + "counter";
    constexpr int n = 10'000;
    std::vector<std::int64_t> got;
    got.reserve(n);
    for (int i = 0; i < n; ++i) {
        client_->command({"INCR", k}, [&](reply r) { got.push_back(r.integer); });
    }
    EXPECT_EQ(client_->pending(), std::size_t{n});
    ASSERT_TRUE(run_until(context_, [&] { return got.size() == n; }));
    for (int i = 0; i < n; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)], i + 1);
}

TEST_F(redis_server, the_url_selects_the_database) {
    redis_url other = url_;
    other.database = 5;
    recorder rec;
    redis_connection db5(context_, options_for(other, rec));
    db5.start();
    ASSERT_TRUE(run_until(context_, [&] { return db5.connected(); }));
    const std::string k = prefix() + "db";
    run(context_, db5, {"SET", k, "five"});
    EXPECT_TRUE(run(context_, *client_, {"GET", k}).is_nil());
    EXPECT_EQ(run(context_, db5, {"GET", k}), reply::bulk("five"));
    run(context_, db5, {"DEL", k});
}

TEST_F(redis_server, pubsub_delivers_messages_and_patterns) {
    recorder rec;
    auto o = options_for(url_, rec, connection_mode::subscriber);
    o.health_check_interval = 20ms;  // PINGs on a subscribed connection are answered ["pong", ""]
    redis_connection sub(context_, std::move(o));
    sub.start();
    ASSERT_TRUE(run_until(context_, [&] { return sub.connected(); }));
    const std::string ch = prefix() + "news";
    int confirmed = 0;
    sub.subscribe(ch, [&](reply r) { confirmed += r.is_error() ? 100 : 1; });
    sub.psubscribe(prefix() + "room.*", [&](reply r) { confirmed += r.is_error() ? 100 : 1; });
    ASSERT_TRUE(run_until(context_, [&] { return confirmed == 2; }));

    EXPECT_EQ(run(context_, *client_, {"PUBLISH", ch, "hello"}), reply::make_integer(1));
    EXPECT_EQ(run(context_, *client_, {"PUBLISH", prefix() + "room.7", "hi 7"}),
              reply::make_integer(1));
    ASSERT_TRUE(run_until(context_, [&] { return rec.messages.size() == 2; }));
    EXPECT_EQ(rec.messages[0].kind, pubsub_kind::message);
    EXPECT_EQ(rec.messages[0].channel, ch);
    EXPECT_EQ(rec.messages[0].payload, "hello");
    EXPECT_EQ(rec.messages[1].kind, pubsub_kind::pmessage);
    EXPECT_EQ(rec.messages[1].pattern, prefix() + "room.*");
    EXPECT_EQ(rec.messages[1].channel, prefix() + "room.7");

    // Many messages, in order.
    for (int i = 0; i < 1000; ++i) client_->command({"PUBLISH", ch, std::to_string(i)}, nullptr);
    ASSERT_TRUE(run_until(context_, [&] { return rec.messages.size() == 1002; }));
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(rec.messages[static_cast<std::size_t>(i) + 2].payload, std::to_string(i));
    }

    test_support::run_for(context_, 100ms);
    EXPECT_EQ(rec.count(connection_state::disconnected), 0) << rec.events.back().reason;

    bool gone = false;
    sub.unsubscribe(ch, [&](reply r) { gone = !r.is_error(); });
    ASSERT_TRUE(run_until(context_, [&] { return gone; }));
    EXPECT_EQ(run(context_, *client_, {"PUBLISH", ch, "nobody"}), reply::make_integer(0));
}

TEST_F(redis_server, sharded_pubsub_delivers_smessages) {
    recorder rec;
    redis_connection sub(context_, options_for(url_, rec, connection_mode::subscriber));
    sub.start();
    ASSERT_TRUE(run_until(context_, [&] { return sub.connected(); }));
    const std::string ch = prefix() + "{shard}.chat";
    std::optional<reply> confirmation;
    sub.ssubscribe(ch, [&](reply r) { confirmation = std::move(r); });
    ASSERT_TRUE(run_until(context_, [&] { return confirmation.has_value(); }));
    ASSERT_FALSE(confirmation->is_error()) << confirmation->str;
    EXPECT_EQ(confirmation->elements[0].str, "ssubscribe");

    EXPECT_EQ(run(context_, *client_, {"SPUBLISH", ch, "sharded"}), reply::make_integer(1));
    ASSERT_TRUE(run_until(context_, [&] { return rec.messages.size() == 1; }));
    EXPECT_EQ(rec.messages[0].kind, pubsub_kind::smessage);
    EXPECT_EQ(rec.messages[0].channel, ch);
    EXPECT_EQ(rec.messages[0].payload, "sharded");

    std::optional<reply> gone;
    sub.sunsubscribe(ch, [&](reply r) { gone = std::move(r); });
    ASSERT_TRUE(run_until(context_, [&] { return gone.has_value(); }));
    EXPECT_FALSE(gone->is_error()) << gone->str;
    EXPECT_EQ(run(context_, *client_, {"SPUBLISH", ch, "nobody"}), reply::make_integer(0));
}

TEST_F(redis_server, a_wrong_password_is_reported_and_the_right_one_logs_in) {
    const std::string user = "sbtest_" + std::to_string(getpid());
    ASSERT_EQ(run(context_, *client_,
                  {"ACL", "SETUSER", user, "on", ">right-password", "~*", "&*", "+@all"}),
              reply::simple("OK"));

    redis_url wrong = url_;
    wrong.username = user;
    wrong.password = "wrong-password";
    recorder bad;
    redis_connection refused(context_, options_for(wrong, bad));
    refused.start();
    ASSERT_TRUE(run_until(context_, [&] { return !bad.events.empty(); }));
    EXPECT_EQ(bad.events[0].state, connection_state::disconnected);
    EXPECT_EQ(bad.events[0].reason.rfind("login: AUTH: WRONGPASS", 0), 0U) << bad.events[0].reason;
    refused.close();

    redis_url right = wrong;
    right.password = "right-password";
    recorder good;
    redis_connection accepted(context_, options_for(right, good));
    accepted.start();
    ASSERT_TRUE(run_until(context_, [&] { return accepted.connected(); }));
    EXPECT_EQ(run(context_, accepted, {"ACL", "WHOAMI"}), reply::bulk(user));
    accepted.close();

    EXPECT_EQ(run(context_, *client_, {"ACL", "DELUSER", user}), reply::make_integer(1));
}

TEST_F(redis_server, a_blocked_command_times_out) {
    // reconnect_on_timeout off: the late reply is matched to its slot and dropped.
    recorder rec;
    auto o = options_for(url_, rec);
    o.reconnect_on_timeout = false;
    redis_connection c(context_, std::move(o));
    c.start();
    ASSERT_TRUE(run_until(context_, [&] { return c.connected(); }));
    std::optional<reply> blocked;
    std::optional<reply> after;
    const auto start = std::chrono::steady_clock::now();
    c.command(
        {"BLPOP", prefix() + "never", "1"}, [&](reply r) { blocked = std::move(r); }, 100ms);
    c.command(
        {"PING"}, [&](reply r) { after = std::move(r); }, 5s);
    ASSERT_TRUE(run_until(context_, [&] { return blocked.has_value(); }));
    EXPECT_EQ(blocked->error_code(), error_timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
    ASSERT_TRUE(run_until(context_, [&] { return after.has_value(); }));
    EXPECT_EQ(*after, reply::simple("PONG"));
    EXPECT_EQ(rec.count(connection_state::disconnected), 0);

    // With the default policy the connection is renewed after the timeout.
    std::optional<reply> renewed;
    client_->command(
        {"BLPOP", prefix() + "never", "5"}, [&](reply r) { renewed = std::move(r); }, 100ms);
    ASSERT_TRUE(run_until(context_, [&] { return renewed.has_value(); }));
    EXPECT_EQ(renewed->error_code(), error_timeout);
    ASSERT_TRUE(run_until(context_, [&] { return rec_.count(connection_state::connected) == 2; }));
    EXPECT_EQ(run(context_, *client_, {"PING"}), reply::simple("PONG"));
}

// --- A private server, stopped and started again -----------------------------------------------

// Runs scripts/services/redis with `args`; returns its stdout (the URL) or nullopt on failure.
std::optional<std::string> service(const std::string& args) {
    // Only stdout (the URL) is read; the script's messages go to the test's stderr.
    const std::string command = std::string(SB_REDIS_SERVICE_SCRIPT) + " " + args;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return std::nullopt;
    std::string out;
    char buffer[256];
    while (fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    if (pclose(pipe) != 0) {
        ADD_FAILURE() << command << ": " << out;
        return std::nullopt;
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

// A loopback port below the ephemeral range that nothing listens on now.
std::uint16_t free_port() {
    asio::io_context context;
    std::mt19937 random(static_cast<std::uint32_t>(getpid()));
    for (int attempt = 0; attempt < 100; ++attempt) {
        const auto port = static_cast<std::uint16_t>(26400 + random() % 600);
        boost::system::error_code ec;
        asio::ip::tcp::acceptor a(context);
        a.open(asio::ip::tcp::v4(), ec);
        a.bind({asio::ip::make_address("127.0.0.1"), port}, ec);
        if (!ec) return port;
    }
    return 0;
}

class private_redis {
public:
    private_redis() : port_(free_port()) {
        dir_ = std::string(std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp") +
               "/switchboard-redis-test-" + std::to_string(getpid()) + "-" + std::to_string(port_);
    }
    ~private_redis() {
        stop();
        std::system(("rm -rf '" + dir_ + "'").c_str());
    }
    std::optional<std::string> start() { return service("start " + where()); }
    void stop() { service("stop " + where()); }

private:
    std::string where() const {
        return "--port " + std::to_string(port_) + " --dir '" + dir_ + "'";
    }
    std::uint16_t port_;
    std::string dir_;
};

TEST(redis_restart, clients_see_the_outage_fail_in_flight_and_recover_with_subscriptions) {
    SKIP_WITHOUT_REDIS();
    private_redis server;
    const auto url_text = server.start();
    ASSERT_TRUE(url_text.has_value());
    const parsed_url url = parse_redis_url(*url_text);
    ASSERT_TRUE(url) << *url_text;

    asio::io_context context;
    recorder cmd_rec;
    recorder sub_rec;
    redis_connection cmd(context, options_for(url.url, cmd_rec));
    redis_connection sub(context, options_for(url.url, sub_rec, connection_mode::subscriber));
    cmd.start();
    sub.start();
    ASSERT_TRUE(run_until(context, [&] { return cmd.connected() && sub.connected(); }));
    bool subscribed = false;
    sub.subscribe("events", [&](reply r) { subscribed = !r.is_error(); });
    sub.ssubscribe("{s}.events");
    ASSERT_TRUE(run_until(context, [&] { return subscribed; }));
    EXPECT_EQ(run(context, cmd, {"PUBLISH", "events", "before"}), reply::make_integer(1));
    ASSERT_TRUE(run_until(context, [&] { return sub_rec.messages.size() == 1; }));

    // A command blocked in Redis when it goes away fails with DISCONNECTED.
    std::optional<reply> in_flight;
    cmd.command(
        {"BLPOP", "nothing", "0"}, [&](reply r) { in_flight = std::move(r); }, 0ms);
    test_support::run_for(context, 50ms);
    server.stop();
    ASSERT_TRUE(run_until(
        context, [&] { return in_flight.has_value() && !cmd.connected() && !sub.connected(); }));
    EXPECT_EQ(in_flight->error_code(), error_disconnected) << in_flight->str;
    EXPECT_EQ(cmd_rec.events.back().state, connection_state::disconnected);
    EXPECT_EQ(sub_rec.events.back().state, connection_state::disconnected);

    // While it is down: reconnect attempts fail and are reported; commands fail at once.
    ASSERT_TRUE(
        run_until(context, [&] { return cmd_rec.count(connection_state::disconnected) >= 3; }));
    const std::string reason = cmd_rec.events.back().reason;
    EXPECT_NE(reason.find("refused"), std::string::npos) << reason;
    std::optional<reply> refused;
    cmd.command({"PING"}, [&](reply r) { refused = std::move(r); });
    ASSERT_TRUE(run_until(context, [&] { return refused.has_value(); }));
    EXPECT_EQ(refused->error_code(), error_not_connected);

    ASSERT_TRUE(server.start().has_value());
    ASSERT_TRUE(run_until(
        context, [&] { return cmd.connected() && sub.connected(); }, 15s));
    EXPECT_EQ(cmd_rec.count(connection_state::connected), 2);
    EXPECT_EQ(sub_rec.count(connection_state::connected), 2);
    // `connected` means the subscriptions are back: a publish right away is delivered.
    EXPECT_EQ(run(context, cmd, {"PUBLISH", "events", "after"}), reply::make_integer(1));
    EXPECT_EQ(run(context, cmd, {"SPUBLISH", "{s}.events", "sharded after"}),
              reply::make_integer(1));
    ASSERT_TRUE(run_until(context, [&] { return sub_rec.messages.size() == 3; }));
    EXPECT_EQ(sub_rec.messages[1].payload, "after");
    EXPECT_EQ(sub_rec.messages[2].payload, "sharded after");
}

}  // namespace
}  // namespace sb::broker::redis
