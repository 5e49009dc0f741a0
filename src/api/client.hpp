#pragma once
// One Pusher protocol 7 connection (PUSHER.md): connection_established, ping/pong and idle
// timeouts, subscriptions with signature checks, presence, client events with rate limits,
// sign-in, and the errors of protocol/pusher/error_codes.hpp. Built on net::ws_connection; all
// of it runs on the connection's shard.

#include "api/hub.hpp"
#include "core/app.hpp"
#include "core/ids.hpp"
#include "core/rate_window.hpp"
#include "net/ws_connection.hpp"
#include "protocol/pusher/client_message.hpp"
#include "protocol/pusher/error_codes.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sb::api {

// What the upgrade request said, checked before the connection exists.
struct connect_request {
    const core::tenant* tenant = nullptr;  // null: unknown key (4001)
    const protocol::pusher::error_code* refusal = nullptr;  // set: refuse with this code
};

class client final : public net::ws_connection {
public:
    client(net::shard& home, boost::asio::ip::tcp::socket socket, const net::ws_limits& limits, hub& h,
           connect_request request, core::socket_id id);
    ~client() override;

    [[nodiscard]] const core::socket_id& id() const noexcept { return id_; }
    [[nodiscard]] const core::tenant* tenant() const noexcept { return tenant_; }
    [[nodiscard]] const std::string& user_id() const noexcept { return user_id_; }

    // A publication fanned out to this connection.
    void deliver(const net::frame_ref& f) { send(f); }
    // The subscription index moved this client within a channel's subscriber list.
    void move_slot(const void* channel, std::uint32_t slot) noexcept;
    // Sends pusher:error with the code and closes with it.
    void refuse(const protocol::pusher::error_code& code, std::string_view message = {});

protected:
    void on_open() override;
    void on_text(std::string_view message) override;
    void on_detach() override;
    void on_tick(std::uint64_t now_ms) override;

private:
    struct subscription {
        std::string name;
        std::string presence_user_id;
        hub::attachment where;
        std::uint32_t generation = 0;
        bool active = false;  // false while the home shard has not answered
    };

    void on_command(protocol::pusher::subscribe_command&& cmd);
    void on_command(protocol::pusher::unsubscribe_command&& cmd);
    void on_command(protocol::pusher::signin_command&& cmd);
    void on_command(protocol::pusher::channel_event_command&& cmd);
    void send_error(const protocol::pusher::error_code& code, std::string_view message);
    void subscription_error(std::string_view channel, std::string_view type, std::string_view error,
                            int status);
    subscription* find_subscription(std::string_view name) noexcept;
    void erase_subscription(std::string_view name) noexcept;

    hub& hub_;
    const core::tenant* tenant_;
    const protocol::pusher::error_code* refusal_;
    core::socket_id id_;
    std::string socket_id_text_;
    std::string user_id_;  // set by pusher:signin
    std::vector<subscription> subscriptions_;
    core::token_bucket client_events_;
    std::uint64_t ping_sent_ms_ = 0;
    std::uint32_t next_generation_ = 0;
    bool counted_in_tenant_ = false;
    bool counted_in_server_ = false;
};

}  // namespace sb::api
