#pragma once
// Bodies of POST /v1/realtime/publish and /v1/realtime/publish/batch (the seed's "Broadcast
// API"): {"data":{"type":"broadcast","attributes":{"channel","event","data"}}} and
// {"data":{"type":"batch_broadcast","attributes":{"messages":[{channel,event,data},…]}}}.

#include "protocol/jsonapi/document.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::protocol::jsonapi {

struct publish_message {
    std::string channel;
    std::string event;
    std::string data;             // delivered text: a string as is, other JSON serialized
    std::string socket_id;        // optional exclusion, as in the Pusher API
    std::string idempotency_key;  // optional
};

struct publish_request {
    std::vector<publish_message> messages;
    std::vector<error> errors;  // empty when valid
};

inline constexpr std::size_t max_batch_messages = 100;

[[nodiscard]] publish_request parse_publish(std::string_view body, std::size_t max_data_size);
[[nodiscard]] publish_request parse_publish_batch(std::string_view body, std::size_t max_data_size);

}  // namespace sb::protocol::jsonapi
