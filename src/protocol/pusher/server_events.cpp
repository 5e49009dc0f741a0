#include "protocol/pusher/server_events.hpp"

#include "core/time_format.hpp"
#include "protocol/json_writer.hpp"

namespace sb::protocol::pusher {
namespace {

// {"event":"<event>","channel":"<channel>","data":<data as string>}; no channel when it is
// empty, unless `always_channel` (an error about an empty channel name still names it).
std::string envelope(std::string_view event, std::string_view channel, std::string_view data_json,
                     bool always_channel = false) {
    std::string out;
    out.reserve(40 + event.size() + channel.size() + data_json.size() * 5 / 4);
    out += R"({"event":)";
    append_json_string(out, event);
    if (!channel.empty() || always_channel) {
        out += R"(,"channel":)";
        append_json_string(out, channel);
    }
    out += R"(,"data":)";
    append_json_string(out, data_json);
    out += '}';
    return out;
}

}  // namespace

std::string connection_established(std::string_view socket_id, std::uint32_t activity_timeout_s) {
    std::string data = R"({"socket_id":)";
    append_json_string(data, socket_id);
    data += R"(,"activity_timeout":)";
    append_uint(data, activity_timeout_s);
    data += '}';
    return envelope("pusher:connection_established", {}, data);
}

std::string connection_established_native(std::string_view socket_id, std::uint32_t activity_timeout_s,
                                          std::string_view user_id) {
    std::string data = R"({"socket_id":)";
    append_json_string(data, socket_id);
    data += R"(,"activity_timeout":)";
    append_uint(data, activity_timeout_s);
    data += R"(,"extensions":["native"])";
    if (!user_id.empty()) {
        data += R"(,"user_id":)";
        append_json_string(data, user_id);
    }
    data += '}';
    return envelope("pusher:connection_established", {}, data);
}

std::string error_event(std::uint16_t code, std::string_view message, std::string_view error) {
    // pusher-js reads data.code and data.message from an object here; soketi and Pusher send an
    // object, so this one event keeps its data unencoded.
    std::string out = R"({"event":"pusher:error","data":{"code":)";
    if (code == 0)
        out += "null";
    else
        append_uint(out, code);
    out += R"(,"message":)";
    append_json_string(out, message);
    if (!error.empty()) {
        out += R"(,"error":)";
        append_json_string(out, error);
    }
    out += "}}";
    return out;
}

std::string ping_event() { return R"({"event":"pusher:ping","data":{}})"; }
std::string pong_event() { return R"({"event":"pusher:pong","data":{}})"; }

std::string subscription_succeeded(std::string_view channel) {
    return envelope("pusher_internal:subscription_succeeded", channel, "{}");
}

std::string presence_subscription_succeeded(std::string_view channel,
                                            const core::presence_set& members) {
    std::string ids;
    std::string hash;
    members.for_each([&](std::string_view id, const core::presence_set::member& m) {
        if (!ids.empty()) {
            ids += ',';
            hash += ',';
        }
        append_json_string(ids, id);
        append_json_string(hash, id);
        hash += ':';
        hash += m.info_json;
    });
    std::string data = R"({"presence":{"ids":[)";
    data += ids;
    data += R"(],"hash":{)";
    data += hash;
    data += R"(},"count":)";
    append_uint(data, members.size());
    data += "}}";
    return envelope("pusher_internal:subscription_succeeded", channel, data);
}

std::string subscription_error(std::string_view channel, std::string_view type,
                               std::string_view error, int status) {
    std::string data = R"({"type":)";
    append_json_string(data, type);
    data += R"(,"error":)";
    append_json_string(data, error);
    data += R"(,"status":)";
    append_uint(data, static_cast<std::uint64_t>(status));
    data += '}';
    return envelope("pusher:subscription_error", channel, data, true);
}

std::string member_added(std::string_view channel, std::string_view user_id,
                         std::string_view user_info_json) {
    std::string data = R"({"user_id":)";
    append_json_string(data, user_id);
    data += R"(,"user_info":)";
    data += user_info_json;
    data += '}';
    return envelope("pusher_internal:member_added", channel, data);
}

std::string member_removed(std::string_view channel, std::string_view user_id) {
    std::string data = R"({"user_id":)";
    append_json_string(data, user_id);
    data += '}';
    return envelope("pusher_internal:member_removed", channel, data);
}

std::string cache_miss(std::string_view channel) {
    std::string out = R"({"event":"pusher:cache_miss","channel":)";
    append_json_string(out, channel);
    out += '}';
    return out;
}

std::string signin_success(std::string_view user_data) {
    std::string data = R"({"user_data":)";
    append_json_string(data, user_data);
    data += '}';
    return envelope("pusher:signin_success", {}, data);
}

std::string channel_event(std::string_view event, std::string_view channel, std::string_view data,
                          std::string_view user_id) {
    std::string out;
    out.reserve(44 + event.size() + channel.size() + json_string_size(data) + user_id.size());
    out += R"({"event":)";
    append_json_string(out, event);
    out += R"(,"channel":)";
    append_json_string(out, channel);
    out += R"(,"data":)";
    append_json_string(out, data);
    if (!user_id.empty()) {
        out += R"(,"user_id":)";
        append_json_string(out, user_id);
    }
    out += '}';
    return out;
}

std::string native_channel_event(std::string_view event, std::string_view channel, std::string_view data,
                                 const message_meta& meta) {
    std::string out;
    out.reserve(150 + event.size() + channel.size() + json_string_size(data) + meta.user_id.size());
    out += R"({"event":)";
    append_json_string(out, event);
    out += R"(,"channel":)";
    append_json_string(out, channel);
    out += R"(,"data":)";
    append_json_string(out, data);
    if (!meta.id.empty()) {
        out += R"(,"id":)";
        append_json_string(out, meta.id);
    }
    if (meta.offset != 0) {
        out += R"(,"offset":)";
        append_uint(out, meta.offset);
        out += R"(,"epoch":)";
        append_json_string(out, meta.epoch);
    }
    if (!meta.user_id.empty()) {
        out += R"(,"user_id":)";
        append_json_string(out, meta.user_id);
    }
    if (meta.created_at_ms != 0) {
        out += R"(,"created_at":)";
        append_json_string(out, core::format_rfc3339(meta.created_at_ms));
    }
    out += '}';
    return out;
}

std::string ack_event(std::string_view channel, std::string_view ack, std::string_view id, std::uint64_t offset,
                      std::string_view epoch) {
    std::string out = R"({"event":"switchboard:ack","channel":)";
    append_json_string(out, channel);
    out += R"(,"data":{"ack":)";
    append_json_string(out, ack);
    out += R"(,"id":)";
    append_json_string(out, id);
    if (offset != 0) {
        out += R"(,"offset":)";
        append_uint(out, offset);
        out += R"(,"epoch":)";
        append_json_string(out, epoch);
    }
    out += "}}";
    return out;
}

std::string nack_event(std::string_view channel, std::string_view ack, std::string_view code, int status,
                       std::string_view detail) {
    std::string out = R"({"event":"switchboard:nack","channel":)";
    append_json_string(out, channel);
    out += R"(,"data":{"ack":)";
    append_json_string(out, ack);
    out += R"(,"code":)";
    append_json_string(out, code);
    out += R"(,"status":)";
    append_uint(out, static_cast<std::uint64_t>(status));
    out += R"(,"detail":)";
    append_json_string(out, detail);
    out += "}}";
    return out;
}

std::string presence_sync(std::string_view channel, const core::presence_set& members) {
    std::string data = R"({"members":[)";
    bool first = true;
    members.for_each([&](std::string_view id, const core::presence_set::member& m) {
        if (!first) data += ',';
        first = false;
        data += R"({"user_id":)";
        append_json_string(data, id);
        data += R"(,"data":)";
        data += m.info_json;
        data += '}';
    });
    data += "]}";
    return envelope("presence:sync", channel, data);
}

std::string presence_member_event(std::string_view event, std::string_view channel, std::string_view user_id,
                            std::string_view data_json) {
    std::string data = R"({"user_id":)";
    append_json_string(data, user_id);
    data += R"(,"data":)";
    data += data_json.empty() ? std::string_view("null") : data_json;
    data += '}';
    return envelope(event, channel, data);
}

std::string typing_payload(std::string_view user_id, std::string_view user_name) {
    std::string data = R"({"user_id":)";
    append_json_string(data, user_id);
    data += R"(,"user_name":)";
    append_json_string(data, user_name);
    data += '}';
    return data;
}

std::string recovered_event(std::string_view channel, bool recovered, std::uint64_t offset, std::string_view epoch) {
    std::string data = R"({"recovered":)";
    data += recovered ? "true" : "false";
    data += R"(,"offset":)";
    append_uint(data, offset);
    data += R"(,"epoch":)";
    append_json_string(data, epoch);
    data += '}';
    return envelope("switchboard:recovered", channel, data);
}

std::string channel_features_event(std::string_view channel, bool history, bool delivery_receipts) {
    std::string data = R"({"history":)";
    data += history ? "true" : "false";
    data += R"(,"delivery_receipts":)";
    data += delivery_receipts ? "true" : "false";
    data += '}';
    return envelope("switchboard:subscribed", channel, data);
}

std::string message_read_event(std::string_view channel, std::string_view message_id, std::string_view user_id,
                               std::uint64_t read_at_ms) {
    std::string data = R"({"message_id":)";
    append_json_string(data, message_id);
    data += R"(,"user_id":)";
    append_json_string(data, user_id);
    data += R"(,"read_at":)";
    append_json_string(data, core::format_rfc3339(read_at_ms));
    data += '}';
    return envelope("message:read", channel, data);
}

}  // namespace sb::protocol::pusher
