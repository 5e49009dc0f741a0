#include "broker/redis/redis_url.hpp"

#include <gtest/gtest.h>

namespace sb::broker::redis {
namespace {

TEST(redis_url, defaults_port_and_database) {
    const parsed_url p = parse_redis_url("redis://cache.internal");
    ASSERT_TRUE(p);
    EXPECT_EQ(p.url.host, "cache.internal");
    EXPECT_EQ(p.url.port, 6379);
    EXPECT_EQ(p.url.database, 0U);
    EXPECT_TRUE(p.url.password.empty());
}

TEST(redis_url, reads_password_user_port_and_database) {
    const parsed_url p = parse_redis_url("redis://:s%3Acret@127.0.0.1:26379/3");
    ASSERT_TRUE(p);
    EXPECT_EQ(p.url.password, "s:cret");
    EXPECT_TRUE(p.url.username.empty());
    EXPECT_EQ(p.url.port, 26379);
    EXPECT_EQ(p.url.database, 3U);

    const parsed_url acl = parse_redis_url("redis://node:pw@localhost:7000/");
    ASSERT_TRUE(acl);
    EXPECT_EQ(acl.url.username, "node");
    EXPECT_EQ(acl.url.password, "pw");

    // A lone userinfo is the password, as redis-cli reads it.
    const parsed_url lone = parse_redis_url("redis://secret@localhost");
    ASSERT_TRUE(lone);
    EXPECT_EQ(lone.url.password, "secret");
    EXPECT_TRUE(lone.url.username.empty());
}

TEST(redis_url, reads_bracketed_ipv6_hosts) {
    const parsed_url p = parse_redis_url("redis://[::1]:6380");
    ASSERT_TRUE(p);
    EXPECT_EQ(p.url.host, "::1");
    EXPECT_EQ(p.url.port, 6380);
    EXPECT_EQ(p.url.to_string(), "redis://[::1]:6380");
}

TEST(redis_url, bad_urls_say_what_is_wrong) {
    EXPECT_EQ(parse_redis_url("http://x").error, url_error::bad_scheme);
    EXPECT_EQ(parse_redis_url("").error, url_error::bad_scheme);
    EXPECT_EQ(parse_redis_url("rediss://x").error, url_error::tls_unsupported);
    EXPECT_EQ(parse_redis_url("redis://").error, url_error::bad_host);
    EXPECT_EQ(parse_redis_url("redis://:6379").error, url_error::bad_host);
    EXPECT_EQ(parse_redis_url("redis://[::1").error, url_error::bad_host);
    EXPECT_EQ(parse_redis_url("redis://h:").error, url_error::bad_port);
    EXPECT_EQ(parse_redis_url("redis://h:0").error, url_error::bad_port);
    EXPECT_EQ(parse_redis_url("redis://h:65536").error, url_error::bad_port);
    EXPECT_EQ(parse_redis_url("redis://h:80x").error, url_error::bad_port);
    EXPECT_EQ(parse_redis_url("redis://h/x").error, url_error::bad_database);
    EXPECT_EQ(parse_redis_url("redis://h/-1").error, url_error::bad_database);
    EXPECT_EQ(parse_redis_url("redis://:%zz@h").error, url_error::bad_escape);
    EXPECT_EQ(parse_redis_url("redis://:%4@h").error, url_error::bad_escape);
    EXPECT_EQ(parse_redis_url("redis://h?db=1").error, url_error::unsupported_query);
    EXPECT_FALSE(describe(url_error::bad_port).empty());
}

TEST(redis_url, to_string_hides_the_password) {
    const parsed_url p = parse_redis_url("redis://u:pw@h:1/2");
    ASSERT_TRUE(p);
    EXPECT_EQ(p.url.to_string(), "redis://u:***@h:1/2");
    EXPECT_EQ(p.url.to_string(true), "redis://u:pw@h:1/2");
}

}  // namespace
}  // namespace sb::broker::redis
