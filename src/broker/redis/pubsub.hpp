#pragma once
// Redis pub/sub as a subscriber connection sees it: the three kinds of subscription, the
// messages they deliver, and (pure, no I/O) how to read them out of replies.
//
// Thread: plain values and functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/redis/resp.hpp"

namespace sb::broker::redis {

// SUBSCRIBE channel, PSUBSCRIBE pattern, SSUBSCRIBE channel (sharded, Redis 7).
enum class pubsub_kind : std::uint8_t { message, pmessage, smessage };

// One published message, owning its bytes (move the payload on; it was copied once, from the
// socket buffer).
struct pubsub_message {
    pubsub_kind kind = pubsub_kind::message;
    std::string pattern;  // pmessage: the pattern that matched; otherwise empty
    std::string channel;
    std::string payload;
};

// The command that changes a subscription of `kind`, and the first word of the replies that
// confirm it (one per channel): SUBSCRIBE/"subscribe", SUNSUBSCRIBE/"sunsubscribe", ...
struct subscription_verbs {
    std::string_view command;
    std::string_view confirmation;
};
[[nodiscard]] subscription_verbs verbs(pubsub_kind kind, bool subscribe);

// A reply on a subscriber connection: a message (moved out of `r`), a confirmation of a
// (un)subscribe (its first word in `confirmation`), or anything else (PONG, OK, errors).
struct pubsub_reading {
    std::optional<pubsub_message> message;
    std::string_view confirmation;  // a static string, valid forever
};
[[nodiscard]] pubsub_reading read_pubsub_reply(reply& r);

}  // namespace sb::broker::redis
