#include "webrtc/room_token.hpp"

#include <gtest/gtest.h>

namespace sb::webrtc {
namespace {

room_claims claims() { return {"app1", "production", "room_a", 1000, 2000}; }

TEST(room_token, verifies_for_its_room_until_it_expires) {
    const auto t = mint_room_token(claims(), "secret");
    EXPECT_EQ(verify_room_token(t, "secret", "app1", "production", "room_a", 1500), room_token_error::none);
    EXPECT_EQ(verify_room_token(t, "secret", "app1", "production", "room_a", 2000), room_token_error::expired);
}

TEST(room_token, refuses_other_rooms_apps_secrets_and_garbage) {
    const auto t = mint_room_token(claims(), "secret");
    EXPECT_EQ(verify_room_token(t, "secret", "app1", "production", "room_b", 1500), room_token_error::wrong_room);
    EXPECT_EQ(verify_room_token(t, "secret", "app2", "production", "room_a", 1500), room_token_error::wrong_app);
    EXPECT_EQ(verify_room_token(t, "secret", "app1", "staging", "room_a", 1500), room_token_error::wrong_app);
    EXPECT_EQ(verify_room_token(t, "other", "app1", "production", "room_a", 1500), room_token_error::bad_signature);
    EXPECT_EQ(verify_room_token("a.b", "secret", "app1", "production", "room_a", 1500), room_token_error::malformed);
    EXPECT_EQ(verify_room_token("", "secret", "app1", "production", "room_a", 1500), room_token_error::malformed);
}

}  // namespace
}  // namespace sb::webrtc
