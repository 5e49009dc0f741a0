#include "webhooks/signing.hpp"

#include <gtest/gtest.h>

#include "crypto/crypto.hpp"

namespace sb::webhooks {
namespace {

// The example of the Standard Webhooks specification, recomputed independently with Python's
// hmac module: base64(HMAC-SHA256(b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
// "msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}")).
TEST(signing, matches_the_standard_webhooks_test_vector) {
    EXPECT_EQ(
        standard_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                           1614265330, R"({"test": 2432232314})"),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(signing, every_signed_part_changes_the_signature) {
    const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const auto base = standard_signature(secret, "evt_1", 1700000000, "{}");
    ASSERT_TRUE(base);
    EXPECT_NE(standard_signature(secret, "evt_2", 1700000000, "{}"), base);
    EXPECT_NE(standard_signature(secret, "evt_1", 1700000001, "{}"), base);
    EXPECT_NE(standard_signature(secret, "evt_1", 1700000000, "{ }"), base);
    EXPECT_NE(standard_signature("whsec_" + crypto::base64_encode(std::string(24, 'k')), "evt_1",
                                 1700000000, "{}"),
              base);
}

TEST(signing, refuses_a_secret_that_is_not_whsec_base64) {
    EXPECT_FALSE(standard_signature("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "evt_1", 1, "{}"));
    EXPECT_FALSE(standard_signature("whsec_", "evt_1", 1, "{}"));
    EXPECT_FALSE(standard_signature("whsec_***", "evt_1", 1, "{}"));
}

TEST(signing, generated_secrets_are_whsec_and_32_random_bytes) {
    const std::string a = generate_secret();
    const std::string b = generate_secret();
    ASSERT_EQ(a.rfind("whsec_", 0), 0U);
    const auto key = crypto::base64_decode(a.substr(6));
    ASSERT_TRUE(key);
    EXPECT_EQ(key->size(), 32U);
    EXPECT_NE(a, b);
    EXPECT_TRUE(standard_signature(a, "evt_1", 1, "{}"));
}

// Recomputed with Python: hmac.new(b"7ad3773142a6692b25b8", body, sha256).hexdigest().
TEST(signing, pusher_signatures_are_hex_hmac_of_the_raw_body) {
    EXPECT_EQ(
        pusher_signature(
            "7ad3773142a6692b25b8",
            R"({"time_ms":1327078148132,"events":[{"name":"channel_occupied","channel":"test_channel"}]})"),
        "709fdb84c03664445f7698120b0edf0acc1ab1c8c6e93a0368c61841d6b998aa");
}

}  // namespace
}  // namespace sb::webhooks
