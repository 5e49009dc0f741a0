#pragma once
// Incremental RFC 6455 message reader for one connection.
//
// The caller owns the bytes: it reads from the socket into a buffer (on a server shard, a buffer
// shared by all connections of the shard) and calls next() until it answers need_more. Frames are
// unmasked in place, so the buffer must be writable. next() never consumes a partial frame: the
// caller keeps the unconsumed tail and presents it again, followed by more bytes, on the next
// read. A frame that passes validation is at most max(max_message_size, 125) + max_header_size
// bytes, so a buffer of that size always has room for the frame in progress. A message split into
// fragments is assembled in a buffer the reader allocates only while such a message is in
// progress, so an idle connection's reader holds no heap memory.
//
// Validation (RFC 6455 sections 5.2-5.5, 8.1): reserved bits, unknown opcodes, masking according
// to role, control frames (at most 125 bytes, never fragmented, allowed between fragments of a
// data message), continuation without a started message, a new data frame while a fragmented
// message is open, 64-bit lengths with the high bit set, the message size limit (checked against
// frame headers before the payload arrives, so a huge declared length fails at once), UTF-8 of text
// messages and of close reasons, close payloads of length 1 and invalid close codes.
// After an error the reader is poisoned: every later call returns the same error.
//
// Thread: a reader belongs to one connection and is used by one thread at a time.

#include "protocol/websocket/frame.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace sb::protocol::websocket {

enum class read_error : std::uint8_t {
    none,
    reserved_bits,             // RSV1-3 set without a negotiated extension
    unknown_opcode,            // opcodes 3-7 and 11-15
    mask_required,             // a client sent an unmasked frame
    mask_forbidden,            // a server sent a masked frame
    control_frame_too_long,    // control payload > 125 bytes
    fragmented_control_frame,  // control frame without FIN
    unexpected_continuation,   // continuation frame with no message in progress
    expected_continuation,     // text/binary frame while a fragmented message is open
    length_overflow,           // 64-bit length with the most significant bit set
    message_too_big,           // message (all fragments together) over the reader's limit
    invalid_utf8,              // text message or close reason is not valid UTF-8
    invalid_close_payload,     // close payload of 1 byte, or a code that may not be sent
};

// The close code to answer an error with: 1009 for message_too_big, 1007 for invalid_utf8,
// 1002 for the rest (1000 for read_error::none, which is no error).
[[nodiscard]] std::uint16_t close_code_for(read_error error);
// A short English description, used as the close reason and in logs.
[[nodiscard]] std::string_view describe(read_error error);

struct read_event {
    enum class kind : std::uint8_t { need_more, message, ping, pong, close, error };
    kind type = kind::need_more;
    opcode op = opcode::text;     // for kind::message: text or binary
    std::string_view payload;     // message/ping/pong payload, or close reason; valid until the
                                  // next call to next() or until the caller's buffer changes
    std::uint16_t close_code = close_code::no_status;  // for kind::close
    read_error error = read_error::none;               // for kind::error
};

class message_reader {
public:
    message_reader(role self, std::size_t max_message_size);

    // Parses the next event from data. Adds the bytes it used to `consumed`; the caller passes
    // data.subspan(consumed) on the next call.
    read_event next(std::span<std::uint8_t> data, std::size_t& consumed);

    // True while a fragmented message is being assembled.
    [[nodiscard]] bool in_message() const noexcept;
    // Bytes held for a fragmented message in progress (0 when idle).
    [[nodiscard]] std::size_t buffered_bytes() const noexcept;
    [[nodiscard]] std::size_t max_message_size() const noexcept { return max_message_size_; }

private:
    std::unique_ptr<std::string> fragments_;  // allocated only while a fragmented message is open
    std::size_t max_message_size_;
    role self_;
    opcode fragmented_op_ = opcode::text;
    read_error poisoned_ = read_error::none;
    // fragments_ holds a message already returned to the caller: the event's payload points into
    // it, so it is released on the next call to next() rather than at once.
    bool message_delivered_ = false;
};

}  // namespace sb::protocol::websocket
