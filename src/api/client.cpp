#include "api/client.hpp"

#include "api/receipts.hpp"
#include "core/channel_grant.hpp"
#include "core/channel_name.hpp"
#include "core/clock.hpp"
#include "protocol/pusher/auth.hpp"
#include "protocol/pusher/server_events.hpp"
#include "history/storage_runner.hpp"
#include "net/shard.hpp"
#include "protocol/token/connection_token.hpp"
#include "webhooks/event_sink.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace sb::api {

namespace pusher = protocol::pusher;
namespace errors = protocol::pusher::errors;

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Events only the server sends; native clients may not send them as messages.
bool reserved_event(std::string_view event) {
    return starts_with(event, "presence:") || starts_with(event, "typing:") || event == "message:read" ||
           starts_with(event, "switchboard:");
}

}  // namespace

client::client(net::shard& home, boost::asio::ip::tcp::socket socket, const net::ws_limits& limits, hub& h,
               connect_request request, core::socket_id id)
    : net::ws_connection(home, std::move(socket), limits),
      hub_(h),
      tenant_(request.tenant),
      app_id_from_path_(std::move(request.app_id_from_path)),
      refusal_(request.refusal),
      id_(id),
      socket_id_text_(id.to_string()),
      token_(std::move(request.token)),
      native_(request.native) {}

client::~client() = default;

void client::on_open() {
    if (refusal_) return refuse(*refusal_);
    if (!token_.empty() && !open_with_token()) return;
    if (!tenant_) return refuse(errors::app_not_found);
    if (!tenant_->config.enabled) return refuse(errors::app_disabled);
    const auto now_count = tenant_->runtime->connections.fetch_add(1, std::memory_order_relaxed) + 1;
    counted_in_tenant_ = true;
    if (tenant_->limits.max_connections &&
        now_count + hub_.remote_connections(tenant_->index) >
            static_cast<std::int64_t>(*tenant_->limits.max_connections))
        return refuse(errors::over_connection_quota);
    if (!hub_.admit_connection()) return refuse(errors::over_capacity);
    counted_in_server_ = true;
    if (has_token_) sign_in_as(user_id_);
    if (native_)
        send_text(pusher::connection_established_native(socket_id_text_, hub_.options().activity_timeout_s, user_id_));
    else
        send_text(pusher::connection_established(socket_id_text_, hub_.options().activity_timeout_s));
}

// Verifies the connection token: with the key's tenant when the path named a key, or with the
// tenant the token names (iss + env) when the path named the app id.
bool client::open_with_token() {
    const std::string token = std::move(token_);
    token_.clear();
    auto peeked = protocol::token::peek(token);
    if (!tenant_ && peeked && peeked->app_id == app_id_from_path_) {
        const auto env = peeked->environment == "staging" ? core::environment::staging : core::environment::production;
        tenant_ = hub_.apps().find(peeked->app_id, env);
    }
    if (!tenant_) {
        refuse(errors::app_not_found);
        return false;
    }
    const auto now_s = core::wall_clock_ms() / 1000;
    auto verified = protocol::token::verify(token, tenant_->config.secret, now_s);
    std::string problem;
    if (!verified.token)
        problem = std::string(protocol::token::describe(verified.error));
    else if (verified.token->app_id != tenant_->config.id)
        problem = "token was issued for another app";
    else if (!verified.token->environment.empty() &&
             verified.token->environment != core::to_string(tenant_->env))
        problem = "token was issued for the " + verified.token->environment + " environment";
    if (!problem.empty()) {
        refuse(errors::unauthorized, "invalid_token: " + problem, "invalid_token");
        return false;
    }
    has_token_ = true;
    user_id_ = verified.token->user_id;
    user_info_ = verified.token->user_info_json;
    grants_ = std::move(verified.token->channels);
    return true;
}

void client::sign_in_as(const std::string& user_id) {
    if (user_registered_) return;
    user_id_ = user_id;
    hub_.add_user(*this, tenant_->index, user_id_);
    user_registered_ = true;
}

