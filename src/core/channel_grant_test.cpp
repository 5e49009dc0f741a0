#include "core/channel_grant.hpp"

#include <gtest/gtest.h>

namespace sb::core {

TEST(channel_grant, star_matches_any_run) {
    EXPECT_TRUE(matches_grant("chat:*", "chat:room-1"));
    EXPECT_TRUE(matches_grant("chat:*", "chat:"));
    EXPECT_FALSE(matches_grant("chat:*", "chatroom"));
    EXPECT_FALSE(matches_grant("chat:*", "presence:chat:room"));
    EXPECT_TRUE(matches_grant("*chat:*", "presence:chat:room"));
    EXPECT_TRUE(matches_grant("*", "anything"));
    EXPECT_TRUE(matches_grant("a*b*c", "aXXbYYc"));
    EXPECT_FALSE(matches_grant("a*b*c", "aXXbYY"));
}

TEST(channel_grant, literal_patterns_match_exactly) {
    EXPECT_TRUE(matches_grant("notifications:user_123", "notifications:user_123"));
    EXPECT_FALSE(matches_grant("notifications:user_123", "notifications:user_1234"));
    EXPECT_FALSE(matches_grant("", "x"));
    EXPECT_TRUE(matches_any_grant({"a", "chat:*"}, "chat:x"));
    EXPECT_FALSE(matches_any_grant({}, "chat:x"));
}

}  // namespace sb::core
