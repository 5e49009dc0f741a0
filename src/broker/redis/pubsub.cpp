#include "broker/redis/pubsub.hpp"

#include <array>
#include <utility>

namespace sb::broker::redis {

subscription_verbs verbs(pubsub_kind kind, bool subscribe) {
    switch (kind) {
        case pubsub_kind::message:
            return subscribe ? subscription_verbs{"SUBSCRIBE", "subscribe"}
                             : subscription_verbs{"UNSUBSCRIBE", "unsubscribe"};
        case pubsub_kind::pmessage:
            return subscribe ? subscription_verbs{"PSUBSCRIBE", "psubscribe"}
                             : subscription_verbs{"PUNSUBSCRIBE", "punsubscribe"};
        case pubsub_kind::smessage:
            return subscribe ? subscription_verbs{"SSUBSCRIBE", "ssubscribe"}
                             : subscription_verbs{"SUNSUBSCRIBE", "sunsubscribe"};
    }
    return {};
}

pubsub_reading read_pubsub_reply(reply& r) {
    pubsub_reading out;
    // RESP2 sends arrays; RESP3 push frames. Anything else is a plain reply.
    if (!r.is_aggregate() || r.elements.empty()) return out;
    std::vector<reply>& e = r.elements;
    const std::string& name = e.front().str;
    if ((name == "message" || name == "smessage") && e.size() == 3) {
        out.message =
            pubsub_message{name == "message" ? pubsub_kind::message : pubsub_kind::smessage,
                           {},
                           std::move(e[1].str),
                           std::move(e[2].str)};
        return out;
    }
    if (name == "pmessage" && e.size() == 4) {
        out.message = pubsub_message{pubsub_kind::pmessage, std::move(e[1].str),
                                     std::move(e[2].str), std::move(e[3].str)};
        return out;
    }
    static constexpr std::array<std::string_view, 6> confirmations{
        "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe"};
    for (std::string_view c : confirmations) {
        if (name == c) out.confirmation = c;
    }
    return out;
}

}  // namespace sb::broker::redis
