#include "api/client.hpp"

#include "core/channel_name.hpp"
#include "core/clock.hpp"
#include "protocol/pusher/auth.hpp"
#include "protocol/pusher/server_events.hpp"

#include <algorithm>

namespace sb::api {

namespace pusher = protocol::pusher;
namespace errors = protocol::pusher::errors;

client::client(net::shard& home, boost::asio::ip::tcp::socket socket, const net::ws_limits& limits, hub& h,
               connect_request request, core::socket_id id)
    : net::ws_connection(home, std::move(socket), limits),
      hub_(h),
      tenant_(request.tenant),
      refusal_(request.refusal),
      id_(id),
      socket_id_text_(id.to_string()) {}

client::~client() = default;

void client::on_open() {
    if (refusal_) return refuse(*refusal_);
    if (!tenant_) return refuse(errors::app_not_found);
    if (!tenant_->config.enabled) return refuse(errors::app_disabled);
    const auto now_count = tenant_->runtime->connections.fetch_add(1, std::memory_order_relaxed) + 1;
    counted_in_tenant_ = true;
    if (tenant_->limits.max_connections && now_count > static_cast<std::int64_t>(*tenant_->limits.max_connections))
        return refuse(errors::over_connection_quota);
    if (!hub_.admit_connection()) return refuse(errors::over_capacity);
    counted_in_server_ = true;
    send_text(pusher::connection_established(socket_id_text_, hub_.options().activity_timeout_s));
}

void client::refuse(const pusher::error_code& code, std::string_view message) {
    const std::string_view text = message.empty() ? code.message : message;
    send_error(code, text);
    close(code.code, text);
}

void client::send_error(const pusher::error_code& code, std::string_view message) {
    send_text(pusher::error_event(code.code, message.empty() ? code.message : message));
}

void client::subscription_error(std::string_view channel, std::string_view type, std::string_view error,
                                int status) {
    send_text(pusher::subscription_error(channel, type, error, status));
}

void client::on_text(std::string_view message) {
    ping_sent_ms_ = 0;
    auto command = pusher::parse_client_message(message, hub_.options().max_message_size);
    std::visit(
        [this](auto&& cmd) {
            using T = std::decay_t<decltype(cmd)>;
            if constexpr (std::is_same_v<T, pusher::ping_command>) {
                send_text(pusher::pong_event());
            } else if constexpr (std::is_same_v<T, pusher::pong_command>) {
                // Activity was recorded when the frame arrived.
            } else if constexpr (std::is_same_v<T, pusher::invalid_message>) {
                send_error(errors::invalid_message, cmd.reason);
            } else {
                on_command(std::move(cmd));
            }
        },
        std::move(command));
}

client::subscription* client::find_subscription(std::string_view name) noexcept {
    for (auto& s : subscriptions_)
        if (s.name == name) return &s;
    return nullptr;
}

void client::erase_subscription(std::string_view name) noexcept {
    std::erase_if(subscriptions_, [&](const subscription& s) { return s.name == name; });
}

void client::move_slot(const void* channel, std::uint32_t slot) noexcept {
    for (auto& s : subscriptions_)
        if (s.active && s.where.channel == channel) {
            s.where.slot = slot;
            return;
        }
}

void client::on_command(pusher::subscribe_command&& cmd) {
    const auto cls = core::classify_channel(cmd.channel);
    if (!cls.valid()) return subscription_error(cmd.channel, "InvalidChannel", core::describe(cls.error), 400);
    const core::channel_key key{tenant_->index, cmd.channel};
    const bool presence = cls.traits.kind == core::channel_kind::presence_channel;

    if (subscription* existing = find_subscription(cmd.channel)) {
        if (!existing->active) return;  // the first request is still being answered
        if (!presence) return send_text(pusher::subscription_succeeded(cmd.channel));
        std::weak_ptr<client> weak = std::static_pointer_cast<client>(shared_from_this());
        hub_.presence_snapshot(key, [weak](std::string text) {
            if (auto self = weak.lock(); self && !text.empty()) self->send_text(text);
        });
        return;
    }
    if (subscriptions_.size() >= hub_.options().max_subscriptions_per_connection)
        return subscription_error(cmd.channel, "LimitReached",
                                  "this connection has reached its limit of subscriptions", 403);

    const auto& app = tenant_->config;
    std::string user_id;
    std::string user_info = "null";
    switch (cls.traits.kind) {
        case core::channel_kind::public_channel:
            break;
        case core::channel_kind::server_to_user:
            if (user_id_.empty() || core::server_to_user_id(cmd.channel) != user_id_)
                return subscription_error(cmd.channel, "AuthError",
                                          "only the signed-in user may subscribe to their #server-to-user channel", 401);
            break;
        case core::channel_kind::private_channel:
        case core::channel_kind::encrypted_channel:
            if (!pusher::verify(cmd.auth, app.key, app.secret,
                                pusher::channel_string_to_sign(socket_id_text_, cmd.channel, std::nullopt)))
                return subscription_error(cmd.channel, "AuthError", "Invalid signature", 401);
            break;
        case core::channel_kind::presence_channel: {
            if (!pusher::verify(cmd.auth, app.key, app.secret,
                                pusher::channel_string_to_sign(socket_id_text_, cmd.channel, cmd.channel_data)))
                return subscription_error(cmd.channel, "AuthError", "Invalid signature", 401);
            auto member = pusher::parse_presence_data(cmd.channel_data.value_or(""), hub_.options().max_user_info_size);
            if (!member.member) return subscription_error(cmd.channel, "InvalidChannelData", member.error, 400);
            user_id = std::move(member.member->user_id);
            user_info = std::move(member.member->user_info_json);
            break;
        }
    }

    const std::uint32_t generation = ++next_generation_;
    subscriptions_.push_back(subscription{cmd.channel, user_id, {}, generation, false});

    subscribe_request request;
    request.key = key;
    request.presence = presence;
    request.cache = cls.traits.cache;
    request.user_id = user_id;
    request.user_info = std::move(user_info);
    request.socket = id_;
    std::weak_ptr<client> weak = std::static_pointer_cast<client>(shared_from_this());
    hub* h = &hub_;
    hub_.subscribe(std::move(request), [weak, h, key, generation, user_id, presence,
                                        cache = cls.traits.cache](subscribe_result result) {
        auto self = weak.lock();
        subscription* sub = self ? self->find_subscription(key.name) : nullptr;
        if (!sub || sub->generation != generation || sub->active) {
            // The client left or unsubscribed while the home shard answered: undo the join.
            if (result.outcome == subscribe_result::status::ok) h->leave(key, user_id);
            return;
        }
        if (result.outcome != subscribe_result::status::ok) {
            self->erase_subscription(key.name);
            const bool full = result.outcome == subscribe_result::status::presence_full;
            return self->subscription_error(key.name, "LimitReached",
                                            full ? "presence channel is full" : "the app has reached its channel limit",
                                            403);
        }
        sub->active = true;
        sub->where = h->attach(*self, key);
        self->send_text(presence ? result.presence_snapshot : pusher::subscription_succeeded(key.name));
        if (cache) self->send_text(result.cached_frame ? *result.cached_frame : pusher::cache_miss(key.name));
    });
}

void client::on_command(pusher::unsubscribe_command&& cmd) {
    subscription* sub = find_subscription(cmd.channel);
    if (!sub) return;
    if (sub->active) hub_.detach(*this, sub->where, sub->presence_user_id);
    erase_subscription(cmd.channel);
}

void client::on_command(pusher::signin_command&& cmd) {
    const auto& app = tenant_->config;
    if (!pusher::verify(cmd.auth, app.key, app.secret, pusher::user_string_to_sign(socket_id_text_, cmd.user_data)))
        return refuse(errors::unauthorized, "Invalid signin signature");
    auto parsed = pusher::parse_signin_user_data(cmd.user_data);
    if (!parsed.user) return refuse(errors::unauthorized, parsed.error);
    if (!user_id_.empty() && user_id_ != parsed.user->id)
        return send_error(errors::invalid_message, "this connection is already signed in as another user");
    if (user_id_.empty()) {
        user_id_ = parsed.user->id;
        hub_.add_user(*this, tenant_->index, user_id_);
    }
    send_text(pusher::signin_success(cmd.user_data));
}

void client::on_command(pusher::channel_event_command&& cmd) {
    if (cmd.event.rfind("client-", 0) != 0)
        return send_error(errors::invalid_message, "event names sent by clients must start with client-");
    if (!tenant_->config.client_events)
        return send_error(errors::invalid_message, "Client events are disabled for this app");
    const auto cls = core::classify_channel(cmd.channel);
    if (!cls.valid()) return send_error(errors::invalid_message, core::describe(cls.error));
    if (cls.traits.kind == core::channel_kind::encrypted_channel)
        return send_error(errors::invalid_message, "Client events are not supported on encrypted channels");
    if (!core::allows_client_events(cls.traits.kind))
        return send_error(errors::invalid_message,
                          "Client event rejected - only supported on private and presence channels");
    subscription* sub = find_subscription(cmd.channel);
    if (!sub || !sub->active)
        return send_error(errors::invalid_message, "Client event rejected - not subscribed to " + cmd.channel);
    const std::uint64_t now = core::steady_clock_ms();
    if (!client_events_.try_take(now, hub_.options().client_event_rate))
        return refuse(errors::client_event_rate_limit);
    if (tenant_->limits.max_messages_per_second &&
        !tenant_->runtime->messages.try_acquire(now, *tenant_->limits.max_messages_per_second))
        return send_error(errors::client_event_rate_limit, "The app is over its messages per second limit");
    publication pub;
    pub.tenant = tenant_;
    pub.channel = std::move(cmd.channel);
    pub.event = std::move(cmd.event);
    pub.data = std::move(cmd.data);
    pub.exclude = id_;
    if (cls.traits.kind == core::channel_kind::presence_channel) pub.user_id = sub->presence_user_id;
    hub_.publish(std::move(pub), {});
}

void client::on_detach() {
    for (auto& s : subscriptions_)
        if (s.active) hub_.detach(*this, s.where, s.presence_user_id);
    subscriptions_.clear();
    if (!user_id_.empty()) hub_.remove_user(*this, tenant_->index, user_id_);
    if (counted_in_tenant_) tenant_->runtime->connections.fetch_sub(1, std::memory_order_relaxed);
    if (counted_in_server_) hub_.release_connection();
    counted_in_tenant_ = counted_in_server_ = false;
}

void client::on_tick(std::uint64_t now_ms) {
    const auto& opt = hub_.options();
    if (ping_sent_ms_ != 0) {
        if (last_received_ms() >= ping_sent_ms_) {
            ping_sent_ms_ = 0;
        } else if (now_ms - ping_sent_ms_ >= std::uint64_t{opt.pong_timeout_s} * 1000) {
            return refuse(errors::pong_not_received);
        }
        return;
    }
    if (now_ms - last_received_ms() >= std::uint64_t{opt.activity_timeout_s} * 1000) {
        ping_sent_ms_ = now_ms;
        send_text(pusher::ping_event());
    }
}

}  // namespace sb::api
