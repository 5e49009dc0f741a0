#pragma once
// The server side of the RFC 6455 opening handshake (section 4.2), once Beast has parsed the HTTP
// request. Pure functions.

#include <string>
#include <string_view>

namespace sb::protocol::websocket {

// True when the Sec-WebSocket-Key is base64 of exactly 16 bytes.
[[nodiscard]] bool is_valid_client_key(std::string_view key);

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
[[nodiscard]] std::string accept_key(std::string_view client_key);

// The complete "101 Switching Protocols" response for that key.
[[nodiscard]] std::string upgrade_response(std::string_view client_key);

}  // namespace sb::protocol::websocket
