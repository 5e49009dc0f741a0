#include "protocol/websocket/handshake.hpp"

#include "crypto/crypto.hpp"

namespace sb::protocol::websocket {
namespace {

// RFC 6455 section 1.3.
constexpr std::string_view accept_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// base64 of 16 bytes: 22 significant characters and two of padding.
constexpr std::size_t client_key_size = 24;
constexpr std::size_t client_key_bytes = 16;

}  // namespace

bool is_valid_client_key(std::string_view key) {
    // The decoder accepts missing padding, but 24 characters that decode to exactly 16 bytes
    // can only be 22 of the alphabet followed by "==".
    if (key.size() != client_key_size) return false;
    const auto decoded = crypto::base64_decode(key);
    return decoded.has_value() && decoded->size() == client_key_bytes;
}

std::string accept_key(std::string_view client_key) {
    std::string input;
    input.reserve(client_key.size() + accept_guid.size());
    input.append(client_key);
    input.append(accept_guid);
    return crypto::base64_encode(crypto::sha1(input));
}

std::string upgrade_response(std::string_view client_key) {
    std::string response =
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: ";
    response += accept_key(client_key);
    response += "\r\n\r\n";
    return response;
}

}  // namespace sb::protocol::websocket
