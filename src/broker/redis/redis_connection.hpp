#pragma once
// One TCP connection to a Redis server, driven by an io_context that it never blocks.
//
// A connection is in one of two modes for its whole life:
// - commands: command() sends any command and calls back with its reply. Many commands may be
//   in flight; replies are matched to callbacks in the order the commands were issued. Commands
//   issued during one turn of the event loop go out in one gather write (large arguments passed
//   as owned strings are written from their own buffers, not copied).
// - subscriber: subscribe()/psubscribe()/ssubscribe() and their unsubscribe twins; messages go
//   to options.on_message. The connection remembers what is subscribed and subscribes again
//   after every reconnect (Redis forgets a client's subscriptions when its connection drops).
//
// Connecting: start() resolves and connects, then logs in (AUTH [user] password, SELECT db,
// CLIENT SETNAME, PING, and in subscriber mode the remembered subscriptions). Only when all of
// these have answered is the connection `connected` and on_state told so. While connected, a
// periodic PING checks that Redis still answers. When the connection drops (or a connect, a
// login, a health-check PING or, with reconnect_on_timeout, a command times out) every command
// in flight fails with an error reply, on_state hears `disconnected` with the reason and the
// delay, and the connection tries again after an exponential backoff with jitter, forever,
// until close().
// Commands are sent only while the socket is up (from the login on); issued at any other time
// they fail at once with NOTCONNECTED; nothing is queued across an outage.
//
// Errors the client makes up itself arrive as error replies whose first word (reply::error_code)
// is one of the codes below, so `r.is_error()` covers both Redis's errors and ours.
//
// Callbacks: never invoked inside the call that registers them (command() on a disconnected
// connection posts its failure); always on the io_context's thread; none runs after the
// redis_connection is destroyed (the destructor drops pending callbacks uninvoked; call close()
// first and run the context to have them fail with CLOSED). A callback may issue commands,
// close() or destroy the connection.
//
// Thread: construct anywhere; every other member only on the thread running the io_context (a
// shard's thread). The io_context must outlive the redis_connection. No call blocks: resolving
// uses Asio's resolver, which resolves names on its own thread.
//
// Cost: a command in flight costs one queue entry (a callback and a deadline); the timeout timer
// is one per connection, re-armed at the earliest deadline and scanning the queue when it fires.

#include "broker/redis/pubsub.hpp"
#include "broker/redis/redis_url.hpp"
#include "broker/redis/resp.hpp"
#include "core/unique_function.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace sb::broker::redis {

// Error codes of the replies the client makes up (first word of reply::str).
inline constexpr std::string_view error_disconnected = "DISCONNECTED";   // dropped before the reply
inline constexpr std::string_view error_not_connected = "NOTCONNECTED";  // issued while down
inline constexpr std::string_view error_timeout = "TIMEOUT";             // no reply in time
inline constexpr std::string_view error_closed = "CLOSED";               // close() was called
inline constexpr std::string_view error_overloaded = "OVERLOADED";       // max_pending reached

// Called once with the reply, or with an error reply (Redis's or one of the codes above).
using reply_callback = core::unique_callback<reply>;

enum class connection_mode : std::uint8_t { commands, subscriber };

enum class connection_state : std::uint8_t {
    idle,          // constructed, start() not called yet
    connecting,    // resolving, connecting or logging in
    connected,     // logged in: commands flow, subscriptions are active
    disconnected,  // waiting for the next attempt
    closed,        // close() was called; final
};

[[nodiscard]] std::string_view describe(connection_state state);

struct state_event {
    connection_state state = connection_state::idle;  // connected or disconnected
    std::string reason;                     // disconnected: what failed, e.g. "connect: Connection
                                            // refused", "login: AUTH: WRONGPASS ..."
    std::uint32_t failures = 0;             // consecutive failed attempts, 0 when connected
    std::chrono::milliseconds retry_in{0};  // disconnected: when the next attempt starts
};

// The per-call timeout argument: this value means options.command_timeout; zero means none.
inline constexpr std::chrono::milliseconds default_timeout{-1};

struct connection_options {
    redis_url url;
    connection_mode mode = connection_mode::commands;
    std::string client_name;  // CLIENT SETNAME after login when not empty

