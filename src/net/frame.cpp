#include "net/frame.hpp"

#include "protocol/websocket/frame.hpp"

#include <cstring>

namespace sb::net {

namespace ws = protocol::websocket;

namespace {
std::shared_ptr<const frame> make(ws::opcode op, std::string_view payload) {
    const std::size_t header = ws::header_size(payload.size(), false);
    std::string bytes(header + payload.size(), '\0');
    ws::write_header(reinterpret_cast<std::uint8_t*>(bytes.data()), op, payload.size());
    if (!payload.empty()) std::memcpy(bytes.data() + header, payload.data(), payload.size());
    return std::make_shared<const frame>(std::move(bytes), header);
}
}  // namespace

std::shared_ptr<const frame> frame::text(std::string_view payload) {
    return make(ws::opcode::text, payload);
}

std::shared_ptr<const frame> frame::close(std::uint16_t code, std::string_view reason) {
    std::string bytes = ws::encode_close(code, reason, ws::role::server);
    const std::size_t header = ws::header_size(bytes.size() - 2, false);
    return std::make_shared<const frame>(std::move(bytes), header);
}

std::shared_ptr<const frame> frame::pong(std::string_view payload) {
    return make(ws::opcode::pong, payload.substr(0, 125));
}

}  // namespace sb::net
