#include "protocol/jsonapi/token_request.hpp"

#include <nlohmann/json.hpp>

namespace sb::protocol::jsonapi {

token_request parse_token_request(std::string_view body, std::size_t max_user_info_size) {
    using json = nlohmann::json;
    token_request out;
    json doc = json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        out.errors.push_back(codes::invalid_request("body is not a JSON:API document"));
        return out;
    }
    auto data = doc.find("data");
    const json* attrs = nullptr;
    if (data != doc.end() && data->is_object()) {
        auto a = data->find("attributes");
        if (a != data->end() && a->is_object()) attrs = &*a;
    }
    if (!attrs) {
        out.errors.push_back(codes::invalid_request("data.attributes must be an object", "/data/attributes"));
        return out;
    }
    auto user = attrs->find("user_id");
    if (user == attrs->end() || !user->is_string() || user->get_ref<const std::string&>().empty() ||
        user->get_ref<const std::string&>().size() > 128) {
        out.errors.push_back(codes::invalid_request("user_id must be a string of 1 to 128 characters",
                                                    "/data/attributes/user_id"));
    } else {
        out.user_id = user->get<std::string>();
    }
    if (auto info = attrs->find("user_info"); info != attrs->end()) {
        out.user_info_json = info->dump();
        if (out.user_info_json.size() > max_user_info_size)
            out.errors.push_back(codes::invalid_request(
                "user_info is larger than " + std::to_string(max_user_info_size) + " bytes", "/data/attributes/user_info"));
    }
    if (auto channels = attrs->find("channels"); channels != attrs->end()) {
        if (!channels->is_array() || channels->size() > max_token_channels) {
            out.errors.push_back(codes::invalid_request("channels must be an array of at most 100 patterns",
                                                        "/data/attributes/channels"));
        } else {
            for (const auto& c : *channels) {
                if (!c.is_string() || c.get_ref<const std::string&>().empty() ||
                    c.get_ref<const std::string&>().size() > 200) {
                    out.errors.push_back(codes::invalid_channel("each channel pattern must be a string of 1 to 200 characters",
                                                                "/data/attributes/channels"));
                    break;
                }
                out.channels.push_back(c.get<std::string>());
            }
        }
    }
    if (auto exp = attrs->find("expires_in"); exp != attrs->end()) {
        if (!exp->is_number_unsigned() || exp->get<std::uint64_t>() == 0 ||
            exp->get<std::uint64_t>() > max_token_lifetime_s)
            out.errors.push_back(codes::invalid_request("expires_in must be 1 to 86400 seconds",
                                                        "/data/attributes/expires_in"));
        else
            out.expires_in_s = exp->get<std::uint64_t>();
    }
    return out;
}

}  // namespace sb::protocol::jsonapi
