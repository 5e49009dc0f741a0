#include "broker/redis/redis_url.hpp"

#include <charconv>
#include <utility>

namespace sb::broker::redis {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size()) return false;
        const int hi = hex_value(in[i + 1]);
        const int lo = hex_value(in[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return true;
}

template <class T>
bool parse_number(std::string_view text, T& value) {
    if (text.empty()) return false;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} && ptr == text.data() + text.size();
}

}  // namespace

std::string_view describe(url_error error) {
    switch (error) {
        case url_error::none:
            return "no error";
        case url_error::bad_scheme:
            return "the URL must start with redis://";
        case url_error::tls_unsupported:
            return "rediss:// (TLS) is not supported";
        case url_error::bad_escape:
            return "bad percent escape in the user or password";
        case url_error::bad_host:
            return "missing or malformed host";
        case url_error::bad_port:
            return "the port must be a number from 1 to 65535";
        case url_error::bad_database:
            return "the database must be a non-negative number";
        case url_error::unsupported_query:
            return "query parameters are not supported";
    }
    return "unknown error";
}

std::string redis_url::to_string(bool with_password) const {
    std::string out = "redis://";
    if (!username.empty() || !password.empty()) {
        out += username;
        if (!password.empty()) {
            out += ':';
            out += with_password ? std::string_view(password) : std::string_view("***");
        }
        out += '@';
    }
    const bool ipv6 = host.find(':') != std::string::npos;
    if (ipv6) out += '[';
    out += host;
    if (ipv6) out += ']';
    out += ':';
    out += std::to_string(port);
    if (database != 0) {
        out += '/';
        out += std::to_string(database);
    }
    return out;
}

parsed_url parse_redis_url(std::string_view text) {
    parsed_url result;
    auto fail = [&](url_error e) {
        result.error = e;
        return result;
    };
    constexpr std::string_view scheme = "redis://";
    if (text.starts_with("rediss://")) return fail(url_error::tls_unsupported);
    if (!text.starts_with(scheme)) return fail(url_error::bad_scheme);
    text.remove_prefix(scheme.size());
    if (text.find('?') != std::string_view::npos || text.find('#') != std::string_view::npos) {
        return fail(url_error::unsupported_query);
    }

    std::string_view path;
    if (const auto slash = text.find('/'); slash != std::string_view::npos) {
        path = text.substr(slash + 1);
        text = text.substr(0, slash);
    }
    redis_url& url = result.url;
    if (const auto at = text.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = text.substr(0, at);
        text = text.substr(at + 1);
        const auto colon = userinfo.find(':');
        const std::string_view user = userinfo.substr(0, colon);
        const std::string_view password =
            colon == std::string_view::npos ? std::string_view{} : userinfo.substr(colon + 1);
        if (!percent_decode(user, url.username) || !percent_decode(password, url.password)) {
            return fail(url_error::bad_escape);
        }
        // redis://secret@host is the password alone, as redis-cli and most clients read it.
        if (colon == std::string_view::npos) url.password = std::exchange(url.username, {});
    }

    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close == 1) return fail(url_error::bad_host);
        url.host = std::string(text.substr(1, close - 1));
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return fail(url_error::bad_host);
            port = rest.substr(1);
            if (port.empty()) return fail(url_error::bad_port);
        }
    } else {
        const auto colon = text.find(':');
        const std::string_view host = text.substr(0, colon);
        if (host.empty()) return fail(url_error::bad_host);
        url.host = std::string(host);
        if (colon != std::string_view::npos) {
            port = text.substr(colon + 1);
            if (port.empty()) return fail(url_error::bad_port);
        }
    }
    if (!port.empty()) {
        std::uint32_t value = 0;
        if (!parse_number(port, value) || value == 0 || value > 65535) {
            return fail(url_error::bad_port);
        }
        url.port = static_cast<std::uint16_t>(value);
    }
    if (!path.empty() && !parse_number(path, url.database)) return fail(url_error::bad_database);
    return result;
}

}  // namespace sb::broker::redis
