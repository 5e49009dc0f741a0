#include "broker/redis/redis_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <random>
#include <set>
#include <utility>

#include "broker/redis/detail/backoff.hpp"
#include "broker/redis/detail/write_buffer.hpp"

namespace sb::broker::redis {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

// Channels per SUBSCRIBE/PSUBSCRIBE when restoring subscriptions after a reconnect.
constexpr std::size_t resubscribe_batch = 512;

[[noreturn]] void misuse(const char* what) {
    std::fprintf(stderr, "redis_connection: %s\n", what);
    std::abort();
}

reply client_error(std::string_view code, std::string_view detail) {
    std::string text(code);
    text += ' ';
    text += detail;
    return reply::make_error(std::move(text));
}

std::size_t kind_index(pubsub_kind kind) { return static_cast<std::size_t>(kind); }

std::string millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

}  // namespace

std::string_view describe(connection_state state) {
    switch (state) {
        case connection_state::idle:
            return "idle";
        case connection_state::connecting:
            return "connecting";
        case connection_state::connected:
            return "connected";
        case connection_state::disconnected:
            return "disconnected";
        case connection_state::closed:
            return "closed";
    }
    return "unknown";
}

// Everything lives here so that completion handlers can keep it alive (shared_from_this) after
// the owning redis_connection is gone. `generation_` changes whenever the socket is torn down:
// a handler from an older generation finds its connection gone and returns.
class redis_connection::impl : public std::enable_shared_from_this<impl> {
public:
    impl(asio::io_context& context, connection_options options)
        : context_(context),
          options_(std::move(options)),
          resolver_(context),
          socket_(context),
          connect_timer_(context),
          retry_timer_(context),
          timeout_timer_(context),
          health_timer_(context),
          backoff_(options_.backoff_initial, options_.backoff_max,
                   options_.jitter_seed != 0 ? options_.jitter_seed : std::random_device{}()),
          parser_(options_.limits),
          read_buffer_(std::max<std::size_t>(options_.read_buffer_size, 512)) {}

    void start() {
        if (state_ != connection_state::idle) misuse("start() called twice, or after close()");
        begin_attempt();
    }

    void close() {
        if (state_ == connection_state::closed) return;
        state_ = connection_state::closed;
        teardown();
        retry_timer_.cancel();
        for (pending_entry& e : std::exchange(pending_, {})) {
            if (e.is_login || e.timed_out) continue;
            defer(std::move(e.callback), client_error(error_closed, "the connection was closed"));
        }
    }

    // The owning redis_connection is going away: no callback may run from now on.
    void destroy() {
        destroyed_ = true;
        close();
        deferred_.clear();
    }

    void command(std::span<const std::string_view> args, std::vector<std::string>* owned,
                 reply_callback callback, std::chrono::milliseconds timeout) {
        if (options_.mode != connection_mode::commands) {
            misuse("command() on a subscriber connection");
        }
        if (args.empty()) misuse("command() with no arguments");
        if (!admit(callback)) return;
        pending_entry e;
        e.callback = std::move(callback);
        set_deadline(e, timeout == default_timeout ? options_.command_timeout : timeout);
        enqueue(args, owned, std::move(e));
    }

    void change_subscription(pubsub_kind kind, bool subscribe, std::string name,
                             reply_callback done) {
        if (options_.mode != connection_mode::subscriber) {
            misuse("subscribe/unsubscribe on a commands connection");
        }
        if (state_ == connection_state::closed) {
            defer(std::move(done), client_error(error_closed, "the connection was closed"));
            return;
        }
        std::set<std::string>& names = subscriptions_[kind_index(kind)];
        if (subscribe) {
            names.insert(name);
        } else {
            names.erase(name);
        }
        if (!admit(done)) return;
        const subscription_verbs v = verbs(kind, subscribe);
        pending_entry e;
        e.callback = std::move(done);
        e.confirmation = v.confirmation;
        set_deadline(e, options_.command_timeout);
        const std::array<std::string_view, 2> args{v.command, name};
        enqueue(args, nullptr, std::move(e));
    }

