#pragma once
// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
// ASCII runs are checked eight bytes at a time: almost every Pusher frame is ASCII JSON.

#include <string_view>

namespace sb::protocol::websocket {

[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace sb::protocol::websocket
