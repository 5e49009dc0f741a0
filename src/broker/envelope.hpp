#pragma once
// What one node tells the others about a channel: a publication or a presence change, as it
// travels through the broker. The broker adds the channel's offset and epoch in front of the
// body it is given, so that numbering and delivery are one atomic step (see redis_broker.cpp).
//
// Wire form (pure functions, no I/O): "<offset>\n<epoch>\n<body>", where the body is a sequence
// of fields, each "<decimal length>:<bytes>", in a fixed order. Lengths make any byte safe in
// any field (event data is arbitrary JSON text; channel names never contain '\n' but data may).
//
// Thread: plain values and functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::broker {

enum class envelope_kind : std::uint8_t {
    message = 0,         // a publication
    member_added = 1,    // the user's first connection to a presence channel, cluster-wide
    member_removed = 2,  // the user's last connection left (or its node died)
    member_updated = 3,  // a presence member's info changed
    terminate_user = 4,  // close every connection of user_id in tenant (control topic)
};

struct envelope {
    envelope_kind kind = envelope_kind::message;
    std::string origin_node;  // the node that published it
    std::string tenant;       // "<app_id>/<environment>", the same on every node
    std::string channel;
    std::string event;
    std::string data;
    std::string exclude;  // a socket id ("123.456") that must not receive it, or empty
    std::string user_id;
    std::string id;  // msg_… (messages) or empty
    std::uint64_t created_at_ms = 0;
    bool user_id_in_pusher_frame = false;
    bool native_only = false;  // only connections speaking the native extensions see it
    bool cacheable = false;    // a cache channel remembers it
    bool storable = false;     // the publishing node stores it in history
    // Filled by the broker when it numbers the publication. member_* kinds: the channel's
    // membership version after this change (broker.hpp), in the same place on the wire.
    std::uint64_t offset = 0;
    std::string epoch;

    bool operator==(const envelope&) const = default;
};

// The body (everything but offset and epoch).
[[nodiscard]] std::string encode_body(const envelope& e);
// The full payload: offset, epoch, body.
[[nodiscard]] std::string encode_payload(const envelope& e);
// Parses a full payload; nullopt when it is malformed in any way (wrong field count, a length
// past the end, bytes after the last field, a bad number).
[[nodiscard]] std::optional<envelope> decode_payload(std::string_view payload);

}  // namespace sb::broker
