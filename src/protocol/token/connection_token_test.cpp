#include "protocol/token/connection_token.hpp"

#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

namespace sb::protocol::token {

namespace {
claims sample() {
    claims c;
    c.app_id = "42";
    c.environment = "staging";
    c.user_id = "user_123";
    c.user_info_json = R"({"name":"Alice"})";
    c.channels = {"chat:*", "notifications:user_123"};
    c.issued_at_s = 1000;
    c.expires_at_s = 4600;
    c.token_id = "tok_1";
    return c;
}
}  // namespace

TEST(connection_token, round_trips_claims) {
    const auto jwt = mint(sample(), "sk_test_secret");
    const auto r = verify(jwt, "sk_test_secret", 2000);
    ASSERT_TRUE(r.token.has_value()) << describe(r.error);
    EXPECT_EQ(r.token->app_id, "42");
    EXPECT_EQ(r.token->environment, "staging");
    EXPECT_EQ(r.token->user_id, "user_123");
    EXPECT_EQ(r.token->user_info_json, R"({"name":"Alice"})");
    EXPECT_EQ(r.token->channels.size(), 2u);
    EXPECT_EQ(peek(jwt)->app_id, "42");
}

// A token made by hand with the standard recipe (what any JWT library produces) verifies.
TEST(connection_token, accepts_a_token_built_independently) {
    const std::string head = crypto::base64url_encode(std::string_view(R"({"typ":"JWT","alg":"HS256"})"));
    const std::string body = crypto::base64url_encode(std::string_view(R"({"iss":"a","sub":"u","exp":99999,"channels":["*"]})"));
    const std::string sig = crypto::base64url_encode(crypto::hmac_sha256("s", head + "." + body));
    const auto r = verify(head + "." + body + "." + sig, "s", 100);
    ASSERT_TRUE(r.token.has_value()) << describe(r.error);
    EXPECT_EQ(r.token->channels.front(), "*");
}

TEST(connection_token, rejects_forgeries_and_expiry) {
    const auto jwt = mint(sample(), "right");
    EXPECT_EQ(verify(jwt, "wrong", 2000).error, token_error::bad_signature);
    EXPECT_EQ(verify(jwt, "right", 4600 + 60).error, token_error::expired);
    EXPECT_EQ(verify(jwt, "right", 4600 + 59).error, token_error::none);
    EXPECT_EQ(verify("a.b", "right", 2000).error, token_error::malformed);
    EXPECT_EQ(verify("a.b.c.d", "right", 2000).error, token_error::malformed);
    EXPECT_EQ(verify("", "right", 2000).error, token_error::malformed);
    // Tampered payload with the original signature.
    auto c = sample();
    c.channels = {"*"};
    const auto other = mint(c, "right");
    const auto tampered = other.substr(0, other.rfind('.')) + jwt.substr(jwt.rfind('.'));
    EXPECT_EQ(verify(tampered, "right", 2000).error, token_error::bad_signature);
    // alg=none is refused even without a signature.
    const std::string none_head = crypto::base64url_encode(std::string_view(R"({"alg":"none"})"));
    EXPECT_EQ(verify(none_head + "." + jwt.substr(jwt.find('.') + 1, jwt.rfind('.') - jwt.find('.') - 1) + ".", "right", 2000).error,
              token_error::bad_algorithm);
    auto future = sample();
    future.issued_at_s = 10'000;
    future.expires_at_s = 20'000;
    EXPECT_EQ(verify(mint(future, "right"), "right", 2000).error, token_error::not_yet_valid);
}

}  // namespace sb::protocol::token
