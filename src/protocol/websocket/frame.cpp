#include "protocol/websocket/frame.hpp"

#include "crypto/crypto.hpp"

#include <cstring>

namespace sb::protocol::websocket {
namespace {

constexpr std::size_t max_control_payload = 125;
constexpr std::size_t close_code_size = 2;

std::uint8_t* writable_bytes(std::string& s) { return reinterpret_cast<std::uint8_t*>(s.data()); }

bool is_continuation_byte(char c) { return (static_cast<std::uint8_t>(c) & 0xC0) == 0x80; }

// The longest prefix of `text` no longer than `limit` bytes that does not end inside a UTF-8
// sequence. A sequence is at most four bytes, so at most three bytes are given back.
std::string_view truncate_utf8(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t cut = limit;
    for (int step = 0; step < 3 && cut > 0 && is_continuation_byte(text[cut]); ++step) --cut;
    return text.substr(0, cut);
}

}  // namespace

bool is_valid_close_code(std::uint16_t code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
           (code >= 3000 && code <= 4999);
}

std::size_t header_size(std::size_t payload_size, bool masked) {
    std::size_t size = 2;
    if (payload_size > 0xFFFF) {
        size += 8;
    } else if (payload_size > max_control_payload) {
        size += 2;
    }
    return masked ? size + 4 : size;
}

std::size_t write_header(std::uint8_t* out, opcode op, std::size_t payload_size, bool fin,
                         const std::uint8_t* mask) {
    out[0] = static_cast<std::uint8_t>((fin ? 0x80U : 0U) | static_cast<std::uint8_t>(op));
    const unsigned mask_bit = mask != nullptr ? 0x80U : 0U;
    std::size_t size = 2;
    if (payload_size <= max_control_payload) {
        out[1] = static_cast<std::uint8_t>(mask_bit | payload_size);
    } else if (payload_size <= 0xFFFF) {
        out[1] = static_cast<std::uint8_t>(mask_bit | 126U);
        out[2] = static_cast<std::uint8_t>(payload_size >> 8);
        out[3] = static_cast<std::uint8_t>(payload_size);
        size = 4;
    } else {
        out[1] = static_cast<std::uint8_t>(mask_bit | 127U);
        const auto length = static_cast<std::uint64_t>(payload_size);
        for (std::size_t i = 0; i < 8; ++i) {
            out[2 + i] = static_cast<std::uint8_t>(length >> (56 - 8 * i));
        }
        size = 10;
    }
    if (mask != nullptr) {
        std::memcpy(out + size, mask, 4);
        size += 4;
    }
    return size;
}

void apply_mask(std::uint8_t* data, std::size_t size, std::array<std::uint8_t, 4> mask,
                std::size_t offset) {
    // The mask repeats every 4 bytes, so an 8-byte pattern rotated by `offset` lines up with
    // every 8-byte step. Loading through memcpy keeps unaligned words defined behaviour; the
    // compiler turns it into plain (often vector) loads and stores.
    std::array<std::uint8_t, 8> pattern{};
    for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = mask[(offset + i) & 3];

    std::size_t i = 0;
    if (size >= 8) {
        std::uint64_t key = 0;
        std::memcpy(&key, pattern.data(), sizeof key);
        for (; i + 8 <= size; i += 8) {
            std::uint64_t word = 0;
            std::memcpy(&word, data + i, sizeof word);
            word ^= key;
            std::memcpy(data + i, &word, sizeof word);
        }
    }
    // `i` is a multiple of 8 here, so the pattern still lines up for the tail.
    for (; i < size; ++i) data[i] ^= pattern[i & 7];
}

std::string encode_frame(opcode op, std::string_view payload, bool fin) {
    std::array<std::uint8_t, max_header_size> header{};
    const std::size_t size = write_header(header.data(), op, payload.size(), fin);
    std::string out;
    out.reserve(size + payload.size());
    out.append(reinterpret_cast<const char*>(header.data()), size);
    out.append(payload);
    return out;
}

std::string encode_masked_frame(opcode op, std::string_view payload,
                                std::array<std::uint8_t, 4> mask, bool fin) {
    std::array<std::uint8_t, max_header_size> header{};
    const std::size_t size = write_header(header.data(), op, payload.size(), fin, mask.data());
    std::string out;
    out.reserve(size + payload.size());
    out.append(reinterpret_cast<const char*>(header.data()), size);
    out.append(payload);
    apply_mask(writable_bytes(out) + size, payload.size(), mask);
    return out;
}

std::string encode_close(std::uint16_t code, std::string_view reason, role sender) {
    // 1005 means "the close had no code" and may not appear on the wire, so echoing a received
    // close_code::no_status back produces the empty close payload it stands for.
    std::string payload;
    if (code != close_code::no_status) {
        reason = truncate_utf8(reason, max_control_payload - close_code_size);
        payload.reserve(close_code_size + reason.size());
        payload += static_cast<char>(code >> 8);
        payload += static_cast<char>(code & 0xFF);
        payload.append(reason);
    }
    if (sender == role::server) return encode_frame(opcode::close, payload);

    const std::string random = crypto::random_bytes(4);
    std::array<std::uint8_t, 4> mask{};
    std::memcpy(mask.data(), random.data(), mask.size());
    return encode_masked_frame(opcode::close, payload, mask);
}

}  // namespace sb::protocol::websocket
