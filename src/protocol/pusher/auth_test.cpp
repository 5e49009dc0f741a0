#include "protocol/pusher/auth.hpp"

#include <gtest/gtest.h>

namespace sb::protocol::pusher {

// The worked example of Pusher's auth signature documentation.
TEST(pusher_auth, private_channel_signature_matches_pusher_docs) {
    const auto s = channel_string_to_sign("1234.1234", "private-foobar", std::nullopt);
    EXPECT_EQ(s, "1234.1234:private-foobar");
    EXPECT_EQ(sign("278d425bdf160c739803", "7ad3773142a6692b25b8", s),
              "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
}

TEST(pusher_auth, presence_signature_covers_the_exact_channel_data) {
    const std::string data = R"({"user_id":10,"user_info":{"name":"Mr. Channels"}})";
    const auto s = channel_string_to_sign("1234.1234", "presence-foobar", data);
    EXPECT_EQ(s, "1234.1234:presence-foobar:" + data);
    const auto auth = sign("278d425bdf160c739803", "7ad3773142a6692b25b8", s);
    EXPECT_TRUE(verify(auth, "278d425bdf160c739803", "7ad3773142a6692b25b8", s));
    // Same data re-serialized with a space is a different string and must not verify.
    const auto other = channel_string_to_sign("1234.1234", "presence-foobar",
                                              std::string(R"({"user_id": 10,"user_info":{"name":"Mr. Channels"}})"));
    EXPECT_FALSE(verify(auth, "278d425bdf160c739803", "7ad3773142a6692b25b8", other));
}

TEST(pusher_auth, verify_rejects_wrong_key_secret_socket_and_garbage) {
    const auto s = channel_string_to_sign("1.2", "private-a", std::nullopt);
    const auto auth = sign("key", "secret", s);
    EXPECT_TRUE(verify(auth, "key", "secret", s));
    EXPECT_FALSE(verify(auth, "other", "secret", s));
    EXPECT_FALSE(verify(auth, "key", "secret2", s));
    EXPECT_FALSE(verify(auth, "key", "secret", channel_string_to_sign("1.3", "private-a", std::nullopt)));
    EXPECT_FALSE(verify("", "key", "secret", s));
    EXPECT_FALSE(verify("key:", "key", "secret", s));
    EXPECT_FALSE(verify(auth.substr(0, auth.size() - 1) + "0", "key", "secret", s));
}

TEST(pusher_auth, user_signature_string_uses_double_colon_user) {
    EXPECT_EQ(user_string_to_sign("1.2", R"({"id":"42"})"), R"(1.2::user::{"id":"42"})");
}

}  // namespace sb::protocol::pusher
