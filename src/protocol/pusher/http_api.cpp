#include "protocol/pusher/http_api.hpp"

#include <nlohmann/json.hpp>

namespace sb::protocol::pusher {
namespace {

using json = nlohmann::json;

http_api_error bad(std::string message, int status = 400) { return {status, std::move(message)}; }

// Reads one event object ({name, data, channel|channels, socket_id, info}); `batch` requires a
// single `channel`.
bool read_event(const json& obj, bool batch, std::size_t max_data_size, trigger& out,
                http_api_error& error) {
    if (!obj.is_object()) {
        error = bad("each event must be a JSON object");
        return false;
    }
    auto name = obj.find("name");
    if (name == obj.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
        error = bad("name must be a non-empty string");
        return false;
    }
    out.event = name->get<std::string>();
    if (out.event.size() > 200) {
        error = bad("event name is longer than 200 characters");
        return false;
    }
    auto data = obj.find("data");
    if (data == obj.end() || data->is_null()) {
        error = bad("data is required");
        return false;
    }
    out.data = data->is_string() ? data->get<std::string>() : data->dump();
    if (out.data.size() > max_data_size) {
        error = bad("event data is " + std::to_string(out.data.size()) + " bytes; the limit is " +
                        std::to_string(max_data_size),
                    413);
        return false;
    }
    auto channel = obj.find("channel");
    auto channels = obj.find("channels");
    if (channel != obj.end() && !channel->is_null()) {
        if (!channel->is_string()) {
            error = bad("channel must be a string");
            return false;
        }
        out.channels.push_back(channel->get<std::string>());
    } else if (!batch && channels != obj.end() && channels->is_array()) {
        if (channels->size() > max_trigger_channels) {
            error = bad("at most 100 channels per event");
            return false;
        }
        for (const auto& c : *channels) {
            if (!c.is_string()) {
                error = bad("channels must be strings");
                return false;
            }
            out.channels.push_back(c.get<std::string>());
        }
    }
    if (out.channels.empty()) {
        error = bad(batch ? "each batch event needs a channel" : "channel or channels is required");
        return false;
    }
    if (auto sid = obj.find("socket_id"); sid != obj.end() && !sid->is_null()) {
        if (!sid->is_string()) {
            error = bad("socket_id must be a string");
            return false;
        }
        out.socket_id = sid->get<std::string>();
    }
    if (auto info = obj.find("info"); info != obj.end() && info->is_string()) {
        const auto attrs = parse_info(info->get_ref<const std::string&>());
        out.info_subscription_count = attrs.subscription_count;
        out.info_user_count = attrs.user_count;
    }
    return true;
}

}  // namespace

trigger_result parse_trigger(std::string_view body, std::size_t max_data_size) {
    trigger_result result;
    json doc = json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        result.error = bad("request body must be a JSON object");
        return result;
    }
    trigger t;
    if (!read_event(doc, false, max_data_size, t, result.error)) return result;
    result.triggers.push_back(std::move(t));
    result.error.status = 0;
    return result;
}

trigger_result parse_batch(std::string_view body, std::size_t max_data_size) {
    trigger_result result;
    json doc = json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        result.error = bad("request body must be a JSON object");
        return result;
    }
    auto batch = doc.find("batch");
    if (batch == doc.end() || !batch->is_array()) {
        result.error = bad("batch must be an array of events");
        return result;
    }
    if (batch->size() > max_batch_events) {
        result.error = bad("at most 10 events per batch");
        return result;
    }
    for (const auto& item : *batch) {
        trigger t;
        if (!read_event(item, true, max_data_size, t, result.error)) {
            result.triggers.clear();
            return result;
        }
        result.triggers.push_back(std::move(t));
    }
    result.error.status = 0;
    return result;
}

info_attributes parse_info(std::string_view info) {
    info_attributes out;
    while (!info.empty()) {
        const auto comma = info.find(',');
        const std::string_view item = info.substr(0, comma);
        if (item == "subscription_count") out.subscription_count = true;
        if (item == "user_count") out.user_count = true;
        if (item == "cache") out.cache = true;
        if (comma == std::string_view::npos) break;
        info.remove_prefix(comma + 1);
    }
    return out;
}

}  // namespace sb::protocol::pusher
