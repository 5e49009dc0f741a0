#pragma once
// JSON:API documents of the native REST API (the seed's `data`/`type`/`attributes`/`meta` and
// `errors` shapes) and the error codes of the seed's table.

#include <string>
#include <string_view>
#include <vector>

namespace sb::protocol::jsonapi {

struct error {
    int status = 400;
    std::string code;    // invalid_channel, invalid_token, unauthorized_channel, …
    std::string title;
    std::string detail;
    std::string source_pointer;  // e.g. /data/attributes/channel; omitted when empty
    std::string source_parameter;  // a query parameter at fault, e.g. limit; omitted when empty
};

// {"errors":[{"status":"400","code":…,"title":…,"detail":…,"source":{"pointer":…}}]}
[[nodiscard]] std::string error_document(const std::vector<error>& errors);
[[nodiscard]] std::string error_document(const error& e);

// The seed's codes with their statuses and titles.
namespace codes {
[[nodiscard]] error invalid_channel(std::string detail, std::string pointer = {});
[[nodiscard]] error invalid_token(std::string detail);
[[nodiscard]] error unauthorized_channel(std::string detail);
[[nodiscard]] error channel_limit_exceeded(std::string detail);
[[nodiscard]] error channel_not_found(std::string detail);
[[nodiscard]] error rate_limit_exceeded(std::string detail);
[[nodiscard]] error connection_failed(std::string detail);
// Codes of our own for what the seed's table does not cover.
[[nodiscard]] error invalid_request(std::string detail, std::string pointer = {});
[[nodiscard]] error invalid_parameter(std::string parameter, std::string detail);
[[nodiscard]] error invalid_api_key(std::string detail);
[[nodiscard]] error app_not_found(std::string detail);
[[nodiscard]] error payload_too_large(std::string detail);
[[nodiscard]] error not_found(std::string detail);
[[nodiscard]] error method_not_allowed(std::string detail);
[[nodiscard]] error unsupported_media_type(std::string detail);
[[nodiscard]] error app_disabled(std::string detail);
}  // namespace codes

}  // namespace sb::protocol::jsonapi
