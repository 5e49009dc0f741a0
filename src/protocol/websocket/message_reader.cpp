#include "protocol/websocket/message_reader.hpp"

#include "protocol/websocket/utf8.hpp"

#include <array>
#include <cstring>

namespace sb::protocol::websocket {
namespace {

constexpr std::size_t max_control_payload = 125;
constexpr std::size_t base_header_size = 2;
constexpr std::size_t mask_size = 4;

struct frame_header {
    bool fin = false;
    bool masked = false;
    opcode op = opcode::text;
    std::size_t size = 0;  // 0 while the header is incomplete
    std::uint64_t payload_size = 0;
    std::array<std::uint8_t, mask_size> mask{};
};

// What the reader's state allows the next frame to be.
struct header_rules {
    role self;
    bool in_message;
    std::size_t payload_room;  // largest data payload the message size limit still allows
};

bool is_control(opcode op) { return (static_cast<std::uint8_t>(op) & 0x8U) != 0; }

bool is_known_opcode(unsigned op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

std::string_view as_text(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

read_event error_event(read_error error) {
    read_event event;
    event.type = read_event::kind::error;
    event.error = error;
    return event;
}

// Reads as much of a frame header as `data` holds and checks each field as soon as its bytes are
// present, so a bad or oversized frame fails on its first bytes instead of after its payload
// (possibly gigabytes) has been waited for. The order of the checks is fixed and each depends only
// on bytes already present, so the outcome does not depend on how the stream was split.
// Returns none with header.size == 0 while the header is incomplete.
read_error parse_header(std::span<const std::uint8_t> data, const header_rules& rules,
                        frame_header& header) {
    if (data.empty()) return read_error::none;
    const unsigned first = data[0];
    if ((first & 0x70U) != 0) return read_error::reserved_bits;
    if (!is_known_opcode(first & 0x0FU)) return read_error::unknown_opcode;
    header.fin = (first & 0x80U) != 0;
    header.op = static_cast<opcode>(first & 0x0FU);
    const bool control = is_control(header.op);
    if (control && !header.fin) return read_error::fragmented_control_frame;
    if (header.op == opcode::continuation && !rules.in_message) {
        return read_error::unexpected_continuation;
    }
    if (!control && header.op != opcode::continuation && rules.in_message) {
        return read_error::expected_continuation;
    }

    if (data.size() < base_header_size) return read_error::none;
    const unsigned second = data[1];
    header.masked = (second & 0x80U) != 0;
    if (rules.self == role::server && !header.masked) return read_error::mask_required;
    if (rules.self == role::client && header.masked) return read_error::mask_forbidden;
    const unsigned length_code = second & 0x7FU;
    if (control && length_code > max_control_payload) return read_error::control_frame_too_long;

    std::size_t length_bytes = 0;
    if (length_code == 126) length_bytes = 2;
    if (length_code == 127) length_bytes = 8;
    if (data.size() < base_header_size + length_bytes) return read_error::none;
    std::uint64_t length = length_code;
    if (length_bytes != 0) {
        length = 0;
        for (std::size_t i = 0; i < length_bytes; ++i) length = (length << 8) | data[2 + i];
        if (length_bytes == 8 && (length >> 63) != 0) return read_error::length_overflow;
    }
    if (!control && length > rules.payload_room) return read_error::message_too_big;

    const std::size_t size = base_header_size + length_bytes + (header.masked ? mask_size : 0);
    if (data.size() < size) return read_error::none;
    if (header.masked) std::memcpy(header.mask.data(), data.data() + size - mask_size, mask_size);
    header.payload_size = length;
    header.size = size;
    return read_error::none;
}

// Ping, pong or close, from a complete and unmasked control frame payload.
read_event control_event(opcode op, std::span<const std::uint8_t> payload) {
    read_event event;
    if (op == opcode::ping || op == opcode::pong) {
        event.type = op == opcode::ping ? read_event::kind::ping : read_event::kind::pong;
        event.payload = as_text(payload);
        return event;
    }
    event.type = read_event::kind::close;
    if (payload.empty()) return event;  // close_code stays no_status
    if (payload.size() == 1) return error_event(read_error::invalid_close_payload);
    const auto code = static_cast<std::uint16_t>((unsigned{payload[0]} << 8) | payload[1]);
    if (!is_valid_close_code(code)) return error_event(read_error::invalid_close_payload);
    const std::string_view reason = as_text(payload.subspan(2));
    if (!is_valid_utf8(reason)) return error_event(read_error::invalid_utf8);
    event.close_code = code;
    event.payload = reason;
    return event;
}

read_event message_event(opcode op, std::string_view payload) {
    read_event event;
    event.type = read_event::kind::message;
    event.op = op;
    event.payload = payload;
    return event;
}

}  // namespace

std::uint16_t close_code_for(read_error error) {
    switch (error) {
        case read_error::none:
            return close_code::normal;
        case read_error::message_too_big:
            return close_code::too_big;
        case read_error::invalid_utf8:
            return close_code::invalid_payload;
        default:
            return close_code::protocol_error;
    }
}

std::string_view describe(read_error error) {
    switch (error) {
        case read_error::none:
            return "no error";
        case read_error::reserved_bits:
            return "reserved bits set";
        case read_error::unknown_opcode:
            return "unknown opcode";
        case read_error::mask_required:
            return "client frame not masked";
        case read_error::mask_forbidden:
            return "server frame masked";
        case read_error::control_frame_too_long:
            return "control frame over 125 bytes";
        case read_error::fragmented_control_frame:
            return "fragmented control frame";
        case read_error::unexpected_continuation:
            return "continuation without a message";
        case read_error::expected_continuation:
            return "new message inside a fragmented message";
        case read_error::length_overflow:
            return "frame length out of range";
        case read_error::message_too_big:
            return "message too big";
        case read_error::invalid_utf8:
            return "invalid UTF-8";
        case read_error::invalid_close_payload:
            return "invalid close payload";
    }
    return "unknown error";
}

message_reader::message_reader(role self, std::size_t max_message_size)
    : max_message_size_(max_message_size), self_(self) {}

bool message_reader::in_message() const noexcept {
    return fragments_ != nullptr && !message_delivered_;
}

std::size_t message_reader::buffered_bytes() const noexcept {
    return in_message() ? fragments_->size() : 0;
}

read_event message_reader::next(std::span<std::uint8_t> data, std::size_t& consumed) {
    if (poisoned_ != read_error::none) return error_event(poisoned_);
    if (message_delivered_) {
        fragments_.reset();
        message_delivered_ = false;
    }

    const auto fail = [this](read_error error) {
        poisoned_ = error;
        fragments_.reset();
        return error_event(error);
    };

    // Loops over the non-final fragments of a message: returning need_more after one of them
    // would leave the rest of the message unread in the caller's buffer until the peer happened
    // to send more bytes.
    for (;;) {
        const bool open = fragments_ != nullptr;
        const header_rules rules{self_, open, max_message_size_ - (open ? fragments_->size() : 0)};
        frame_header header;
        if (const read_error error = parse_header(data, rules, header); error != read_error::none) {
            return fail(error);
        }
        if (header.size == 0 || data.size() - header.size < header.payload_size) return {};

        const auto payload_size = static_cast<std::size_t>(header.payload_size);
        const std::size_t frame_size = header.size + payload_size;
        const std::span<std::uint8_t> payload = data.subspan(header.size, payload_size);
        if (header.masked) apply_mask(payload.data(), payload.size(), header.mask);

        if (is_control(header.op)) {
            const read_event event = control_event(header.op, payload);
            if (event.type == read_event::kind::error) return fail(event.error);
            consumed += frame_size;
            return event;
        }

        if (header.op != opcode::continuation) {
            if (header.fin) {
                if (header.op == opcode::text && !is_valid_utf8(as_text(payload))) {
                    return fail(read_error::invalid_utf8);
                }
                consumed += frame_size;
                return message_event(header.op, as_text(payload));
            }
            fragments_ = std::make_unique<std::string>(as_text(payload));
            fragmented_op_ = header.op;
        } else {
            fragments_->append(as_text(payload));
            if (header.fin) {
                if (fragmented_op_ == opcode::text && !is_valid_utf8(*fragments_)) {
                    return fail(read_error::invalid_utf8);
                }
                consumed += frame_size;
                message_delivered_ = true;
                return message_event(fragmented_op_, *fragments_);
            }
        }
        consumed += frame_size;
        data = data.subspan(frame_size);
    }
}

}  // namespace sb::protocol::websocket
