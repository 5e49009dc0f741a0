#include "core/app.hpp"

#include <gtest/gtest.h>

namespace sb::core {

app_config make(std::string id, std::string key, std::string secret) {
    app_config c;
    c.id = std::move(id);
    c.key = std::move(key);
    c.secret = std::move(secret);
    return c;
}

TEST(app_registry, keys_select_environment) {
    app_registry reg;
    ASSERT_EQ(reg.add(make("42", "pk_test_a", "sk_test_a")), app_config_error::none);
    ASSERT_EQ(reg.add(make("42", "pk_live_b", "sk_live_b")), app_config_error::none);
    ASSERT_EQ(reg.add(make("plain", "key", "secret")), app_config_error::none);
    EXPECT_EQ(reg.find_by_key("pk_test_a")->env, environment::staging);
    EXPECT_EQ(reg.find_by_key("pk_live_b")->env, environment::production);
    EXPECT_EQ(reg.find_by_key("key")->env, environment::production);
    EXPECT_NE(reg.find_by_key("pk_test_a")->index, reg.find_by_key("pk_live_b")->index);
    EXPECT_EQ(reg.find_by_id_and_secret("42", "sk_live_b"), reg.find_by_key("pk_live_b"));
    EXPECT_EQ(reg.find_by_id_and_secret("42", "sk_test_a"), reg.find_by_key("pk_test_a"));
    EXPECT_EQ(reg.find_by_id_and_secret("42", "secret"), nullptr);
    EXPECT_EQ(reg.find_by_key("nope"), nullptr);
    EXPECT_TRUE(reg.has_app_id("42"));
    EXPECT_FALSE(reg.has_app_id("43"));
}

TEST(app_registry, rejects_invalid_configs) {
    app_registry reg;
    EXPECT_EQ(reg.add(make("bad id", "k", "s")), app_config_error::invalid_id);
    EXPECT_EQ(reg.add(make("a.b", "k", "s")), app_config_error::invalid_id);
    EXPECT_EQ(reg.add(make("ok", "", "s")), app_config_error::empty_key);
    EXPECT_EQ(reg.add(make("ok", "k", "")), app_config_error::empty_secret);
    EXPECT_EQ(reg.add(make("ok", "pk_test_x", "sk_live_x")), app_config_error::mismatched_secret);
    ASSERT_EQ(reg.add(make("ok", "k", "s")), app_config_error::none);
    EXPECT_EQ(reg.add(make("other", "k", "s2")), app_config_error::duplicate_key);
    EXPECT_EQ(reg.add(make("ok", "k2", "s2")), app_config_error::duplicate_environment);
}

TEST(app_registry, plan_limits_merge_with_overrides) {
    app_registry reg;
    auto c = make("free-app", "fk", "fs");
    c.app_plan = plan::free;
    c.limit_overrides.max_connections = 2;
    ASSERT_EQ(reg.add(c), app_config_error::none);
    const auto* t = reg.find_by_key("fk");
    EXPECT_EQ(t->limits.max_connections, 2u);
    EXPECT_EQ(t->limits.max_messages_per_second, 50u);
    EXPECT_EQ(t->limits.max_channels, 10u);
    ASSERT_EQ(reg.add(make("unplanned", "uk", "us")), app_config_error::none);
    EXPECT_FALSE(reg.find_by_key("uk")->limits.max_connections.has_value());
}

}  // namespace sb::core