    [[nodiscard]] std::vector<std::string> subscriptions(pubsub_kind kind) const {
        const auto& names = subscriptions_[kind_index(kind)];
        return {names.begin(), names.end()};
    }

    [[nodiscard]] connection_state state() const noexcept { return state_; }
    [[nodiscard]] std::size_t pending() const noexcept { return pending_.size(); }
    [[nodiscard]] std::size_t buffered_bytes() const noexcept { return output_.bytes(); }
    [[nodiscard]] const connection_options& options() const noexcept { return options_; }

private:
    struct pending_entry {
        reply_callback callback;
        clock_type::time_point deadline = clock_type::time_point::max();
        std::chrono::milliseconds timeout{0};
        // Subscriber mode: the first word of the replies that confirm this request, and how
        // many are still due (one per channel). Empty for replies of any form.
        std::string_view confirmation;
        std::uint32_t remaining = 1;
        // A login step (AUTH, SELECT, ..., restored subscriptions): no callback; an error fails
        // the attempt.
        bool is_login = false;
        std::string_view step;
        // The periodic PING: no callback; a timeout renews the connection in any case.
        bool is_health_check = false;
        bool timed_out = false;
    };

    // --- connecting ---------------------------------------------------------------------

    void begin_attempt() {
        ++generation_;
        state_ = connection_state::connecting;
        parser_.reset();
        const std::uint64_t gen = generation_;
        connect_timer_.expires_after(options_.connect_timeout);
        connect_timer_.async_wait([self = shared_from_this(), gen](const error_code& ec) {
            if (ec || gen != self->generation_) return;
            self->fail_connection("connect: no connection and login within " +
                                  millis(self->options_.connect_timeout));
        });

        error_code parse_ec;
        const auto address = asio::ip::make_address(options_.url.host, parse_ec);
        if (!parse_ec) {
            socket_.async_connect(tcp::endpoint(address, options_.url.port),
                                  [self = shared_from_this(), gen](const error_code& ec) {
                                      self->on_connect(gen, ec);
                                  });
            return;
        }
        resolver_.async_resolve(
            options_.url.host, std::to_string(options_.url.port),
            [self = shared_from_this(), gen](const error_code& ec,
                                             const tcp::resolver::results_type& results) {
                self->on_resolve(gen, ec, results);
            });
    }

    void on_resolve(std::uint64_t gen, const error_code& ec,
                    const tcp::resolver::results_type& results) {
        if (gen != generation_) return;
        if (ec) {
            fail_connection("resolve " + options_.url.host + ": " + ec.message());
            return;
        }
        asio::async_connect(
            socket_, results,
            [self = shared_from_this(), gen](const error_code& connect_ec, const tcp::endpoint&) {
                self->on_connect(gen, connect_ec);
            });
    }

    void on_connect(std::uint64_t gen, const error_code& ec) {
        if (gen != generation_) return;
        if (ec) {
            fail_connection("connect " + options_.url.host + ":" +
                            std::to_string(options_.url.port) + ": " + ec.message());
            return;
        }
        error_code ignored;
        socket_.set_option(tcp::no_delay(true), ignored);
        socket_.set_option(asio::socket_base::keep_alive(true), ignored);
        socket_up_ = true;
        do_read();
        begin_login();
    }

    void begin_login() {
        login_remaining_ = 0;
        const redis_url& url = options_.url;
        if (!url.password.empty()) {
            if (url.username.empty()) {
                login_step("AUTH", {"AUTH", url.password});
            } else {
                login_step("AUTH", {"AUTH", url.username, url.password});
            }
        }
        if (url.database != 0 && options_.mode == connection_mode::commands) {
            login_step("SELECT", {"SELECT", std::to_string(url.database)});
        }
        if (!options_.client_name.empty()) {
            login_step("CLIENT SETNAME", {"CLIENT", "SETNAME", options_.client_name});
        }
        // Proves the server answers (and is not still loading its data set) before `connected`.
        login_step("PING", {"PING"});
        if (options_.mode == connection_mode::subscriber) restore_subscriptions();
    }

