#include "protocol/pusher/client_message.hpp"

#include <nlohmann/json.hpp>

namespace sb::protocol::pusher {
namespace {

using json = nlohmann::json;

std::optional<json> parse_json(std::string_view text) {
    json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return std::nullopt;
    return doc;
}

// pusher:* commands carry their data as an object; some clients send it JSON-encoded in a string.
std::optional<json> command_data(const json& doc) {
    auto it = doc.find("data");
    if (it == doc.end()) return std::nullopt;
    if (it->is_object()) return *it;
    if (it->is_string()) {
        auto inner = parse_json(it->get_ref<const std::string&>());
        if (inner && inner->is_object()) return inner;
    }
    return std::nullopt;
}

const std::string* string_field(const json& obj, const char* name) {
    auto it = obj.find(name);
    if (it == obj.end() || !it->is_string()) return nullptr;
    return &it->get_ref<const std::string&>();
}

invalid_message invalid(std::string reason) { return invalid_message{std::move(reason)}; }

client_command parse_subscribe(const json& doc, bool subscribe) {
    auto data = command_data(doc);
    if (!data) return invalid("pusher:subscribe needs a data object");
    const std::string* channel = string_field(*data, "channel");
    if (!channel) return invalid("data.channel must be a string");
    if (!subscribe) return unsubscribe_command{*channel};
    subscribe_command cmd;
    cmd.channel = *channel;
    if (auto it = data->find("auth"); it != data->end() && !it->is_null()) {
        if (!it->is_string()) return invalid("data.auth must be a string");
        cmd.auth = it->get<std::string>();
    }
    if (auto it = data->find("recover"); it != data->end() && !it->is_null()) {
        auto offset = it->is_object() ? it->find("offset") : it->end();
        auto epoch = it->is_object() ? it->find("epoch") : it->end();
        if (!it->is_object() || offset == it->end() || !offset->is_number_unsigned() || epoch == it->end() ||
            !epoch->is_string())
            return invalid("data.recover must be {\"offset\": number, \"epoch\": string}");
        cmd.recover = recover_position{offset->get<std::uint64_t>(), epoch->get<std::string>()};
    }
    if (auto it = data->find("channel_data"); it != data->end() && !it->is_null()) {
        if (it->is_string())
            cmd.channel_data = it->get<std::string>();
        else if (it->is_object())
            cmd.channel_data = it->dump();  // not what was signed; verification will say so
        else
            return invalid("data.channel_data must be a JSON string");
    }
    return cmd;
}

client_command parse_signin(const json& doc) {
    auto data = command_data(doc);
    if (!data) return invalid("pusher:signin needs a data object");
    const std::string* auth = string_field(*data, "auth");
    const std::string* user_data = string_field(*data, "user_data");
    if (!auth || !user_data) return invalid("pusher:signin needs data.auth and data.user_data strings");
    return signin_command{*auth, *user_data};
}

client_command parse_switchboard(const json& doc, const std::string& event) {
    const std::string* channel = string_field(doc, "channel");
    if (!channel) return invalid(event + " needs a \"channel\" string");
    auto data = command_data(doc);
    if (!data) return invalid(event + " needs a data object");
    if (event.rfind("switchboard:webrtc:", 0) == 0) {
        std::string action = event.substr(19);
        if (action != "join" && action != "signal" && action != "media" && action != "leave")
            return invalid("unknown event " + event);
        return webrtc_command{std::move(action), *channel, data->dump()};
    }
    if (event == "switchboard:presence") {
        presence_command cmd;
        cmd.channel = *channel;
        const std::string* action = string_field(*data, "action");
        if (!action) return invalid("data.action must be enter, update or leave");
        if (*action == "enter")
            cmd.what = presence_command::action::enter;
        else if (*action == "update")
            cmd.what = presence_command::action::update;
        else if (*action == "leave")
            cmd.what = presence_command::action::leave;
        else
            return invalid("data.action must be enter, update or leave");
        if (auto it = data->find("data"); it != data->end()) cmd.data_json = it->dump();
        return cmd;
    }
    if (event == "switchboard:typing") {
        typing_command cmd;
        cmd.channel = *channel;
        auto it = data->find("typing");
        if (it == data->end() || !it->is_boolean()) return invalid("data.typing must be true or false");
        cmd.typing = it->get<bool>();
        if (const std::string* name = string_field(*data, "user_name")) cmd.user_name = name->substr(0, 200);
        return cmd;
    }
    if (event == "switchboard:read" || event == "switchboard:delivered") {
        const std::string* id = string_field(*data, "message_id");
        if (!id || id->empty()) return invalid("data.message_id must be a message id");
        return read_command{*channel, *id, event == "switchboard:delivered"};
    }
    return invalid("unknown event " + event);
}

std::string user_id_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
    return {};
}

}  // namespace

