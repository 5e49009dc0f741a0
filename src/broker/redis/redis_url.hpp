#pragma once
// Where a Redis server is and how to log in: `redis://[[user]:password@]host[:port][/db]`.
//
// Pure parsing, no I/O. The host is a name, an IPv4 address or a bracketed IPv6 address; the
// port defaults to 6379 and the database to 0. User and password may be percent-encoded.
// `rediss://` (TLS) and query parameters are refused rather than ignored.

#include <cstdint>
#include <string>
#include <string_view>

namespace sb::broker::redis {

struct redis_url {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::string username;  // empty: the default user (AUTH password)
    std::string password;  // empty: no AUTH
    std::uint32_t database = 0;

    // The URL again, with the password replaced by "***" unless `with_password` (for logs).
    [[nodiscard]] std::string to_string(bool with_password = false) const;
    bool operator==(const redis_url&) const = default;
};

enum class url_error : std::uint8_t {
    none,
    bad_scheme,       // not redis://
    tls_unsupported,  // rediss://
    bad_escape,       // a % not followed by two hex digits
    bad_host,         // empty host or unclosed [
    bad_port,         // not a number in 1..65535
    bad_database,     // not a number, or trailing text after it
    unsupported_query,
};

[[nodiscard]] std::string_view describe(url_error error);

struct parsed_url {
    redis_url url;
    url_error error = url_error::none;
    explicit operator bool() const noexcept { return error == url_error::none; }
};

[[nodiscard]] parsed_url parse_redis_url(std::string_view text);

}  // namespace sb::broker::redis
