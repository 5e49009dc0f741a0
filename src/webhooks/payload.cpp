#include "webhooks/payload.hpp"

#include "core/time_format.hpp"
#include "protocol/json_writer.hpp"

#include <nlohmann/json.hpp>

namespace sb::webhooks {

using protocol::append_json_string;
using protocol::append_uint;

namespace {

// `text` as it goes into a JSON document: itself when it is JSON, else a JSON string.
void append_json_or_string(std::string& out, std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r'))
        ++i;
    const bool may_be_json = i < text.size();
    if (may_be_json && nlohmann::json::accept(text)) {
        out.append(text);
        return;
    }
    append_json_string(out, text);
}

void append_nullable(std::string& out, std::string_view text) {
    if (text.empty())
        out += "null";
    else
        append_json_string(out, text);
}

// The message as the seed shows it: "text" (the data itself when it is a string, or its "text"
// member) and "data" (JSON as it is, any other text as a JSON string). One parse.
void append_message_data(std::string& out, std::string_view data) {
    const auto doc = nlohmann::json::parse(data, nullptr, false);
    if (doc.is_discarded()) {
        out += R"(,"text":)";
        append_json_string(out, data);
        out += R"(,"data":)";
        append_json_string(out, data);
        return;
    }
    if (doc.is_string()) {
        out += R"(,"text":)";
        append_json_string(out, doc.get_ref<const std::string&>());
    } else if (doc.is_object()) {
        if (auto it = doc.find("text"); it != doc.end() && it->is_string()) {
            out += R"(,"text":)";
            append_json_string(out, it->get_ref<const std::string&>());
        }
    }
    out += R"(,"data":)";
    out.append(data);
}

}  // namespace

event_names names_of(event_kind kind) noexcept {
    switch (kind) {
        case event_kind::channel_subscribed:
            return {"channel.subscribed", {}};
        case event_kind::channel_unsubscribed:
            return {"channel.unsubscribed", {}};
        case event_kind::channel_occupied:
            return {{}, "channel_occupied"};
        case event_kind::channel_vacated:
            return {{}, "channel_vacated"};
        case event_kind::member_added:
            return {"presence.join", "member_added"};
        case event_kind::member_removed:
            return {"presence.leave", "member_removed"};
        case event_kind::member_updated:
            return {"presence.update", {}};
        case event_kind::message_sent:
            return {"message.sent", {}};
        case event_kind::client_event:
            return {{}, "client_event"};
        case event_kind::cache_miss:
            return {{}, "cache_miss"};
        case event_kind::webrtc_room_created:
            return {"webrtc.room.created", {}};
        case event_kind::webrtc_participant_joined:
            return {"webrtc.participant.joined", {}};
        case event_kind::webrtc_participant_left:
            return {"webrtc.participant.left", {}};
        case event_kind::webrtc_recording_ready:
            return {"webrtc.recording.ready", {}};
    }
    return {};
}

std::uint32_t kinds_of(std::string_view type, bool pusher_format) noexcept {
    std::uint32_t bits = 0;
    for (auto k : {event_kind::channel_subscribed, event_kind::channel_unsubscribed,
                   event_kind::channel_occupied, event_kind::channel_vacated,
                   event_kind::member_added, event_kind::member_removed, event_kind::member_updated,
                   event_kind::message_sent, event_kind::client_event, event_kind::cache_miss,
                   event_kind::webrtc_room_created, event_kind::webrtc_participant_joined,
                   event_kind::webrtc_participant_left, event_kind::webrtc_recording_ready}) {
        const auto names = names_of(k);
        if ((pusher_format ? names.pusher : names.native) == type) bits |= bit_of(k);
    }
    return bits;
}

std::string native_data(const channel_event& e) {
    switch (e.kind) {
        case event_kind::webrtc_room_created:
        case event_kind::webrtc_participant_joined:
        case event_kind::webrtc_participant_left:
        case event_kind::webrtc_recording_ready:
            return e.data_json;
        default:
            break;
    }
    std::string out = R"({"channel_id":)";
    append_json_string(out, e.channel);
    out += R"(,"user_id":)";
    append_nullable(out, e.user_id);
    switch (e.kind) {
        case event_kind::member_added:
        case event_kind::member_removed:
        case event_kind::member_updated:
            out += R"(,"user_info":)";
            append_json_or_string(out,
                                  e.data_json.empty() ? std::string_view("null") : e.data_json);
            break;
        case event_kind::message_sent:
        case event_kind::client_event: {
            out += R"(,"message":{"id":)";
            append_nullable(out, e.message_id);
            out += R"(,"event":)";
            append_json_string(out, e.event);
            append_message_data(out, e.message_data);
            out += R"(,"created_at":)";
            append_json_string(out, core::format_rfc3339(e.created_at_ms));
            out += '}';
            break;
        }
        default:
            break;
    }
    if (!e.socket_id.empty()) {
        out += R"(,"socket_id":)";
        append_json_string(out, e.socket_id);
    }
    out += '}';
    return out;
}

std::string pusher_event(const channel_event& e) {
    std::string out = R"({"name":)";
    append_json_string(out, names_of(e.kind).pusher);
    out += R"(,"channel":)";
    append_json_string(out, e.channel);
    switch (e.kind) {
        case event_kind::member_added:
        case event_kind::member_removed:
            out += R"(,"user_id":)";
            append_json_string(out, e.user_id);
            break;
        case event_kind::client_event:
            out += R"(,"event":)";
            append_json_string(out, e.event);
            out += R"(,"data":)";
            append_json_string(out, e.message_data);
            out += R"(,"socket_id":)";
            append_json_string(out, e.socket_id);
            if (!e.user_id.empty()) {
                out += R"(,"user_id":)";
                append_json_string(out, e.user_id);
            }
            break;
        default:
            break;
    }
    out += '}';
    return out;
}

std::string disabled_data(const storage::webhook_record& w, std::string_view reason) {
    std::string out = R"({"webhook_id":)";
    append_json_string(out, w.id);
    out += R"(,"url":)";
    append_json_string(out, w.url);
    out += R"(,"reason":)";
    append_json_string(out, reason);
    out += R"(,"consecutive_failures":)";
    append_uint(out, w.consecutive_failures);
    out += R"(,"failing_since":)";
    if (w.failing_since_ms)
        append_json_string(out, core::format_rfc3339(w.failing_since_ms));
    else
        out += "null";
    out += '}';
    return out;
}

std::string native_body(std::string_view event_id, std::string_view type,
                        std::uint64_t created_at_ms, std::string_view data) {
    std::string out = R"({"id":)";
    append_json_string(out, event_id);
    out += R"(,"type":)";
    append_json_string(out, type);
    out += R"(,"created_at":)";
    append_json_string(out, core::format_rfc3339(created_at_ms));
    out += R"(,"data":)";
    out.append(data);
    out += '}';
    return out;
}

std::string pusher_body(std::uint64_t time_ms, std::span<const std::string_view> events) {
    std::string out = R"({"time_ms":)";
    append_uint(out, time_ms);
    out += R"(,"events":[)";
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (i) out += ',';
        out.append(events[i]);
    }
    out += "]}";
    return out;
}

}  // namespace sb::webhooks
