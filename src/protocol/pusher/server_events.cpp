#include "protocol/pusher/server_events.hpp"

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

std::string error_event(std::uint16_t code, std::string_view message) {
    // pusher-js reads data.code and data.message from an object here; soketi and Pusher send an
    // object, so this one event keeps its data unencoded.
    std::string out = R"({"event":"pusher:error","data":{"code":)";
    if (code == 0)
        out += "null";
    else
        append_uint(out, code);
    out += R"(,"message":)";
    append_json_string(out, message);
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

}  // namespace sb::protocol::pusher