    void login_step(std::string_view step, std::initializer_list<std::string> args,
                    std::string_view confirmation = {}, std::uint32_t confirmations = 1) {
        std::vector<std::string_view> views(args.begin(), args.end());
        login_step_views(step, views, confirmation, confirmations);
    }

    void login_step_views(std::string_view step, std::span<const std::string_view> args,
                          std::string_view confirmation, std::uint32_t confirmations) {
        pending_entry e;
        e.is_login = true;
        e.step = step;
        e.confirmation = confirmation;
        e.remaining = confirmations;
        ++login_remaining_;
        enqueue(args, nullptr, std::move(e));
    }

    void restore_subscriptions() {
        for (pubsub_kind kind : {pubsub_kind::message, pubsub_kind::pmessage}) {
            const subscription_verbs v = verbs(kind, true);
            const auto& names = subscriptions_[kind_index(kind)];
            std::vector<std::string_view> args;
            for (auto it = names.begin(); it != names.end();) {
                args.assign(1, v.command);
                while (it != names.end() && args.size() <= resubscribe_batch) args.push_back(*it++);
                login_step_views(v.command, args, v.confirmation,
                                 static_cast<std::uint32_t>(args.size() - 1));
            }
        }
        // One channel per SSUBSCRIBE: in a Redis Cluster all channels of one call must share a
        // hash slot.
        const subscription_verbs v = verbs(pubsub_kind::smessage, true);
        for (const std::string& name : subscriptions_[kind_index(pubsub_kind::smessage)]) {
            const std::array<std::string_view, 2> args{v.command, name};
            login_step_views(v.command, args, v.confirmation, 1);
        }
    }

    void on_login_reply(const pending_entry& e, const reply& r) {
        if (r.is_error()) {
            fail_connection("login: " + std::string(e.step) + ": " + r.str);
            return;
        }
        if (--login_remaining_ != 0) return;
        connect_timer_.cancel();
        state_ = connection_state::connected;
        backoff_.reset();
        arm_health_check();
        if (options_.on_state)
            options_.on_state(state_event{connection_state::connected, {}, 0, {}});
    }

    // Tears the socket down, fails what was in flight and schedules the next attempt.
    void fail_connection(const std::string& reason) {
        if (state_ == connection_state::closed) return;
        teardown();
        state_ = connection_state::disconnected;
        const std::chrono::milliseconds delay = backoff_.next();
        const std::uint64_t gen = generation_;
        retry_timer_.expires_after(delay);
        retry_timer_.async_wait([self = shared_from_this(), gen](const error_code& ec) {
            if (ec || gen != self->generation_ || self->state_ == connection_state::closed) return;
            self->begin_attempt();
        });
        std::deque<pending_entry> failed = std::exchange(pending_, {});

        // Callbacks last: they may close or destroy the connection.
        if (options_.on_state) {
            options_.on_state(
                state_event{connection_state::disconnected, reason, backoff_.failures(), delay});
        }
        for (pending_entry& e : failed) {
            if (destroyed_) return;
            if (e.is_login || e.timed_out || !e.callback) continue;
            e.callback(client_error(error_disconnected, reason));
        }
    }

    // Closes the socket and forgets the connection's per-socket state.
    void teardown() {
        ++generation_;
        socket_up_ = false;
        error_code ignored;
        socket_.close(ignored);
        resolver_.cancel();
        connect_timer_.cancel();
        timeout_timer_.cancel();
        timeout_armed_ = clock_type::time_point::max();
        health_timer_.cancel();
        health_check_pending_ = false;
        // Bytes meant for the old socket; a write still in flight keeps its chunks until its
        // handler runs.
        output_.drop_pending();
        parser_.reset();
        login_remaining_ = 0;
    }

