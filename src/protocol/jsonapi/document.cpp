#include "protocol/jsonapi/document.hpp"

#include "protocol/json_writer.hpp"

namespace sb::protocol::jsonapi {

std::string error_document(const std::vector<error>& errors) {
    std::string out = R"({"errors":[)";
    for (std::size_t i = 0; i < errors.size(); ++i) {
        const auto& e = errors[i];
        if (i) out += ',';
        out += R"({"status":")";
        append_uint(out, static_cast<std::uint64_t>(e.status));
        out += R"(","code":)";
        append_json_string(out, e.code);
        out += R"(,"title":)";
        append_json_string(out, e.title);
        out += R"(,"detail":)";
        append_json_string(out, e.detail);
        if (!e.source_pointer.empty()) {
            out += R"(,"source":{"pointer":)";
            append_json_string(out, e.source_pointer);
            out += '}';
        } else if (!e.source_parameter.empty()) {
            out += R"(,"source":{"parameter":)";
            append_json_string(out, e.source_parameter);
            out += '}';
        }
        out += '}';
    }
    out += "]}";
    return out;
}

std::string error_document(const error& e) { return error_document(std::vector<error>{e}); }

namespace codes {
error invalid_channel(std::string detail, std::string pointer) {
    return {400, "invalid_channel", "Invalid channel", std::move(detail), std::move(pointer)};
}
error invalid_token(std::string detail) {
    return {401, "invalid_token", "Invalid token", std::move(detail), {}};
}
error unauthorized_channel(std::string detail) {
    return {401, "unauthorized_channel", "Unauthorized", std::move(detail), {}};
}
error channel_limit_exceeded(std::string detail) {
    return {403, "channel_limit_exceeded", "Channel limit exceeded", std::move(detail), {}};
}
error channel_not_found(std::string detail) {
    return {404, "channel_not_found", "Channel not found", std::move(detail), {}};
}
error rate_limit_exceeded(std::string detail) {
    return {429, "rate_limit_exceeded", "Rate limit exceeded", std::move(detail), {}};
}
error connection_failed(std::string detail) {
    return {500, "connection_failed", "Connection failed", std::move(detail), {}};
}
error invalid_request(std::string detail, std::string pointer) {
    return {400, "invalid_request", "Invalid request", std::move(detail), std::move(pointer)};
}
error invalid_parameter(std::string parameter, std::string detail) {
    error e{400, "invalid_request", "Invalid request", std::move(detail), {}, std::move(parameter)};
    return e;
}
error invalid_api_key(std::string detail) {
    return {401, "invalid_api_key", "Invalid API key", std::move(detail), {}};
}
error app_not_found(std::string detail) {
    return {404, "app_not_found", "App not found", std::move(detail), {}};
}
error payload_too_large(std::string detail) {
    return {413, "payload_too_large", "Payload too large", std::move(detail), {}};
}
error not_found(std::string detail) { return {404, "not_found", "Not found", std::move(detail), {}}; }
error method_not_allowed(std::string detail) {
    return {405, "method_not_allowed", "Method not allowed", std::move(detail), {}};
}
error unsupported_media_type(std::string detail) {
    return {415, "unsupported_media_type", "Unsupported media type", std::move(detail), {}};
}
error app_disabled(std::string detail) {
    return {403, "app_disabled", "App disabled", std::move(detail), {}};
}
}  // namespace codes

}  // namespace sb::protocol::jsonapi
