#pragma once
// Signs Pusher HTTP API requests (PUSHER.md 1.12) and computes channel auth strings (1.7), with
// everything that does not depend on the body or the time computed once.
//
// Thread: immutable after construction; each publisher process owns one.

#include <cstdint>
#include <string>
#include <string_view>

namespace sb::bench {

class pusher_signer {
public:
    pusher_signer(std::string app_id, std::string key, std::string secret);

    // The query string of a signed request, ready to follow '?':
    //   auth_key=..&auth_timestamp=..&auth_version=1.0&body_md5=..&auth_signature=..
    // (body_md5 only when the body is non-empty). `path` is e.g. "/apps/3/events".
    [[nodiscard]] std::string signed_query(std::string_view method, std::string_view path,
                                           std::string_view body, std::uint64_t timestamp) const;

    // The string that is signed; exposed for the unit test of the worked example.
    [[nodiscard]] std::string string_to_sign(std::string_view method, std::string_view path,
                                             std::string_view body_md5,
                                             std::uint64_t timestamp) const;

    // "key:hex(HMAC_SHA256(secret, socket_id:channel))", the auth of a private channel.
    [[nodiscard]] std::string channel_auth(std::string_view socket_id,
                                           std::string_view channel) const;

    [[nodiscard]] const std::string& app_id() const noexcept { return app_id_; }
    [[nodiscard]] const std::string& key() const noexcept { return key_; }
    [[nodiscard]] std::string events_path() const { return "/apps/" + app_id_ + "/events"; }
    [[nodiscard]] std::string batch_path() const { return "/apps/" + app_id_ + "/batch_events"; }

private:
    std::string app_id_;
    std::string key_;
    std::string secret_;
    std::string key_param_;  // "auth_key=<key>&auth_timestamp=", precomputed
};

}  // namespace sb::bench