    // --- sending --------------------------------------------------------------------------

    // False (and `callback` failed, posted) when the command cannot be sent now.
    bool admit(reply_callback& callback) {
        if (!socket_up_) {
            defer(std::move(callback),
                  client_error(error_not_connected,
                               "not connected to redis (" + std::string(describe(state_)) + ")"));
            return false;
        }
        if (pending_.size() >= options_.max_pending) {
            defer(std::move(callback),
                  client_error(error_overloaded,
                               std::to_string(pending_.size()) + " commands already in flight"));
            return false;
        }
        return true;
    }

    static void set_deadline(pending_entry& e, std::chrono::milliseconds timeout) {
        if (timeout.count() <= 0) return;
        e.timeout = timeout;
        e.deadline = clock_type::now() + timeout;
    }

    void enqueue(std::span<const std::string_view> args, std::vector<std::string>* owned,
                 pending_entry e) {
        output_.append_command(args, owned);
        if (e.deadline != clock_type::time_point::max()) arm_timeout(e.deadline);
        pending_.push_back(std::move(e));
        schedule_flush();
    }

    // Coalesces everything issued during this turn of the loop into the next write.
    void schedule_flush() {
        if (write_in_flight_ || flush_posted_) return;
        flush_posted_ = true;
        asio::post(context_, [self = shared_from_this()] {
            self->flush_posted_ = false;
            self->do_write();
        });
    }

    void do_write() {
        if (write_in_flight_ || !output_.has_pending() || !socket_up_) return;
        write_buffers_.clear();
        for (const std::string& chunk : output_.take()) {
            write_buffers_.emplace_back(chunk.data(), chunk.size());
        }
        write_in_flight_ = true;
        asio::async_write(socket_, write_buffers_,
                          [self = shared_from_this(), gen = generation_](
                              const error_code& ec, std::size_t) { self->on_write(gen, ec); });
    }

    void on_write(std::uint64_t gen, const error_code& ec) {
        write_in_flight_ = false;
        output_.finish();
        if (gen != generation_) {
            // The old socket is gone; a new one may have queued its login meanwhile.
            do_write();
            return;
        }
        if (ec) {
            fail_connection("write: " + ec.message());
            return;
        }
        do_write();
    }

    // --- receiving ------------------------------------------------------------------------

    void do_read() {
        socket_.async_read_some(
            asio::buffer(read_buffer_),
            [self = shared_from_this(), gen = generation_](const error_code& ec, std::size_t n) {
                self->on_read(gen, ec, n);
            });
    }

    void on_read(std::uint64_t gen, const error_code& ec, std::size_t n) {
        if (gen != generation_) return;
        if (ec) {
            fail_connection(ec == asio::error::eof ? std::string("the server closed the connection")
                                                   : "read: " + ec.message());
            return;
        }
        const std::string_view data(read_buffer_.data(), n);
        std::size_t consumed = 0;
        while (consumed < data.size()) {
            const resp_parser::status s = parser_.next(data.substr(consumed), consumed);
            if (s == resp_parser::status::need_more) break;
            if (s == resp_parser::status::error) {
                fail_connection("protocol: " + std::string(describe(parser_.error())));
                return;
            }
            on_reply(parser_.take());
            if (gen != generation_) return;
        }
        do_read();
    }

    void on_reply(reply r) {
        std::string_view confirmation;
        if (options_.mode == connection_mode::subscriber) {
            pubsub_reading reading = read_pubsub_reply(r);
            if (reading.message) {
                if (options_.on_message) options_.on_message(std::move(*reading.message));
                return;
            }
            confirmation = reading.confirmation;
        }
        if (pending_.empty()) {
            // Redis may unsubscribe a client on its own (a sharded channel's slot moved).
            if (!confirmation.empty()) return;
            fail_connection("protocol: a reply with no command waiting: " + to_debug_string(r));
            return;
        }
        pending_entry& front = pending_.front();
        if (!confirmation.empty() || !front.confirmation.empty()) {
            if (!r.is_error()) {
                if (confirmation != front.confirmation) return;  // unsolicited, as above
                if (--front.remaining != 0) return;
            }
        }
        pending_entry e = std::move(front);
        pending_.pop_front();
        if (e.is_login) {
            on_login_reply(e, r);
        } else if (e.is_health_check) {
            health_check_pending_ = false;
        } else if (!e.timed_out && e.callback) {
            e.callback(std::move(r));
        }
    }

