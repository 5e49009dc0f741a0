#include "webrtc/turn_credentials.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace sb::webrtc {
namespace {

TEST(turn_credentials, follow_coturn_use_auth_secret) {
    // echo -n '1700000000:alice' | openssl dgst -sha1 -hmac testsecret -binary | base64
    const auto c = make_turn_credential("testsecret", "alice", 1700000000);
    EXPECT_EQ(c.username, "1700000000:alice");
    EXPECT_EQ(c.credential, "xZKofrfxA71u/OUNpsn3mAi1q24=");
}

TEST(turn_credentials, ice_servers_list_stun_then_turn_with_expiring_credentials) {
    options o;
    o.stun_urls = {"stun:127.0.0.1:34780"};
    o.turn_urls = {"turn:127.0.0.1:34780?transport=udp"};
    o.turn_secret = "testsecret";
    o.turn_ttl_s = 600;
    const auto servers = nlohmann::json::parse(ice_servers_json(o, "bob", 1000));
    ASSERT_EQ(servers.size(), 2u);
    EXPECT_EQ(servers[0]["urls"][0], "stun:127.0.0.1:34780");
    EXPECT_EQ(servers[1]["username"], "1600:bob");
    EXPECT_EQ(servers[1]["credential"], make_turn_credential("testsecret", "bob", 1600).credential);
}

TEST(turn_credentials, no_turn_entry_without_a_secret) {
    options o;
    o.turn_urls = {"turn:127.0.0.1:34780"};
    EXPECT_EQ(ice_servers_json(o, "bob", 1000), "[]");
}

}  // namespace
}  // namespace sb::webrtc
