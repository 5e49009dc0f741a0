#include "protocol/websocket/handshake.hpp"

#include <gtest/gtest.h>

namespace sb::protocol::websocket {
namespace {

constexpr std::string_view rfc_key = "dGhlIHNhbXBsZSBub25jZQ==";

TEST(handshake, accept_key_matches_rfc_section_1_3_example) {
    EXPECT_EQ(accept_key(rfc_key), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(handshake, upgrade_response_carries_the_accept_key) {
    EXPECT_EQ(upgrade_response(rfc_key),
              "HTTP/1.1 101 Switching Protocols\r\n"
              "Upgrade: websocket\r\n"
              "Connection: Upgrade\r\n"
              "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
              "\r\n");
}

TEST(handshake, key_of_sixteen_base64_bytes_is_valid) {
    EXPECT_TRUE(is_valid_client_key(rfc_key));
    EXPECT_TRUE(is_valid_client_key("AAAAAAAAAAAAAAAAAAAAAA=="));
    EXPECT_TRUE(is_valid_client_key("/+9zZXJ2ZXIgc2lkZSBrZQ=="));
}

TEST(handshake, key_of_another_length_or_alphabet_is_invalid) {
    for (std::string_view key : {
             "",
             "dGhlIHNhbXBsZSBub25jZQ",     // unpadded 16 bytes
             "dGhlIHNhbXBsZSBub25jZQ=",    // one pad
             "dGhlIHNhbXBsZSBub25jZQ===",  // three pads
             "dGhlIHNhbXBsZSBub25jZ===",   // 15 bytes and padding to 24 characters
             "dGhlIHNhbXBsZSBub25jZQAA",   // 18 bytes
             "dGhlIHNhbXBsZSBub25jZQ==AAAA",
             "dGhlIHNhbXBsZSBub25jZ!==",  // outside the alphabet
             "dGhlIHNhbXBsZSBub25-ZQ==",  // URL-safe alphabet
             " dGhlIHNhbXBsZSBub25jZQ==",
             "dGhlIHNhbXBsZSBub2=jZQ==",
         }) {
        EXPECT_FALSE(is_valid_client_key(key)) << key;
    }
}

}  // namespace
}  // namespace sb::protocol::websocket
