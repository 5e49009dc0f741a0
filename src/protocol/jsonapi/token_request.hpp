#pragma once
// The body of POST /v1/realtime/tokens (docs/protocol.md "Connection tokens").

#include "protocol/jsonapi/document.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sb::protocol::jsonapi {

struct token_request {
    std::string user_id;
    std::string user_info_json = "null";
    std::vector<std::string> channels;
    std::uint64_t expires_in_s = 3600;
    std::vector<error> errors;  // empty when valid
};

inline constexpr std::uint64_t max_token_lifetime_s = 24 * 3600;
inline constexpr std::size_t max_token_channels = 100;

[[nodiscard]] token_request parse_token_request(std::string_view body, std::size_t max_user_info_size);

}  // namespace sb::protocol::jsonapi
