#include "protocol/jsonapi/publish_request.hpp"

#include "core/channel_name.hpp"

#include <nlohmann/json.hpp>

namespace sb::protocol::jsonapi {
namespace {

using json = nlohmann::json;

bool read_message(const json& obj, const std::string& pointer, std::size_t max_data_size,
                  publish_message& out, std::vector<error>& errors) {
    if (!obj.is_object()) {
        errors.push_back(codes::invalid_request("must be an object", pointer));
        return false;
    }
    auto channel = obj.find("channel");
    if (channel == obj.end() || !channel->is_string()) {
        errors.push_back(codes::invalid_channel("channel must be a string", pointer + "/channel"));
        return false;
    }
    out.channel = channel->get<std::string>();
    const auto cls = core::classify_channel(out.channel);
    if (!cls.valid()) {
        errors.push_back(codes::invalid_channel(std::string(core::describe(cls.error)), pointer + "/channel"));
        return false;
    }
    auto event = obj.find("event");
    if (event == obj.end() || !event->is_string() || event->get_ref<const std::string&>().empty() ||
        event->get_ref<const std::string&>().size() > 200) {
        errors.push_back(codes::invalid_request("event must be a string of 1 to 200 characters",
                                                pointer + "/event"));
        return false;
    }
    out.event = event->get<std::string>();
    if (out.event.rfind("pusher:", 0) == 0 || out.event.rfind("pusher_internal:", 0) == 0) {
        errors.push_back(codes::invalid_request("event names starting with pusher: are reserved",
                                                pointer + "/event"));
        return false;
    }
    auto data = obj.find("data");
    if (data == obj.end()) {
        errors.push_back(codes::invalid_request("data is required", pointer + "/data"));
        return false;
    }
    out.data = data->is_string() ? data->get<std::string>() : data->dump();
    if (out.data.size() > max_data_size) {
        errors.push_back(codes::payload_too_large("data is " + std::to_string(out.data.size()) +
                                                  " bytes; the limit is " + std::to_string(max_data_size)));
        return false;
    }
    for (const char* field : {"socket_id", "idempotency_key"}) {
        auto it = obj.find(field);
        if (it == obj.end() || it->is_null()) continue;
        if (!it->is_string()) {
            errors.push_back(codes::invalid_request(std::string(field) + " must be a string",
                                                    pointer + "/" + field));
            return false;
        }
        (std::string_view(field) == "socket_id" ? out.socket_id : out.idempotency_key) = it->get<std::string>();
    }
    return true;
}

const json* attributes_of(const json& doc, std::string_view type, std::vector<error>& errors) {
    if (!doc.is_object()) {
        errors.push_back(codes::invalid_request("body must be a JSON:API document", ""));
        return nullptr;
    }
    auto data = doc.find("data");
    if (data == doc.end() || !data->is_object()) {
        errors.push_back(codes::invalid_request("data must be an object", "/data"));
        return nullptr;
    }
    if (auto t = data->find("type"); t != data->end() && (!t->is_string() || t->get<std::string>() != type)) {
        errors.push_back(codes::invalid_request("data.type must be \"" + std::string(type) + "\"", "/data/type"));
        return nullptr;
    }
    auto attrs = data->find("attributes");
    if (attrs == data->end() || !attrs->is_object()) {
        errors.push_back(codes::invalid_request("data.attributes must be an object", "/data/attributes"));
        return nullptr;
    }
    return &*attrs;
}

}  // namespace

publish_request parse_publish(std::string_view body, std::size_t max_data_size) {
    publish_request out;
    json doc = json::parse(body, nullptr, false);
    if (doc.is_discarded()) {
        out.errors.push_back(codes::invalid_request("body is not valid JSON"));
        return out;
    }
    const json* attrs = attributes_of(doc, "broadcast", out.errors);
    if (!attrs) return out;
    publish_message m;
    if (read_message(*attrs, "/data/attributes", max_data_size, m, out.errors))
        out.messages.push_back(std::move(m));
    return out;
}

publish_request parse_publish_batch(std::string_view body, std::size_t max_data_size) {
    publish_request out;
    json doc = json::parse(body, nullptr, false);
    if (doc.is_discarded()) {
        out.errors.push_back(codes::invalid_request("body is not valid JSON"));
        return out;
    }
    const json* attrs = attributes_of(doc, "batch_broadcast", out.errors);
    if (!attrs) return out;
    auto messages = attrs->find("messages");
    if (messages == attrs->end() || !messages->is_array() || messages->empty()) {
        out.errors.push_back(codes::invalid_request("messages must be a non-empty array",
                                                    "/data/attributes/messages"));
        return out;
    }
    if (messages->size() > max_batch_messages) {
        out.errors.push_back(codes::invalid_request("at most 100 messages per batch",
                                                    "/data/attributes/messages"));
        return out;
    }
    for (std::size_t i = 0; i < messages->size(); ++i) {
        publish_message m;
        if (read_message((*messages)[i], "/data/attributes/messages/" + std::to_string(i),
                         max_data_size, m, out.errors))
            out.messages.push_back(std::move(m));
    }
    if (!out.errors.empty()) out.messages.clear();  // all or nothing
    return out;
}

}  // namespace sb::protocol::jsonapi
