#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace sb::crypto {

TEST(crypto, hmac_sha256_matches_rfc4231_case_2) {
    EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// The contexts are kept per thread and re-keyed on every call: a previous key must not leak into
// the next signature, an empty key must not mean "keep the previous one", and threads must not
// share state.
TEST(crypto, hmac_sha256_rekeys_its_kept_context_on_every_call) {
    const std::string jefe = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    const std::string empty_key_and_message = "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"), jefe);
        EXPECT_EQ(hmac_sha256_hex("", ""), empty_key_and_message);
        EXPECT_EQ(hmac_sha256_hex("other", "what do ya want for nothing?").size(), 64u);
    }
}

TEST(crypto, hmac_sha1_matches_rfc2202_case_2_in_several_threads) {
    std::vector<std::thread> threads;
    std::atomic<int> matches{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                const auto mac = hmac_sha1("Jefe", "what do ya want for nothing?");
                if (to_hex(mac.data(), mac.size()) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79") ++matches;
                (void)md5_hex(std::to_string(i));
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(matches.load(), 800);
}

TEST(crypto, sha256_of_abc_is_the_fips_180_example) {
    const auto d = sha256("abc");
    EXPECT_EQ(to_hex(d.data(), d.size()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(crypto, md5_of_empty_and_text) {
    EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(md5_hex("The quick brown fox jumps over the lazy dog"),
              "9e107d9d372bb6826bd81d3542a419d6");
}

TEST(crypto, sha1_base64_is_the_rfc6455_accept_example) {
    EXPECT_EQ(base64_encode(sha1("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11")),
              "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(crypto, base64_round_trips_every_remainder) {
    for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
        EXPECT_EQ(base64_decode(base64_encode(s)).value(), s);
        EXPECT_EQ(base64url_decode(base64url_encode(s)).value(), s);
    }
    EXPECT_EQ(base64_encode(std::string_view("foobar")), "Zm9vYmFy");
    EXPECT_EQ(base64_encode(std::string_view("fo")), "Zm8=");
    EXPECT_EQ(base64url_encode(std::string_view("\xfb\xff")), "-_8");
}

TEST(crypto, base64_rejects_characters_outside_the_alphabet) {
    EXPECT_FALSE(base64_decode("Zm9v!").has_value());
    EXPECT_FALSE(base64url_decode("Zm9v+").has_value());
    EXPECT_FALSE(base64_decode("Z").has_value());
}

TEST(crypto, constant_time_equal_compares_contents_and_length) {
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "abcd"));
    EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(crypto, random_token_has_requested_length_and_alphabet) {
    const auto a = random_token(24);
    const auto b = random_token(24);
    EXPECT_EQ(a.size(), 24u);
    EXPECT_NE(a, b);
    for (char c : a) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
}

}  // namespace sb::crypto
