#pragma once
// Building HTTP responses: Pusher's API answers JSON or plain text, the native API JSON:API.

#include "net/http_service.hpp"
#include "protocol/jsonapi/document.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sb::api {

[[nodiscard]] inline net::http_response json_response(int status, std::string body) {
    net::http_response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

[[nodiscard]] inline net::http_response text_response(int status, std::string_view message) {
    net::http_response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::string(message) + "\n";
    return r;
}

[[nodiscard]] inline net::http_response jsonapi_response(int status, std::string body) {
    net::http_response r;
    r.status = status;
    r.content_type = "application/vnd.api+json";
    r.body = std::move(body);
    return r;
}

[[nodiscard]] inline net::http_response jsonapi_error(const protocol::jsonapi::error& e) {
    return jsonapi_response(e.status, protocol::jsonapi::error_document(e));
}

[[nodiscard]] inline net::http_response jsonapi_errors(const std::vector<protocol::jsonapi::error>& errors) {
    return jsonapi_response(errors.empty() ? 400 : errors.front().status, protocol::jsonapi::error_document(errors));
}

// Splits "/a/b/c" into {"a","b","c"} (raw, still percent-encoded).
[[nodiscard]] inline std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        if (path.front() == '/') {
            path.remove_prefix(1);
            continue;
        }
        const auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash);
    }
    return out;
}

}  // namespace sb::api
