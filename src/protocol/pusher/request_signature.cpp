#include "protocol/pusher/request_signature.hpp"

#include "crypto/crypto.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sb::protocol::pusher {

std::string_view describe(signature_error error) noexcept {
    switch (error) {
        case signature_error::none: return "ok";
        case signature_error::missing_auth_key: return "Missing auth_key";
        case signature_error::missing_signature: return "Missing auth_signature";
        case signature_error::bad_version: return "auth_version must be 1.0";
        case signature_error::bad_timestamp: return "auth_timestamp must be a unix time in seconds";
        case signature_error::expired_timestamp:
            return "Timestamp expired: auth_timestamp is more than 600 seconds from server time";
        case signature_error::body_md5_mismatch: return "body_md5 does not match the request body";
        case signature_error::signature_mismatch:
            return "Invalid signature: auth_signature is not HMAC-SHA256(secret, "
                   "METHOD\\nPATH\\nsorted query)";
    }
    return "invalid signature";
}

std::string request_string_to_sign(std::string_view method, std::string_view path,
                                   const query_params& params) {
    std::vector<std::pair<std::string, std::string_view>> sorted;
    sorted.reserve(params.size());
    for (const auto& [k, v] : params) {
        if (k == "auth_signature") continue;
        std::string key = k;
        std::transform(key.begin(), key.end(), key.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        sorted.emplace_back(std::move(key), v);
    }
    std::sort(sorted.begin(), sorted.end());
    std::string out;
    out.append(method).append("\n").append(path).append("\n");
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (i) out += '&';
        out.append(sorted[i].first).append("=").append(sorted[i].second);
    }
    return out;
}

const std::string* find_param(const query_params& params, std::string_view name) {
    for (const auto& [k, v] : params)
        if (k == name) return &v;
    return nullptr;
}

signature_error verify_request(std::string_view method, std::string_view path,
                               const query_params& params, std::string_view body,
                               std::string_view secret, std::int64_t now_s, std::int64_t max_skew_s) {
    if (!find_param(params, "auth_key")) return signature_error::missing_auth_key;
    const std::string* signature = find_param(params, "auth_signature");
    if (!signature) return signature_error::missing_signature;
    const std::string* version = find_param(params, "auth_version");
    if (!version || *version != "1.0") return signature_error::bad_version;
    const std::string* ts = find_param(params, "auth_timestamp");
    std::int64_t timestamp = 0;
    if (!ts) return signature_error::bad_timestamp;
    auto r = std::from_chars(ts->data(), ts->data() + ts->size(), timestamp);
    if (r.ec != std::errc{} || r.ptr != ts->data() + ts->size()) return signature_error::bad_timestamp;
    if (timestamp > now_s + max_skew_s || timestamp < now_s - max_skew_s)
        return signature_error::expired_timestamp;
    const std::string* body_md5 = find_param(params, "body_md5");
    if (!body.empty() || body_md5) {
        if (!body_md5 || !crypto::constant_time_equal(*body_md5, crypto::md5_hex(body)))
            return signature_error::body_md5_mismatch;
    }
    const std::string expected =
        crypto::hmac_sha256_hex(secret, request_string_to_sign(method, path, params));
    if (!crypto::constant_time_equal(*signature, expected)) return signature_error::signature_mismatch;
    return signature_error::none;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            const int hi = hex(text[i + 1]);
            const int lo = hex(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += (plus_is_space && c == '+') ? ' ' : c;
    }
    return out;
}

query_params parse_query(std::string_view query) {
    query_params out;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos)
            out.emplace_back(percent_decode(pair, true), std::string{});
        else
            out.emplace_back(percent_decode(pair.substr(0, eq), true),
                             percent_decode(pair.substr(eq + 1), true));
    }
    return out;
}

}  // namespace sb::protocol::pusher
