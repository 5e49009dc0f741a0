#include "core/plan.hpp"

#include <gtest/gtest.h>

namespace sb::core {

TEST(plan, seed_table_values) {
    EXPECT_EQ(limits_of(plan::free).max_connections, 100u);
    EXPECT_EQ(limits_of(plan::free).max_messages_per_second, 50u);
    EXPECT_EQ(limits_of(plan::free).max_channels, 10u);
    EXPECT_EQ(limits_of(plan::free).history_retention_seconds, 86400u);
    EXPECT_EQ(limits_of(plan::starter).max_connections, 5000u);
    EXPECT_EQ(limits_of(plan::starter).history_retention_seconds, 7u * 86400u);
    EXPECT_EQ(limits_of(plan::pro).max_messages_per_second, 5000u);
    EXPECT_EQ(limits_of(plan::pro).max_channels, 1000u);
    EXPECT_FALSE(limits_of(plan::enterprise).max_connections.has_value());
    EXPECT_FALSE(limits_of(plan::none).max_messages_per_second.has_value());
}

TEST(plan, parse_accepts_known_names_only) {
    EXPECT_EQ(parse_plan("pro"), plan::pro);
    EXPECT_EQ(parse_plan(""), plan::none);
    EXPECT_FALSE(parse_plan("gold").has_value());
    EXPECT_EQ(to_string(plan::starter), "starter");
}

}  // namespace sb::core
