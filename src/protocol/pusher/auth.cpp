#include "protocol/pusher/auth.hpp"

#include "crypto/crypto.hpp"

namespace sb::protocol::pusher {

std::string channel_string_to_sign(std::string_view socket_id, std::string_view channel,
                                   const std::optional<std::string>& channel_data) {
    std::string s;
    s.reserve(socket_id.size() + channel.size() + 2 + (channel_data ? channel_data->size() : 0));
    s.append(socket_id).append(":").append(channel);
    if (channel_data) s.append(":").append(*channel_data);
    return s;
}

std::string user_string_to_sign(std::string_view socket_id, std::string_view user_data) {
    std::string s;
    s.append(socket_id).append("::user::").append(user_data);
    return s;
}

std::string sign(std::string_view key, std::string_view secret, std::string_view string_to_sign) {
    std::string out(key);
    out += ':';
    out += crypto::hmac_sha256_hex(secret, string_to_sign);
    return out;
}

bool verify(std::string_view auth, std::string_view key, std::string_view secret,
            std::string_view string_to_sign) {
    return crypto::constant_time_equal(auth, sign(key, secret, string_to_sign));
}

}  // namespace sb::protocol::pusher
