#include "app/config.hpp"

#include <gtest/gtest.h>

namespace sb::app {

TEST(config, toml_sets_server_options_and_apps) {
    server_config c;
    apply_toml(c, R"(
port = 7000
threads = 3
activity_timeout = 5
max_message_size = 2048
[[apps]]
id = "a1"
key = "k1"
secret = "s1"
plan = "free"
client_events = false
[apps.limits]
max_connections = 2
[[apps]]
id = "a2"
key = "pk_test_x"
secret = "sk_test_y"
enabled = false
)",
               "test.toml");
    EXPECT_EQ(c.port, 7000);
    EXPECT_EQ(c.threads, 3u);
    EXPECT_EQ(c.realtime.activity_timeout_s, 5u);
    ASSERT_EQ(c.apps.size(), 2u);
    EXPECT_EQ(c.apps[0].app_plan, core::plan::free);
    EXPECT_FALSE(c.apps[0].client_events);
    EXPECT_EQ(c.apps[0].limit_overrides.max_connections, 2u);
    EXPECT_FALSE(c.apps[1].enabled);
    finalize(c);
    EXPECT_EQ(c.ws.max_message_size, 2048u * 2 + 4096);
}

TEST(config, toml_errors_name_the_problem) {
    server_config c;
    EXPECT_THROW(apply_toml(c, "port = [", "bad.toml"), config_error);
    EXPECT_THROW(apply_toml(c, "port = \"x\"", "bad.toml"), config_error);
    EXPECT_THROW(apply_toml(c, "[[apps]]\nid='a'\nkey='k'\nsecret='s'\nplan='gold'", "bad.toml"), config_error);
    try {
        apply_toml(c, "[[apps]]\nid='a'\nkey='k'\nsecret='s'\nplan='gold'", "bad.toml");
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("gold"), std::string::npos);
    }
}

TEST(config, environment_overrides_file) {
    server_config c;
    apply_toml(c, "port = 7000\n[[apps]]\nid='a'\nkey='k'\nsecret='s'", "t.toml");
    apply_environment(c, {{"SWITCHBOARD_PORT", "7100"}, {"SWITCHBOARD_APPS", "x:kx:sx,y:ky:sy"}});
    EXPECT_EQ(c.port, 7100);
    ASSERT_EQ(c.apps.size(), 2u);
    EXPECT_EQ(c.apps[1].key, "ky");
    EXPECT_THROW(apply_environment(c, {{"SWITCHBOARD_PORT", "70000"}}), config_error);
    EXPECT_THROW(apply_environment(c, {{"SWITCHBOARD_THREADS", "two"}}), config_error);
}

TEST(config, app_flag_needs_three_parts) {
    const auto app = parse_app_flag("42:pk_test_a:sk_test_b");
    EXPECT_EQ(app.id, "42");
    EXPECT_EQ(app.key, "pk_test_a");
    EXPECT_EQ(app.secret, "sk_test_b");
    // The secret may itself contain ':'.
    EXPECT_EQ(parse_app_flag("a:b:c:d").secret, "c:d");
    EXPECT_THROW((void)parse_app_flag("a:b"), config_error);
    EXPECT_THROW((void)parse_app_flag(":b:c"), config_error);
    EXPECT_THROW((void)parse_app_flag("a::c"), config_error);
    EXPECT_THROW((void)parse_app_flag("a:b:"), config_error);
}

TEST(config, broker_from_file_environment_and_cluster_section) {
    server_config c;
    apply_toml(c, "broker = 'redis://10.0.0.5:6380'\n[cluster]\nnode_id = 'node-a'\nnode_ttl = '10s'\n", "t.toml");
    EXPECT_EQ(c.broker, "redis://10.0.0.5:6380");
    EXPECT_EQ(c.node_id, "node-a");
    EXPECT_EQ(c.node_ttl, std::chrono::seconds(10));
    apply_environment(c, {{"SWITCHBOARD_BROKER", "redis://127.0.0.1:7000"}, {"SWITCHBOARD_NODE_ID", "b"}});
    EXPECT_EQ(c.broker, "redis://127.0.0.1:7000");
    EXPECT_EQ(c.node_id, "b");
    EXPECT_NO_THROW(finalize(c));
    EXPECT_THROW(apply_toml(c, "[cluster]\nnode_tl = 5\n", "t.toml"), config_error);
}

TEST(config, bad_broker_settings_are_refused_with_the_reason) {
    server_config c;
    c.broker = "http://127.0.0.1:6379";
    try {
        finalize(c);
        FAIL() << "accepted a non-redis broker URL";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("redis://"), std::string::npos) << e.what();
    }
    c.broker = "redis://127.0.0.1:6379";
    c.node_id = "has space";
    EXPECT_THROW(finalize(c), config_error);
    c.node_id = "";
    c.node_ttl = std::chrono::milliseconds(100);
    EXPECT_THROW(finalize(c), config_error);
}

}  // namespace sb::app

namespace sb::app {

TEST(config, webrtc_table_sets_ice_servers_and_checks_them) {
    server_config c;
    apply_toml(c, R"(
[webrtc]
public_url = "https://meet.example.com"
stun_urls = ["stun:127.0.0.1:34780"]
turn_urls = ["turn:127.0.0.1:34780?transport=udp"]
turn_secret = "s3cret"
reconnect_grace = 3
)",
               "test.toml");
    EXPECT_EQ(c.webrtc.public_url, "https://meet.example.com");
    EXPECT_EQ(c.webrtc.turn_urls.size(), 1u);
    EXPECT_EQ(c.webrtc.reconnect_grace_s, 3u);
    server_config bad;
    EXPECT_THROW(apply_toml(bad, "[webrtc]\nturn_urls = [\"turn:x\"]\n", "t.toml"), config_error);
    EXPECT_THROW(apply_toml(bad, "[webrtc]\nstun_urls = [\"http://x\"]\n", "t.toml"), config_error);
    EXPECT_THROW(apply_toml(bad, "[webrtc]\nturn_secrets = \"x\"\n", "t.toml"), config_error);
    server_config env;
    apply_environment(env, {{"SWITCHBOARD_WEBRTC_TURN_URLS", "turn:a:1,turn:b:2"}, {"SWITCHBOARD_WEBRTC_TURN_SECRET", "x"}});
    EXPECT_EQ(env.webrtc.turn_urls.size(), 2u);
}

}  // namespace sb::app
