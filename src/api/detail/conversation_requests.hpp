#pragma once
// What the conversation routes (conversations_api.hpp) read from a request: the JSON:API
// attributes of a body, the members, notify_roles and custom fields checked against their
// limits, counts in query strings, and whether the caller may act for a user. Each reader
// answers the error to send, with its JSON pointer, or nothing.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/native_rest_api.hpp"
#include "protocol/jsonapi/document.hpp"
#include "storage/conversation_store.hpp"

namespace sb::api::detail {

// data.attributes of a parsed body, or null when the body has no such object.
const nlohmann::json* attributes_of(const nlohmann::json& doc);

// members: [{user_uid, role}] → members, or an error.
std::optional<protocol::jsonapi::error> read_members(
    const nlohmann::json& v, std::vector<storage::conversation_member>& out);
// notify_roles: [role] → roles, or an error.
std::optional<protocol::jsonapi::error> read_roles(const nlohmann::json& v,
                                                   std::vector<std::string>& out);
// custom: an object of at most 16 KiB → its JSON text, or an error.
std::optional<protocol::jsonapi::error> read_custom(const nlohmann::json& v, std::string& out);

// A whole decimal count, nothing else.
bool parse_count(const std::string& text, std::size_t& out);

// A bearer token may act for its own user only; the secret key for anyone.
std::optional<protocol::jsonapi::error> check_self(const rest_caller& caller,
                                                   const std::string& user);

}  // namespace sb::api::detail