    // --- timeouts -------------------------------------------------------------------------

    void arm_timeout(clock_type::time_point deadline) {
        if (deadline >= timeout_armed_) return;
        timeout_armed_ = deadline;
        timeout_timer_.expires_at(deadline);
        timeout_timer_.async_wait(
            [self = shared_from_this(), gen = generation_](const error_code& ec) {
                if (ec || gen != self->generation_) return;
                self->on_timeout();
            });
    }

    // Fails every command past its deadline; their slots stay queued, so the replies that may
    // still come are matched and dropped. Linear in the commands in flight, once per firing.
    void on_timeout() {
        timeout_armed_ = clock_type::time_point::max();
        const auto now = clock_type::now();
        auto next = clock_type::time_point::max();
        std::vector<std::pair<reply_callback, std::chrono::milliseconds>> expired;
        bool any = false;
        bool health_timed_out = false;
        std::chrono::milliseconds first{0};
        for (pending_entry& e : pending_) {
            if (e.timed_out || e.deadline == clock_type::time_point::max()) continue;
            if (e.deadline > now) {
                next = std::min(next, e.deadline);
                continue;
            }
            e.timed_out = true;
            if (e.is_health_check) {
                health_timed_out = true;
                continue;
            }
            if (!any) first = e.timeout;
            any = true;
            if (e.callback) expired.emplace_back(std::move(e.callback), e.timeout);
        }
        if (next != clock_type::time_point::max()) arm_timeout(next);
        const std::uint64_t gen = generation_;
        for (auto& [callback, timeout] : expired) {
            if (destroyed_) return;
            callback(client_error(error_timeout, "no reply within " + millis(timeout)));
        }
        if (gen != generation_ || state_ == connection_state::closed) return;
        if (health_timed_out) {
            fail_connection("health check: no answer to PING within " +
                            millis(health_check_timeout()));
        } else if (any && options_.reconnect_on_timeout) {
            fail_connection("a command got no reply within " + millis(first));
        }
    }

    std::chrono::milliseconds health_check_timeout() const {
        return options_.command_timeout.count() > 0 ? options_.command_timeout
                                                    : options_.health_check_interval;
    }

    void arm_health_check() {
        if (options_.health_check_interval.count() <= 0) return;
        health_timer_.expires_after(options_.health_check_interval);
        health_timer_.async_wait(
            [self = shared_from_this(), gen = generation_](const error_code& ec) {
                if (ec || gen != self->generation_) return;
                self->on_health_check();
            });
    }

    // One PING at a time; in subscriber mode Redis answers ["pong", ""], which reaches the
    // entry like any reply that is neither a message nor a confirmation.
    void on_health_check() {
        if (!health_check_pending_ && state_ == connection_state::connected) {
            health_check_pending_ = true;
            pending_entry e;
            e.is_health_check = true;
            set_deadline(e, health_check_timeout());
            const std::array<std::string_view, 1> args{"PING"};
            enqueue(args, nullptr, std::move(e));
        }
        arm_health_check();
    }

    // --- callbacks posted rather than run inline --------------------------------------------

    void defer(reply_callback callback, reply r) {
        if (!callback) return;
        deferred_.emplace_back(std::move(callback), std::move(r));
        if (deferred_posted_) return;
        deferred_posted_ = true;
        asio::post(context_, [self = shared_from_this()] { self->run_deferred(); });
    }

