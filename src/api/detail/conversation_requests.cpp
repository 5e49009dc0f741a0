#include "api/detail/conversation_requests.hpp"

#include <algorithm>
#include <charconv>

#include "api/detail/conversation_responses.hpp"

namespace sb::api::detail {

namespace jsonapi = protocol::jsonapi;
using nlohmann::json;

namespace {

constexpr std::size_t max_members = 1000;
constexpr std::size_t max_roles = 32;
constexpr std::size_t max_custom_bytes = 16 * 1024;

bool valid_text(const json& v, std::size_t max) {
    if (!v.is_string()) return false;
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > max) return false;
    return std::none_of(s.begin(), s.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

}  // namespace

const json* attributes_of(const json& doc) {
    if (doc.is_discarded() || !doc.is_object()) return nullptr;
    auto data = doc.find("data");
    if (data == doc.end() || !data->is_object()) return nullptr;
    auto attrs = data->find("attributes");
    if (attrs == data->end() || !attrs->is_object()) return nullptr;
    return &*attrs;
}

// members: [{user_uid, role}] → members, or an error.
std::optional<jsonapi::error> read_members(const json& v,
                                           std::vector<storage::conversation_member>& out) {
    if (!v.is_array() || v.size() > max_members)
        return jsonapi::codes::invalid_request("members must be an array of at most 1000 members",
                                               "/data/attributes/members");
    for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string at = "/data/attributes/members/" + std::to_string(i);
        const auto& m = v[i];
        if (!m.is_object())
            return jsonapi::codes::invalid_request("a member is an object {user_uid, role}", at);
        auto u = m.find("user_uid");
        if (u == m.end() || !valid_text(*u, 128))
            return jsonapi::codes::invalid_request(
                "user_uid must be a string of 1 to 128 characters", at + "/user_uid");
        std::string role = "member";
        if (auto r = m.find("role"); r != m.end() && !r->is_null()) {
            if (!valid_text(*r, 64))
                return jsonapi::codes::invalid_request(
                    "role must be a string of 1 to 64 characters", at + "/role");
            role = r->get<std::string>();
        }
        out.push_back({u->get<std::string>(), std::move(role)});
    }
    return std::nullopt;
}

std::optional<jsonapi::error> read_roles(const json& v, std::vector<std::string>& out) {
    if (!v.is_array() || v.size() > max_roles)
        return jsonapi::codes::invalid_request("notify_roles must be an array of at most 32 roles",
                                               "/data/attributes/notify_roles");
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!valid_text(v[i], 64))
            return jsonapi::codes::invalid_request(
                "a role is a string of 1 to 64 characters",
                "/data/attributes/notify_roles/" + std::to_string(i));
        out.push_back(v[i].get<std::string>());
    }
    return std::nullopt;
}

std::optional<jsonapi::error> read_custom(const json& v, std::string& out) {
    if (!v.is_object())
        return jsonapi::codes::invalid_request("custom must be a JSON object",
                                               "/data/attributes/custom");
    out = v.dump();
    if (out.size() > max_custom_bytes)
        return jsonapi::codes::invalid_request("custom must be at most 16 KiB",
                                               "/data/attributes/custom");
    return std::nullopt;
}

bool parse_count(const std::string& text, std::size_t& out) {
    auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    return r.ec == std::errc{} && r.ptr == text.data() + text.size();
}

// A bearer token may act for its own user only; the secret key for anyone.
std::optional<jsonapi::error> check_self(const rest_caller& caller, const std::string& user) {
    if (caller.secret_key) return std::nullopt;
    if (!caller.user)
        return jsonapi::codes::invalid_token("a bearer token for this user is required");
    if (caller.user->user_id != user)
        return forbidden_user("the token is for " + caller.user->user_id + ", not " + user);
    return std::nullopt;
}

}  // namespace sb::api::detail
