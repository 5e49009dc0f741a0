#pragma once
// Bodies of the Pusher HTTP API (PUSHER.md 1.12): POST /apps/{id}/events and /batch_events, and
// the `info` attribute lists of the channel queries. Limits follow Pusher: at most 100 channels
// per trigger, 10 events per batch, event names of 200 characters, data of max_data_size bytes.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sb::protocol::pusher {

struct trigger {
    std::string event;
    std::vector<std::string> channels;
    std::string data;       // delivered as is (a non-string JSON value is serialized)
    std::string socket_id;  // excluded from delivery when set
    bool info_subscription_count = false;
    bool info_user_count = false;
};

struct http_api_error {
    int status = 400;  // 400 invalid, 413 too large
    std::string message;
};

struct trigger_result {
    std::vector<trigger> triggers;  // one for /events, up to 10 for /batch_events
    http_api_error error;           // status 0 when the body is valid
    [[nodiscard]] bool ok() const noexcept { return error.status == 0; }
};

inline constexpr std::size_t max_trigger_channels = 100;
inline constexpr std::size_t max_batch_events = 10;

[[nodiscard]] trigger_result parse_trigger(std::string_view body, std::size_t max_data_size);
[[nodiscard]] trigger_result parse_batch(std::string_view body, std::size_t max_data_size);

// "subscription_count,user_count" → flags; unknown attributes are ignored as Pusher does.
struct info_attributes {
    bool subscription_count = false;
    bool user_count = false;
    bool cache = false;
};
[[nodiscard]] info_attributes parse_info(std::string_view info);

}  // namespace sb::protocol::pusher