client_command parse_client_message(std::string_view text, std::size_t max_data_size) {
    auto parsed = parse_json(text);
    if (!parsed) return invalid("message is not valid JSON");
    const json& doc = *parsed;
    if (!doc.is_object()) return invalid("message must be a JSON object");
    const std::string* event = string_field(doc, "event");
    if (!event || event->empty()) return invalid("message needs an \"event\" string");

    if (event->rfind("pusher:", 0) == 0) {
        if (*event == "pusher:ping") return ping_command{};
        if (*event == "pusher:pong") return pong_command{};
        if (*event == "pusher:subscribe") return parse_subscribe(doc, true);
        if (*event == "pusher:unsubscribe") return parse_subscribe(doc, false);
        if (*event == "pusher:signin") return parse_signin(doc);
        return invalid("unknown event " + *event);
    }
    if (event->rfind("pusher_internal:", 0) == 0)
        return invalid("clients may not send pusher_internal: events");
    if (event->rfind("switchboard:", 0) == 0) return parse_switchboard(doc, *event);
    if (event->size() > 200) return invalid("event name is longer than 200 characters");

    const std::string* channel = string_field(doc, "channel");
    if (!channel) return invalid("event " + *event + " needs a \"channel\" string");
    channel_event_command cmd;
    cmd.event = *event;
    cmd.channel = *channel;
    if (auto it = doc.find("data"); it != doc.end()) {
        if (it->is_string())
            cmd.data = it->get<std::string>();
        else
            cmd.data = it->dump();
    }
    if (const std::string* ack = string_field(doc, "ack")) cmd.ack = ack->substr(0, 100);
    if (const std::string* key = string_field(doc, "idempotency_key")) cmd.idempotency_key = key->substr(0, 200);
    if (auto it = doc.find("echo"); it != doc.end() && it->is_boolean()) cmd.echo = it->get<bool>();
    if (cmd.data.size() > max_data_size) {
        cmd.oversized = cmd.data.size();
        cmd.data.clear();
    }
    return cmd;
}

presence_data_result parse_presence_data(std::string_view channel_data,
                                         std::size_t max_user_info_size,
                                         std::size_t max_user_id_size) {
    presence_data_result out;
    auto doc = parse_json(channel_data);
    if (!doc || !doc->is_object()) {
        out.error = "channel_data must be a JSON object";
        return out;
    }
    auto id = doc->find("user_id");
    if (id == doc->end()) {
        out.error = "channel_data needs a user_id";
        return out;
    }
    std::string user_id = user_id_text(*id);
    if (user_id.empty()) {
        out.error = "channel_data.user_id must be a non-empty string";
        return out;
    }
    if (user_id.size() > max_user_id_size) {
        out.error = "channel_data.user_id is longer than " + std::to_string(max_user_id_size) + " characters";
        return out;
    }
    std::string info = "null";
    if (auto it = doc->find("user_info"); it != doc->end()) info = it->dump();
    if (info.size() > max_user_info_size) {
        out.error = "channel_data.user_info is larger than " + std::to_string(max_user_info_size) + " bytes";
        return out;
    }
    out.member = presence_member{std::move(user_id), std::move(info)};
    return out;
}

signin_user_result parse_signin_user_data(std::string_view user_data) {
    signin_user_result out;
    auto doc = parse_json(user_data);
    if (!doc || !doc->is_object()) {
        out.error = "user_data must be a JSON object";
        return out;
    }
    auto id = doc->find("id");
    if (id == doc->end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
        out.error = "user_data must contain the id field as a non-empty string";
        return out;
    }
    signin_user user;
    user.id = id->get<std::string>();
    user.user_info_json = "null";
    if (auto it = doc->find("user_info"); it != doc->end()) user.user_info_json = it->dump();
    out.user = std::move(user);
    return out;
}

}  // namespace sb::protocol::pusher
