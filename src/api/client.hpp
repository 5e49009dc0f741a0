#pragma once
// One Pusher protocol 7 connection (PUSHER.md), plus the native extensions of docs/protocol.md
// when the connection declared them: connection_established, ping/pong and idle timeouts,
// subscriptions with signature or token-grant checks, presence, client events with rate limits,
// sign-in, native sends with acknowledgements, presence enter/update/leave, typing. Built on
// net::ws_connection; all of it runs on the connection's shard.

#include "api/hub.hpp"
#include "api/webrtc_signaling.hpp"
#include "core/app.hpp"
#include "core/ids.hpp"
#include "core/rate_window.hpp"
#include "net/ws_connection.hpp"
#include "protocol/pusher/client_message.hpp"
#include "protocol/pusher/error_codes.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::api {

// What the upgrade request said, checked before the connection exists.
struct connect_request {
    const core::tenant* tenant = nullptr;  // null: unknown key (4001), unless a token names the app
    std::string app_id_from_path;          // the path named an app id rather than a key
    const protocol::pusher::error_code* refusal = nullptr;  // set: refuse with this code
    bool native = false;                   // extensions=native
    std::string token;                     // connection token (JWT), may be empty
};

class client final : public net::ws_connection {
public:
    client(net::shard& home, boost::asio::ip::tcp::socket socket, const net::ws_limits& limits, hub& h,
           connect_request request, core::socket_id id);
    ~client() override;

    [[nodiscard]] const core::socket_id& id() const noexcept { return id_; }
    [[nodiscard]] const core::tenant* tenant() const noexcept { return tenant_; }
    [[nodiscard]] const std::string& user_id() const noexcept { return user_id_; }
    [[nodiscard]] bool native() const noexcept { return native_; }

    // A publication fanned out to this connection on `channel` (the subscription index entry).
    // While a subscription recovers missed messages, its live messages wait behind them.
    void deliver(const net::frame_ref& f, const void* channel) {
        if (recovering_ == 0) return send(f);
        deliver_while_recovering(f, channel);
    }
    // The subscription index moved this client within a channel's subscriber list.
    void move_slot(const void* channel, std::uint32_t slot) noexcept;
    // Sends pusher:error with the code and closes with it.
    void refuse(const protocol::pusher::error_code& code, std::string_view message = {},
                std::string_view error = {});

protected:
    void on_open() override;
    void on_text(std::string_view message) override;
    void on_detach() override;
    void on_tick(std::uint64_t now_ms) override;

private:
    struct subscription {
        std::string name;
        std::string member_id;  // the presence member this connection counts for ("" if none)
        hub::attachment where;
        std::uint32_t generation = 0;
        bool active = false;    // false while the home shard has not answered
        bool presence = false;
        bool recovering = false;            // missed messages are being read from the store
        std::vector<net::frame_ref> held;   // live messages that arrived meanwhile
        std::string delivered_up_to;        // newest delivery confirmed, not yet stored
    };
    struct typing_state {
        std::string channel;
        std::string user_name;
        std::uint64_t expires_at_ms = 0;
    };

    bool open_with_token();
    void on_command(protocol::pusher::subscribe_command&& cmd);
    void on_command(protocol::pusher::unsubscribe_command&& cmd);
    void on_command(protocol::pusher::signin_command&& cmd);
    void on_command(protocol::pusher::channel_event_command&& cmd);
    void on_command(protocol::pusher::presence_command&& cmd);
    void on_command(protocol::pusher::typing_command&& cmd);
    void on_command(protocol::pusher::read_command&& cmd);
    void on_command(protocol::pusher::webrtc_command&& cmd);
    void client_event(protocol::pusher::channel_event_command&& cmd);
    void deliver_while_recovering(const net::frame_ref& f, const void* channel);
    void recover_from_storage(const std::string& channel, std::uint64_t after, std::uint64_t upto,
                              const std::string& epoch);
    void native_send(protocol::pusher::channel_event_command&& cmd);
    void send_typing(const std::string& channel, bool typing, const std::string& user_name);
    void stop_all_typing();
    void emit_unsubscribed(const subscription& sub);
    void store_deliveries();
    void send_error(const protocol::pusher::error_code& code, std::string_view message);
    void nack(std::string_view channel, std::string_view ack, std::string_view code, int status,
              std::string_view detail);
    void subscription_error(std::string_view channel, std::string_view type, std::string_view error,
                            int status);
    [[nodiscard]] bool over_app_message_rate();
    subscription* find_subscription(std::string_view name) noexcept;
    void erase_subscription(std::string_view name) noexcept;
    void sign_in_as(const std::string& user_id);

    hub& hub_;
    const core::tenant* tenant_;
    std::string app_id_from_path_;
    const protocol::pusher::error_code* refusal_;
    core::socket_id id_;
    std::string socket_id_text_;
    std::string user_id_;    // from pusher:signin or the connection token
    std::string user_info_;  // the token's user_info (JSON), presence data for granted channels
    std::string token_;      // verified on open, then cleared
    std::vector<std::string> grants_;  // channel patterns of the token
    bool has_token_ = false;
    bool native_ = false;
    std::vector<subscription> subscriptions_;
    std::vector<typing_state> typing_;
    std::vector<webrtc_membership> webrtc_rooms_;  // WebRTC rooms joined through this connection
    core::token_bucket client_events_;
    std::uint64_t ping_sent_ms_ = 0;
    std::uint32_t next_generation_ = 0;
    std::uint32_t recovering_ = 0;  // subscriptions holding live messages back
    bool counted_in_tenant_ = false;
    bool counted_in_server_ = false;
    bool user_registered_ = false;
};

}  // namespace sb::api
