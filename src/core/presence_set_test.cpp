#include "core/presence_set.hpp"

#include <gtest/gtest.h>

namespace sb::core {

TEST(presence_set, first_connection_adds_member_and_last_removes_it) {
    presence_set set(100);
    EXPECT_EQ(set.join("u1", R"({"name":"A"})"), presence_set::join_result::first_connection);
    EXPECT_EQ(set.join("u1", R"({"name":"other"})"), presence_set::join_result::additional_connection);
    EXPECT_EQ(set.join("u1", "null"), presence_set::join_result::additional_connection);
    EXPECT_EQ(set.size(), 1u);
    EXPECT_EQ(set.find("u1")->info_json, R"({"name":"A"})");
    EXPECT_FALSE(set.leave("u1"));
    EXPECT_FALSE(set.leave("u1"));
    EXPECT_TRUE(set.leave("u1"));
    EXPECT_TRUE(set.empty());
}

TEST(presence_set, leaving_unknown_user_is_a_noop) {
    presence_set set(10);
    EXPECT_FALSE(set.leave("ghost"));
    EXPECT_TRUE(set.empty());
}

TEST(presence_set, refuses_new_users_when_full_but_not_more_connections) {
    presence_set set(2);
    set.join("a", "null");
    set.join("b", "null");
    EXPECT_EQ(set.join("c", "null"), presence_set::join_result::full);
    EXPECT_EQ(set.join("a", "null"), presence_set::join_result::additional_connection);
    EXPECT_EQ(set.size(), 2u);
    EXPECT_EQ(set.find("c"), nullptr);
}

TEST(presence_set, update_replaces_info_of_members_only) {
    presence_set set(10);
    set.join("a", R"({"status":"online"})");
    EXPECT_TRUE(set.update("a", R"({"status":"away"})"));
    EXPECT_EQ(set.find("a")->info_json, R"({"status":"away"})");
    EXPECT_FALSE(set.update("b", "{}"));
}

}  // namespace sb::core
