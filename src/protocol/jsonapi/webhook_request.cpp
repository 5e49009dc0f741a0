#include "protocol/jsonapi/webhook_request.hpp"

#include "core/channel_name.hpp"
#include "crypto/crypto.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

namespace sb::protocol::jsonapi {
namespace {

using json = nlohmann::json;

constexpr std::string_view attributes_pointer = "/data/attributes";

// What GET answers besides the writable fields: accepted in a request and ignored.
constexpr std::array<std::string_view, 9> read_only_attributes{
    "created_at",           "updated_at",  "source",
    "disabled_reason",      "disabled_at", "failing_since",
    "consecutive_failures", "backlog",     "id"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

std::string pointer_to(std::string_view attribute) {
    return std::string(attributes_pointer) + "/" + std::string(attribute);
}

bool is_pattern_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '=' || c == '@' || c == ',' || c == '.' || c == ';' || c == ':' ||
           c == '*' || c == '#';
}

std::optional<std::vector<std::string>> string_list(const json& value, std::string_view attribute,
                                                    std::vector<error>& errors) {
    if (!value.is_array()) {
        errors.push_back(codes::invalid_request(
            std::string(attribute) + " must be an array of strings", pointer_to(attribute)));
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_string()) {
            errors.push_back(
                codes::invalid_request(std::string(attribute) + " must be an array of strings",
                                       pointer_to(attribute) + "/" + std::to_string(i)));
            return std::nullopt;
        }
        out.push_back(value[i].get<std::string>());
    }
    return out;
}

}  // namespace

std::string check_webhook_url(std::string_view url) {
    if (url.empty()) return "url must not be empty";
    if (url.size() > max_webhook_url)
        return "url must be at most " + std::to_string(max_webhook_url) + " characters";
    for (const char c : url)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return "url must not contain spaces, control or non-ASCII characters (percent-encode "
                   "them)";
    std::string lower(url.substr(0, 8));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
    std::string_view rest;
    if (lower.rfind("http://", 0) == 0)
        rest = url.substr(7);
    else if (lower.rfind("https://", 0) == 0)
        rest = url.substr(8);
    else
        return "url must be an absolute http:// or https:// URL";
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.find('@') != std::string_view::npos)
        return "url must not contain user information";
    if (url.find('#') != std::string_view::npos) return "url must not contain a fragment";
    if (url_host(url).empty()) return "url must name a host";
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return "url has an unterminated IPv6 address";
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return "url has a malformed host";
            port = after.substr(1);
            if (port.empty()) return "url has an empty port";
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        port = authority.substr(colon + 1);
        if (port.empty()) return "url has an empty port";
    }
    if (!port.empty()) {
        unsigned value = 0;
        const auto r = std::from_chars(port.data(), port.data() + port.size(), value);
        if (r.ec != std::errc{} || r.ptr != port.data() + port.size() || value == 0 ||
            value > 65535)
            return "url has an invalid port";
    }
    return {};
}

std::string url_host(std::string_view url) {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return {};
    std::string_view authority = url.substr(scheme + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto at = authority.rfind('@'); at != std::string_view::npos)
        authority = authority.substr(at + 1);
    std::string_view host = authority;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        host =
            close == std::string_view::npos ? std::string_view{} : authority.substr(1, close - 1);
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
    }
    std::string out(host);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
    while (!out.empty() && out.back() == '.') out.pop_back();  // example.com. is example.com
    return out;
}

