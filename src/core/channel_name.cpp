#include "core/channel_name.hpp"

#include <array>

namespace sb::core {
namespace {

constexpr std::array<bool, 256> make_allowed() {
    std::array<bool, 256> t{};
    for (int c = 'a'; c <= 'z'; ++c) t[std::size_t(c)] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[std::size_t(c)] = true;
    for (int c = '0'; c <= '9'; ++c) t[std::size_t(c)] = true;
    for (char c : std::string_view("-_=@,.;:")) t[std::uint8_t(c)] = true;
    return t;
}
constexpr auto allowed = make_allowed();

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

struct prefix_rule {
    std::string_view prefix;
    channel_traits traits;
};

// Longest prefixes first: `private-encrypted-cache-` must win over `private-`.
constexpr std::array<prefix_rule, 11> rules{{
    {"private-encrypted-cache-", {channel_kind::encrypted_channel, true}},
    {"private-encrypted-", {channel_kind::encrypted_channel, false}},
    {"presence-cache-", {channel_kind::presence_channel, true}},
    {"private-cache-", {channel_kind::private_channel, true}},
    {"presence-", {channel_kind::presence_channel, false}},
    {"private-", {channel_kind::private_channel, false}},
    {"cache-", {channel_kind::public_channel, true}},
    {"presence:", {channel_kind::presence_channel, false}},
    {"private:", {channel_kind::private_channel, false}},
    {"public:", {channel_kind::public_channel, false}},
    {"cache:", {channel_kind::public_channel, true}},
}};

}  // namespace

channel_classification classify_channel(std::string_view name) noexcept {
    channel_classification out;
    if (name.empty()) {
        out.error = channel_name_error::empty;
        return out;
    }
    if (name.size() > max_channel_name_length) {
        out.error = channel_name_error::too_long;
        return out;
    }
    std::string_view body = name;
    if (name.front() == '#') {
        if (!starts_with(name, server_to_user_prefix) || name.size() == server_to_user_prefix.size()) {
            out.error = channel_name_error::invalid_character;
            return out;
        }
        out.traits.kind = channel_kind::server_to_user;
        body = name.substr(1);
    }
    for (char c : body) {
        if (!allowed[std::uint8_t(c)]) {
            out.error = channel_name_error::invalid_character;
            return out;
        }
    }
    if (out.traits.kind == channel_kind::server_to_user) return out;
    for (const auto& rule : rules) {
        if (starts_with(name, rule.prefix)) {
            out.traits = rule.traits;
            return out;
        }
    }
    return out;
}

std::string_view describe(channel_name_error error) noexcept {
    switch (error) {
        case channel_name_error::none: return "valid";
        case channel_name_error::empty: return "channel name is empty";
        case channel_name_error::too_long: return "channel name is longer than 200 characters";
        case channel_name_error::invalid_character:
            return "channel name may only contain letters, digits and -_=@,.;: (and a leading # "
                   "only in #server-to-user-{id})";
    }
    return "invalid channel name";
}

std::string_view server_to_user_id(std::string_view name) noexcept {
    if (!starts_with(name, server_to_user_prefix)) return {};
    return name.substr(server_to_user_prefix.size());
}

}  // namespace sb::core