    void run_deferred() {
        deferred_posted_ = false;
        auto batch = std::exchange(deferred_, {});
        for (auto& [callback, r] : batch) {
            if (destroyed_) return;
            callback(std::move(r));
        }
    }

    asio::io_context& context_;
    connection_options options_;
    tcp::resolver resolver_;
    tcp::socket socket_;
    asio::steady_timer connect_timer_;
    asio::steady_timer retry_timer_;
    asio::steady_timer timeout_timer_;
    asio::steady_timer health_timer_;
    bool health_check_pending_ = false;
    clock_type::time_point timeout_armed_ = clock_type::time_point::max();
    detail::backoff backoff_;
    resp_parser parser_;
    std::vector<char> read_buffer_;

    connection_state state_ = connection_state::idle;
    std::uint64_t generation_ = 0;
    bool socket_up_ = false;
    bool destroyed_ = false;
    std::size_t login_remaining_ = 0;
    std::deque<pending_entry> pending_;

    // Commands encoded and waiting for the socket; one write in flight at a time.
    detail::write_buffer output_;
    std::vector<asio::const_buffer> write_buffers_;
    bool write_in_flight_ = false;
    bool flush_posted_ = false;

    std::vector<std::pair<reply_callback, reply>> deferred_;
    bool deferred_posted_ = false;

    std::array<std::set<std::string>, 3> subscriptions_;
};

redis_connection::redis_connection(asio::io_context& context, connection_options options)
    : impl_(std::make_shared<impl>(context, std::move(options))) {}

redis_connection::~redis_connection() { impl_->destroy(); }

void redis_connection::start() { impl_->start(); }
void redis_connection::close() { impl_->close(); }
connection_state redis_connection::state() const noexcept { return impl_->state(); }
std::size_t redis_connection::pending() const noexcept { return impl_->pending(); }
std::size_t redis_connection::buffered_bytes() const noexcept { return impl_->buffered_bytes(); }
const connection_options& redis_connection::options() const noexcept { return impl_->options(); }

void redis_connection::command(std::initializer_list<std::string_view> args,
                               reply_callback callback, std::chrono::milliseconds timeout) {
    impl_->command(std::span<const std::string_view>(args.begin(), args.size()), nullptr,
                   std::move(callback), timeout);
}

void redis_connection::command(std::span<const std::string_view> args, reply_callback callback,
                               std::chrono::milliseconds timeout) {
    impl_->command(args, nullptr, std::move(callback), timeout);
}

void redis_connection::command(std::vector<std::string> args, reply_callback callback,
                               std::chrono::milliseconds timeout) {
    const std::vector<std::string_view> views(args.begin(), args.end());
    impl_->command(views, &args, std::move(callback), timeout);
}

void redis_connection::subscribe(std::string channel, reply_callback done) {
    impl_->change_subscription(pubsub_kind::message, true, std::move(channel), std::move(done));
}
void redis_connection::unsubscribe(std::string channel, reply_callback done) {
    impl_->change_subscription(pubsub_kind::message, false, std::move(channel), std::move(done));
}
void redis_connection::psubscribe(std::string pattern, reply_callback done) {
    impl_->change_subscription(pubsub_kind::pmessage, true, std::move(pattern), std::move(done));
}
void redis_connection::punsubscribe(std::string pattern, reply_callback done) {
    impl_->change_subscription(pubsub_kind::pmessage, false, std::move(pattern), std::move(done));
}
void redis_connection::ssubscribe(std::string channel, reply_callback done) {
    impl_->change_subscription(pubsub_kind::smessage, true, std::move(channel), std::move(done));
}
void redis_connection::sunsubscribe(std::string channel, reply_callback done) {
    impl_->change_subscription(pubsub_kind::smessage, false, std::move(channel), std::move(done));
}

std::vector<std::string> redis_connection::subscriptions(pubsub_kind kind) const {
    return impl_->subscriptions(kind);
}

}  // namespace sb::broker::redis