bool host_allowed(std::string_view url, const std::vector<std::string>& allowed) {
    if (allowed.empty()) return true;
    const std::string host = url_host(url);
    if (host.empty()) return false;
    for (std::string pattern : allowed) {
        std::transform(pattern.begin(), pattern.end(), pattern.begin(),
                       [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
        if (pattern == "*" || pattern == host) return true;
        if (pattern.size() > 2 && pattern.rfind("*.", 0) == 0) {
            const std::string_view suffix = std::string_view(pattern).substr(1);  // ".example.com"
            if (host.size() > suffix.size() &&
                host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0)
                return true;
        }
    }
    return false;
}

std::string check_webhook_secret(std::string_view secret) {
    if (secret.rfind("whsec_", 0) != 0) return "secret must start with whsec_";
    const auto key = crypto::base64_decode(secret.substr(6));
    if (!key) return "secret must be whsec_ followed by base64";
    if (key->size() < min_secret_bytes || key->size() > max_secret_bytes)
        return "secret must encode " + std::to_string(min_secret_bytes) + " to " +
               std::to_string(max_secret_bytes) + " bytes (it encodes " +
               std::to_string(key->size()) + ")";
    return {};
}

std::string check_channel_pattern(std::string_view pattern) {
    if (pattern.empty()) return "channel patterns must not be empty";
    if (pattern.size() > core::max_channel_name_length)
        return "channel patterns must be at most " + std::to_string(core::max_channel_name_length) +
               " characters";
    for (const char c : pattern)
        if (!is_pattern_char(c))
            return "channel patterns use the characters of channel names and * (found '" +
                   std::string(1, c) + "')";
    return {};
}

std::vector<error> check_webhook(std::string_view format, const std::vector<std::string>& events,
                                 std::string_view secret) {
    std::vector<error> errors;
    const bool pusher = format == "pusher";
    if (!pusher && format != "native") {
        errors.push_back(codes::invalid_request("format must be \"native\" or \"pusher\"",
                                                pointer_to("format")));
        return errors;
    }
    if (events.empty())
        errors.push_back(
            codes::invalid_request("events must name at least one event", pointer_to("events")));
    for (std::size_t i = 0; i < events.size(); ++i) {
        const bool known = pusher ? contains(pusher_event_types, events[i])
                                  : contains(native_event_types, events[i]);
        if (known) continue;
        std::string list;
        if (pusher) {
            for (auto name : pusher_event_types)
                list += (list.empty() ? "" : ", ") + std::string(name);
        } else {
            for (auto name : native_event_types)
                list += (list.empty() ? "" : ", ") + std::string(name);
        }
        errors.push_back(codes::invalid_request("unknown " + std::string(format) + " event \"" +
                                                    events[i] + "\"; the " + std::string(format) +
                                                    " format has: " + list,
                                                pointer_to("events") + "/" + std::to_string(i)));
    }
    if (pusher && !secret.empty())
        errors.push_back(codes::invalid_request(
            "pusher-format webhooks are signed with the app's secret, as Pusher does: omit secret",
            pointer_to("secret")));
    return errors;
}

webhook_request parse_webhook_request(std::string_view body, std::string_view id) {
    webhook_request out;
    auto& errors = out.errors;
    const json doc = json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        errors.push_back(codes::invalid_request("body must be a JSON:API document", ""));
        return out;
    }
    const auto data = doc.find("data");
    if (data == doc.end() || !data->is_object()) {
        errors.push_back(codes::invalid_request("data must be an object", "/data"));
        return out;
    }
    const auto type = data->find("type");
    if (type == data->end() || !type->is_string() || type->get<std::string>() != "webhooks") {
        errors.push_back(codes::invalid_request("data.type must be \"webhooks\"", "/data/type"));
        return out;
    }
    if (const auto given = data->find("id"); given != data->end() && !id.empty()) {
        if (!given->is_string() || given->get<std::string>() != id) {
            errors.push_back(codes::conflict("data.id does not match the webhook in the URL"));
            return out;
        }
    }
    const auto attrs = data->find("attributes");
    if (attrs == data->end() || !attrs->is_object()) {
        errors.push_back(codes::invalid_request("data.attributes must be an object",
                                                std::string(attributes_pointer)));
        return out;
    }
    auto& f = out.fields;
    for (const auto& [name, value] : attrs->items()) {
        if (name == "url") {
            if (!value.is_string()) {
                errors.push_back(codes::invalid_request("url must be a string", pointer_to(name)));
                continue;
            }
            f.url = value.get<std::string>();
            if (auto why = check_webhook_url(*f.url); !why.empty())
                errors.push_back(codes::invalid_request(std::move(why), pointer_to(name)));
        } else if (name == "events") {
            f.events = string_list(value, name, errors);
            if (f.events) {
                std::vector<std::string> unique;
                for (auto& e : *f.events)
                    if (std::find(unique.begin(), unique.end(), e) == unique.end())
                        unique.push_back(e);
                f.events = std::move(unique);
            }
        } else if (name == "secret") {
            if (value.is_null()) {
                f.secret = std::string();
                continue;
            }
            if (!value.is_string()) {
                errors.push_back(
                    codes::invalid_request("secret must be a string", pointer_to(name)));
                continue;
            }
            f.secret = value.get<std::string>();
            if (auto why = check_webhook_secret(*f.secret); !why.empty())
                errors.push_back(codes::invalid_request(std::move(why), pointer_to(name)));
        } else if (name == "active") {
            if (!value.is_boolean()) {
                errors.push_back(
                    codes::invalid_request("active must be true or false", pointer_to(name)));
                continue;
            }
            f.active = value.get<bool>();
        } else if (name == "format") {
            if (!value.is_string() ||
                (value.get<std::string>() != "native" && value.get<std::string>() != "pusher")) {
                errors.push_back(codes::invalid_request("format must be \"native\" or \"pusher\"",
                                                        pointer_to(name)));
                continue;
            }
            f.format = value.get<std::string>();
        } else if (name == "channels") {
            if (value.is_null()) {
                f.channels = std::vector<std::string>{};
                continue;
            }
            f.channels = string_list(value, name, errors);
            if (!f.channels) continue;
            if (f.channels->size() > max_channel_patterns)
                errors.push_back(codes::invalid_request("channels may list at most " +
                                                            std::to_string(max_channel_patterns) +
                                                            " patterns",
                                                        pointer_to(name)));
            for (std::size_t i = 0; i < f.channels->size(); ++i)
                if (auto why = check_channel_pattern((*f.channels)[i]); !why.empty())
                    errors.push_back(codes::invalid_request(
                        std::move(why), pointer_to(name) + "/" + std::to_string(i)));
        } else if (!contains(read_only_attributes, name)) {
            errors.push_back(codes::invalid_request(
                "unknown attribute " + name +
                    " (webhooks have url, events, secret, active, format, channels)",
                pointer_to(name)));
        }
    }
    if (errors.empty() && f.events && f.format) {
        auto more = check_webhook(*f.format, *f.events, f.secret.value_or(""));
        errors.insert(errors.end(), more.begin(), more.end());
    }
    return out;
}

namespace codes {
error conflict(std::string detail) { return {409, "conflict", "Conflict", std::move(detail), {}}; }
error url_not_allowed(std::string detail) {
    return {400, "url_not_allowed", "URL not allowed", std::move(detail), "/data/attributes/url"};
}
}  // namespace codes

}  // namespace sb::protocol::jsonapi