void client::refuse(const pusher::error_code& code, std::string_view message, std::string_view error) {
    const std::string_view text = message.empty() ? code.message : message;
    send_text(pusher::error_event(code.code, text, error));
    close(code.code, text.substr(0, 120));
}

void client::send_error(const pusher::error_code& code, std::string_view message) {
    send_text(pusher::error_event(code.code, message.empty() ? code.message : message));
}

void client::nack(std::string_view channel, std::string_view ack, std::string_view code, int status,
                  std::string_view detail) {
    if (ack.empty()) {
        send_error(errors::invalid_message, std::string(code) + ": " + std::string(detail));
        return;
    }
    send_text(pusher::nack_event(channel, ack, code, status, detail));
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
    std::string member_id;
    std::string member_info = "null";
    const bool granted = has_token_ && core::matches_any_grant(grants_, cmd.channel);
    bool signed_ok = false;
    if (!cmd.auth.empty()) {
        const auto data = presence ? cmd.channel_data : std::nullopt;
        signed_ok = pusher::verify(cmd.auth, app.key, app.secret,
                                   pusher::channel_string_to_sign(socket_id_text_, cmd.channel, data));
    }
    switch (cls.traits.kind) {
        case core::channel_kind::server_to_user:
            if (user_id_.empty() || core::server_to_user_id(cmd.channel) != user_id_)
                return subscription_error(cmd.channel, "AuthError",
                                          "only the signed-in user may subscribe to their #server-to-user channel", 401);
            break;
        case core::channel_kind::public_channel:
            if (has_token_ && !granted)
                return subscription_error(cmd.channel, "AuthError", "unauthorized_channel", 401);
            break;
        case core::channel_kind::private_channel:
        case core::channel_kind::encrypted_channel:
            if (!granted && !signed_ok)
                return subscription_error(cmd.channel, "AuthError",
                                          has_token_ ? "unauthorized_channel" : "Invalid signature", 401);
            break;
        case core::channel_kind::presence_channel:
            if (signed_ok) {
                auto member = pusher::parse_presence_data(cmd.channel_data.value_or(""), hub_.options().max_user_info_size);
                if (!member.member) return subscription_error(cmd.channel, "InvalidChannelData", member.error, 400);
                member_id = std::move(member.member->user_id);
                member_info = std::move(member.member->user_info_json);
            } else if (granted) {
                member_id = user_id_;
                member_info = user_info_;
                if (member_info.size() > hub_.options().max_user_info_size)
                    return subscription_error(cmd.channel, "InvalidChannelData", "the token's user_info is too large", 400);
            } else {
                return subscription_error(cmd.channel, "AuthError",
                                          has_token_ ? "unauthorized_channel" : "Invalid signature", 401);
            }
            break;
    }

    const std::uint32_t generation = ++next_generation_;
    subscriptions_.push_back(subscription{cmd.channel, member_id, {}, generation, false, presence});

    subscribe_request request;
    request.key = key;
    request.presence = presence;
    request.cache = cls.traits.cache;
    request.native = native_;
    request.user_id = member_id;
    request.user_info = std::move(member_info);
    request.socket = id_;
    if (native_) request.recover = cmd.recover;
    const std::uint64_t recover_after = cmd.recover ? cmd.recover->offset : 0;
    std::weak_ptr<client> weak = std::static_pointer_cast<client>(shared_from_this());
    hub* h = &hub_;
    const bool native = native_;
    hub_.subscribe(std::move(request), [weak, h, key, generation, member_id, presence, native, recover_after,
                                        cache = cls.traits.cache](subscribe_result result) {
        auto self = weak.lock();
        subscription* sub = self ? self->find_subscription(key.name) : nullptr;
        if (!sub || sub->generation != generation || sub->active) {
            // The client left or unsubscribed while the home shard answered: undo the join.
            if (result.outcome == subscribe_result::status::ok) h->leave(key, native, member_id);
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
        sub->where = h->attach(*self, key, native);

        if (h->wants(*self->tenant_, webhooks::event_kind::channel_subscribed)) {
            webhooks::channel_event e;
            e.kind = webhooks::event_kind::channel_subscribed;
            e.channel = key.name;
            e.user_id = member_id.empty() ? self->user_id_ : member_id;
            e.socket_id = self->socket_id_text_;
            h->emit(*self->tenant_, std::move(e));
        }
        self->send_text(presence ? result.presence_snapshot : pusher::subscription_succeeded(key.name));
        if (native) {
            const core::tenant& t = *self->tenant_;
            const bool history = h->keeps_history(t, key.name);
            self->send_text(pusher::channel_features_event(
                key.name, history,
                history && core::matches_any_grant(t.config.delivery_receipt_channels, key.name)));
        }
        if (presence && native) self->send_text(result.presence_sync);
        for (const auto& text : result.member_events) self->send_text(text);
        if (cache) {
            if (result.cached_frame) {
                self->send_text(*result.cached_frame);
            } else {
                self->send_text(pusher::cache_miss(key.name));
                webhooks::channel_event e;
                e.kind = webhooks::event_kind::cache_miss;
                e.channel = key.name;
                e.socket_id = self->socket_id_text_;
                h->emit(*self->tenant_, std::move(e));
            }
        }
        switch (result.recover) {
            case recovery::none:
                break;
            case recovery::from_memory:
                for (const auto& text : result.missed) self->send_text(text);
                self->send_text(pusher::recovered_event(key.name, true, result.offset, result.epoch));
                break;
            case recovery::impossible:
                self->send_text(pusher::recovered_event(key.name, false, result.offset, result.epoch));
                break;
            case recovery::from_storage:
                sub->recovering = true;
                ++self->recovering_;
                self->recover_from_storage(key.name, recover_after, result.offset, result.epoch);
                break;
        }
    });
}

void client::deliver_while_recovering(const net::frame_ref& f, const void* channel) {
    for (auto& s : subscriptions_)
        if (s.active && s.where.channel == channel) {
            if (!s.recovering) break;
            s.held.push_back(f);
            return;
        }
    send(f);
}

// Reads offsets (after, upto] from the store, sends them, then what arrived live meanwhile.
void client::recover_from_storage(const std::string& channel, std::uint64_t after, std::uint64_t upto,
                                  const std::string& epoch) {
    constexpr std::uint64_t max_recovered = 1000;  // beyond this, history pages are the way
    std::weak_ptr<client> weak = std::static_pointer_cast<client>(shared_from_this());
    net::shard* home_shard = &home();
    const std::string tenant = hub::storage_tenant(*tenant_);
    auto finish = [weak, channel, upto, epoch](bool ok, std::vector<storage::message_record> messages) {
        auto self = weak.lock();
        if (!self) return;
        subscription* sub = self->find_subscription(channel);
        if (!sub || !sub->recovering) return;
        if (ok)
            for (const auto& m : messages)
                self->send_text(pusher::native_channel_event(
                    m.event, channel, m.data, pusher::message_meta{m.id, m.offset, epoch, m.user_id, m.created_at_ms}));
        self->send_text(pusher::recovered_event(channel, ok, upto, epoch));
        for (const auto& f : sub->held) self->send(f);
        sub->held.clear();
        sub->recovering = false;
        --self->recovering_;
    };
    if (upto - after > max_recovered) return finish(false, {});
    hub_.history()->read([home_shard, tenant, channel, after, upto, finish](storage::connection& conn) mutable {
        // Messages not yet committed by the writer appear within milliseconds: look twice more.
        std::vector<storage::message_record> messages;
        bool ok = false;
        for (int attempt = 0; attempt < 3 && !ok; ++attempt) {
            if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            messages = conn.since_offset(tenant, channel, after, upto - after);
            ok = messages.size() == upto - after;
            for (std::size_t i = 0; ok && i < messages.size(); ++i) ok = messages[i].offset == after + 1 + i;
        }
        home_shard->post([finish, ok, messages = std::move(messages)]() mutable { finish(ok, std::move(messages)); });
    });
}

void client::on_command(pusher::unsubscribe_command&& cmd) {
    subscription* sub = find_subscription(cmd.channel);
    if (!sub) return;
    if (sub->recovering) --recovering_;
    for (const auto& t : typing_)
        if (t.channel == cmd.channel) {
            send_typing(cmd.channel, false, t.user_name);
            break;
        }
    std::erase_if(typing_, [&](const typing_state& t) { return t.channel == cmd.channel; });
    if (sub->active) {
        hub_.detach(sub->where, sub->member_id);
        emit_unsubscribed(*sub);
    }
    erase_subscription(cmd.channel);
}

void client::emit_unsubscribed(const subscription& sub) {
    if (!hub_.wants(*tenant_, webhooks::event_kind::channel_unsubscribed)) return;
    webhooks::channel_event e;
    e.kind = webhooks::event_kind::channel_unsubscribed;
    e.channel = sub.name;
    e.user_id = sub.member_id.empty() ? user_id_ : sub.member_id;
    e.socket_id = socket_id_text_;
    hub_.emit(*tenant_, std::move(e));
}

void client::on_command(pusher::signin_command&& cmd) {
    const auto& app = tenant_->config;
    if (!pusher::verify(cmd.auth, app.key, app.secret, pusher::user_string_to_sign(socket_id_text_, cmd.user_data)))
        return refuse(errors::unauthorized, "Invalid signin signature");
    auto parsed = pusher::parse_signin_user_data(cmd.user_data);
    if (!parsed.user) return refuse(errors::unauthorized, parsed.error);
    if (user_registered_ && user_id_ != parsed.user->id)
        return send_error(errors::invalid_message, "this connection is already signed in as another user");
    sign_in_as(parsed.user->id);
    send_text(pusher::signin_success(cmd.user_data));
}

bool client::over_app_message_rate() {
    return tenant_->limits.max_messages_per_second &&
           !tenant_->runtime->try_count_messages(core::steady_clock_ms(), *tenant_->limits.max_messages_per_second);
}

void client::on_command(pusher::channel_event_command&& cmd) {
    if (starts_with(cmd.event, "client-")) return client_event(std::move(cmd));
    if (!native_) return send_error(errors::invalid_message, "event names sent by clients must start with client-");
    native_send(std::move(cmd));
}

void client::client_event(pusher::channel_event_command&& cmd) {
    if (cmd.oversized)
        return send_error(errors::invalid_message, "event data is " + std::to_string(cmd.oversized) +
                                                       " bytes; the limit is " +
                                                       std::to_string(hub_.options().max_message_size));
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
    if (!client_events_.try_take(core::steady_clock_ms(), hub_.options().client_event_rate))
        return refuse(errors::client_event_rate_limit);
    if (over_app_message_rate())
        return send_error(errors::client_event_rate_limit, "The app is over its messages per second limit");
    publication pub;
    pub.tenant = tenant_;
    pub.channel = std::move(cmd.channel);
    pub.event = std::move(cmd.event);
    pub.data = std::move(cmd.data);
    pub.exclude = id_;
    pub.storable = false;
    if (cls.traits.kind == core::channel_kind::presence_channel) {
        pub.user_id = sub->member_id;
        pub.user_id_in_pusher_frame = true;
    } else {
        pub.user_id = user_id_;
    }
    hub_.publish(std::move(pub), {});
}

void client::native_send(pusher::channel_event_command&& cmd) {
    if (reserved_event(cmd.event))
        return nack(cmd.channel, cmd.ack, "invalid_request", 400, "event " + cmd.event + " is reserved for the server");
    if (cmd.oversized)
        return nack(cmd.channel, cmd.ack, "payload_too_large", 413,
                    "data is " + std::to_string(cmd.oversized) + " bytes; the limit is " +
                        std::to_string(hub_.options().max_message_size));
    const auto cls = core::classify_channel(cmd.channel);
    if (!cls.valid()) return nack(cmd.channel, cmd.ack, "invalid_channel", 400, core::describe(cls.error));
    subscription* sub = find_subscription(cmd.channel);
    if (!sub || !sub->active)
        return nack(cmd.channel, cmd.ack, "unauthorized_channel", 401, "subscribe to " + cmd.channel + " before sending");
    if (over_app_message_rate())
        return nack(cmd.channel, cmd.ack, "rate_limit_exceeded", 429, "the app is over its messages per second limit");
    publication pub;
    pub.tenant = tenant_;
    pub.channel = cmd.channel;
    pub.event = std::move(cmd.event);
    pub.data = std::move(cmd.data);
    if (!cmd.echo) pub.exclude = id_;
    pub.user_id = sub->member_id.empty() ? user_id_ : sub->member_id;
    pub.idempotency_key = std::move(cmd.idempotency_key);
    pub.storable = pub.event == "message";
    if (cmd.ack.empty()) return hub_.publish(std::move(pub), {});
    std::weak_ptr<client> weak = std::static_pointer_cast<client>(shared_from_this());
    hub_.publish(std::move(pub), [weak, channel = std::move(cmd.channel), ack = std::move(cmd.ack)](publish_result r) {
        if (auto self = weak.lock())
            self->send_text(pusher::ack_event(channel, ack, r.id, r.offset, r.epoch));
    });
}

void client::on_command(pusher::presence_command&& cmd) {
    if (!native_) return send_error(errors::invalid_message, "switchboard: events need extensions=native");
    subscription* sub = find_subscription(cmd.channel);
    if (!sub || !sub->active || !sub->presence)
        return send_error(errors::invalid_message, "switchboard:presence needs a joined presence channel");
    if (cmd.data_json.size() > hub_.options().max_user_info_size)
        return send_error(errors::invalid_message, "presence data is larger than " +
                                                       std::to_string(hub_.options().max_user_info_size) + " bytes");
    presence_change change;
    using action = pusher::presence_command::action;
    const std::string member = sub->member_id.empty() ? user_id_ : sub->member_id;
    if (member.empty())
        return send_error(errors::invalid_message, "presence needs a user: connect with a token or sign in");
    switch (cmd.what) {
        case action::enter:
            change.what = presence_change::kind::enter;
            sub->member_id = member;
            break;
        case action::update:
            if (sub->member_id.empty()) return send_error(errors::invalid_message, "enter presence before updating it");
            change.what = presence_change::kind::update;
            break;
        case action::leave:
            if (sub->member_id.empty()) return;
            change.what = presence_change::kind::leave;
            sub->member_id.clear();
            break;
    }
    change.user_id = member;
    change.info_json = cmd.data_json;
    hub_.change_presence(core::channel_key{tenant_->index, cmd.channel}, std::move(change), [](bool) {});
}

void client::on_command(pusher::typing_command&& cmd) {
    if (!native_) return send_error(errors::invalid_message, "switchboard: events need extensions=native");
    subscription* sub = find_subscription(cmd.channel);
    if (!sub || !sub->active) return send_error(errors::invalid_message, "switchboard:typing needs a joined channel");
    auto it = std::find_if(typing_.begin(), typing_.end(), [&](const typing_state& t) { return t.channel == cmd.channel; });
    const std::uint64_t now = core::steady_clock_ms();
    if (cmd.typing) {
        if (it == typing_.end()) {
            typing_.push_back({cmd.channel, cmd.user_name, now + hub_.options().typing_timeout_ms});
            send_typing(cmd.channel, true, cmd.user_name);
        } else {
            it->expires_at_ms = now + hub_.options().typing_timeout_ms;  // a renewal, not news
        }
    } else if (it != typing_.end()) {
        const std::string name = it->user_name.empty() ? cmd.user_name : it->user_name;
        typing_.erase(it);
        send_typing(cmd.channel, false, name);
    }
}

void client::send_typing(const std::string& channel, bool typing, const std::string& user_name) {
    publication pub;
    pub.tenant = tenant_;
    pub.channel = channel;
    const std::string who = user_id_.empty() ? socket_id_text_ : user_id_;
    pub.event = typing ? "typing:start" : "typing:stop";
    pub.data = pusher::typing_payload(who, user_name);
    pub.to = audience::native_only;
    pub.exclude = id_;
    pub.cacheable = false;
    pub.storable = false;
    pub.user_id = user_id_;
    hub_.publish(std::move(pub), {});
}

void client::stop_all_typing() {
    for (const auto& t : typing_) send_typing(t.channel, false, t.user_name);
    typing_.clear();
}

void client::on_command(pusher::read_command&& cmd) {
    if (!native_) return send_error(errors::invalid_message, "switchboard: events need extensions=native");
    if (user_id_.empty())
        return send_error(errors::invalid_message, "read receipts need a user: connect with a token or sign in");
    subscription* sub = find_subscription(cmd.channel);
    if (!sub || !sub->active) return send_error(errors::invalid_message, "switchboard:read needs a joined channel");
    if (cmd.delivered) {
        // Confirmations arrive for every message; they are stored at most once a second.
        if (!core::matches_any_grant(tenant_->config.delivery_receipt_channels, cmd.channel) ||
            !hub_.keeps_history(*tenant_, cmd.channel))
            return;
        if (cmd.message_id > sub->delivered_up_to) sub->delivered_up_to = std::move(cmd.message_id);
        return;
    }
    std::weak_ptr<client> weak = std::static_pointer_cast<client>(shared_from_this());
    mark_read(hub_, *tenant_, cmd.channel, user_id_, cmd.message_id, [weak, channel = cmd.channel](mark_read_result r) {
        auto self = weak.lock();
        if (!self) return;
        using st = mark_read_result::status;
        if (r.outcome == st::unknown_message)
            self->send_error(errors::invalid_message, "no such message in " + channel);
        else if (r.outcome == st::no_history)
            self->send_error(errors::invalid_message, channel + " keeps no history, so it has no read receipts");
        else if (r.outcome == st::failed)
            self->send_error(errors::invalid_message, "the read receipt could not be stored; retry");
    });
}

void client::on_command(pusher::webrtc_command&& cmd) {
    if (!native_) return send_error(errors::invalid_message, "switchboard: events need extensions=native");
    handle_webrtc_command(*this, hub_, std::move(cmd), webrtc_rooms_);
}

void client::store_deliveries() {
    for (auto& s : subscriptions_) {
        if (s.delivered_up_to.empty()) continue;
        hub_.history()->write([tenant = hub::storage_tenant(*tenant_), channel = s.name, user = user_id_,
                               id = std::move(s.delivered_up_to)](storage::connection& conn) {
            conn.mark_delivered(tenant, channel, user, id, core::wall_clock_ms());
        });
        s.delivered_up_to.clear();
    }
}

void client::on_detach() {
    if (hub_.history() && !user_id_.empty()) store_deliveries();
    stop_all_typing();
    detach_webrtc_rooms(*this, hub_, webrtc_rooms_);
    for (auto& s : subscriptions_)
        if (s.active) {
            hub_.detach(s.where, s.member_id);
            emit_unsubscribed(s);
        }
    subscriptions_.clear();
    recovering_ = 0;
    if (user_registered_) hub_.remove_user(*this, tenant_->index, user_id_);
    user_registered_ = false;
    if (counted_in_tenant_) tenant_->runtime->connections.fetch_sub(1, std::memory_order_relaxed);
    if (counted_in_server_) hub_.release_connection();
    counted_in_tenant_ = counted_in_server_ = false;
}

void client::on_tick(std::uint64_t now_ms) {
    if (hub_.history() && !user_id_.empty()) store_deliveries();
    if (!typing_.empty()) {
        const auto steady = core::steady_clock_ms();
        for (auto it = typing_.begin(); it != typing_.end();) {
            if (it->expires_at_ms <= steady) {
                send_typing(it->channel, false, it->user_name);
                it = typing_.erase(it);
            } else {
                ++it;
            }
        }
    }
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