    // How long a command may wait for its reply (zero: forever). A command past it fails with
    // TIMEOUT at once; its reply, if it ever comes, is dropped.
    std::chrono::milliseconds command_timeout{5000};
    // After a timeout, drop the connection and reconnect: a Redis that does not answer is most
    // likely unreachable, and TCP alone may take many minutes to notice. Turn off when commands
    // may legitimately block longer than their timeout (then pass a longer per-call timeout).
    bool reconnect_on_timeout = true;
    // While connected, a PING goes out this often (zero: never) and must be answered within
    // command_timeout (or this interval, if that is zero); otherwise the connection is renewed
    // whatever reconnect_on_timeout says. This is what notices a dead peer on an idle
    // subscriber connection, where no command would time out.
    std::chrono::milliseconds health_check_interval{5000};
    // Resolving, connecting and logging in, each attempt.
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds backoff_initial{100};
    std::chrono::milliseconds backoff_max{5000};
    // Commands in flight beyond which command() fails with OVERLOADED (memory bound).
    std::size_t max_pending = 1'000'000;
    std::size_t read_buffer_size = 64 * 1024;
    parser_limits limits;
    // Seeds the backoff jitter (0: random).
    std::uint64_t jitter_seed = 0;

    // On every change to connected, and after every failed attempt (so a reason is always
    // reported, even before the first success).
    std::function<void(const state_event&)> on_state;
    // Subscriber mode: each message, in the order Redis sent them.
    std::function<void(pubsub_message&&)> on_message;
};

class redis_connection {
public:
    redis_connection(boost::asio::io_context& context, connection_options options);
    ~redis_connection();
    redis_connection(const redis_connection&) = delete;
    redis_connection& operator=(const redis_connection&) = delete;

    // Begins connecting; returns at once. Call once.
    void start();
    // Stops for good: fails everything pending with CLOSED (posted, not inline), cancels the
    // socket and timers. No state event follows. Idempotent.
    void close();

    [[nodiscard]] connection_state state() const noexcept;
    [[nodiscard]] bool connected() const noexcept { return state() == connection_state::connected; }
    // Commands, subscription requests and internal PINGs waiting for their replies.
    [[nodiscard]] std::size_t pending() const noexcept;
    // Bytes queued for the socket and not yet written.
    [[nodiscard]] std::size_t buffered_bytes() const noexcept;

    // Commands mode only (elsewhere, and with no arguments, a programmer error: aborts with a
    // message). Arguments are copied into the output buffer, except owned strings of
    // 16 KiB or more, which are moved and written from their own memory.
    void command(std::initializer_list<std::string_view> args, reply_callback callback,
                 std::chrono::milliseconds timeout = default_timeout);
    void command(std::span<const std::string_view> args, reply_callback callback,
                 std::chrono::milliseconds timeout = default_timeout);
    void command(std::vector<std::string> args, reply_callback callback,
                 std::chrono::milliseconds timeout = default_timeout);

    // Subscriber mode only (elsewhere, aborts). Each call changes the remembered set at once (so a reconnect
    // restores it) and, when the socket is up, sends the command; `done` (may be empty) gets
    // Redis's confirmation (["subscribe", channel, count] and so on) or an error reply. Called
    // while the socket is down, `done` gets NOTCONNECTED but the change stands and is applied
    // when the connection comes back. SSUBSCRIBE (sharded pub/sub) needs Redis 7.
    void subscribe(std::string channel, reply_callback done = nullptr);
    void unsubscribe(std::string channel, reply_callback done = nullptr);
    void psubscribe(std::string pattern, reply_callback done = nullptr);
    void punsubscribe(std::string pattern, reply_callback done = nullptr);
    void ssubscribe(std::string channel, reply_callback done = nullptr);
    void sunsubscribe(std::string channel, reply_callback done = nullptr);

    // The remembered subscriptions, sorted (subscriber mode).
    [[nodiscard]] std::vector<std::string> subscriptions(pubsub_kind kind) const;

    [[nodiscard]] const connection_options& options() const noexcept;

private:
    class impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace sb::broker::redis
