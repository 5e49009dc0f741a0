#include "load/pusher_signer.hpp"

#include "crypto/crypto.hpp"

namespace sb::bench {

pusher_signer::pusher_signer(std::string app_id, std::string key, std::string secret)
    : app_id_(std::move(app_id)),
      key_(std::move(key)),
      secret_(std::move(secret)),
      key_param_("auth_key=" + key_ + "&auth_timestamp=") {}

// The parameters are already in sorted order: auth_key < auth_timestamp < auth_version <
// body_md5, and the tool sends no other parameter.
std::string pusher_signer::string_to_sign(std::string_view method, std::string_view path,
                                          std::string_view body_md5,
                                          std::uint64_t timestamp) const {
    std::string s;
    s.reserve(method.size() + path.size() + key_param_.size() + 80);
    s.append(method).append("\n").append(path).append("\n");
    s.append(key_param_).append(std::to_string(timestamp)).append("&auth_version=1.0");
    if (!body_md5.empty()) s.append("&body_md5=").append(body_md5);
    return s;
}

std::string pusher_signer::signed_query(std::string_view method, std::string_view path,
                                        std::string_view body, std::uint64_t timestamp) const {
    const std::string md5 = body.empty() ? std::string{} : crypto::md5_hex(body);
    const std::string to_sign = string_to_sign(method, path, md5, timestamp);
    // Reuse the sorted parameters: they follow the second newline of the string to sign.
    std::string query = to_sign.substr(method.size() + path.size() + 2);
    query.append("&auth_signature=").append(crypto::hmac_sha256_hex(secret_, to_sign));
    return query;
}

std::string pusher_signer::channel_auth(std::string_view socket_id,
                                        std::string_view channel) const {
    std::string to_sign;
    to_sign.reserve(socket_id.size() + channel.size() + 1);
    to_sign.append(socket_id).append(":").append(channel);
    return key_ + ":" + crypto::hmac_sha256_hex(secret_, to_sign);
}

}  // namespace sb::bench
