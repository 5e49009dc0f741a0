#include "core/channel_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sb::core {

TEST(channel_name, prefixes_select_the_kind) {
    struct row {
        const char* name;
        channel_kind kind;
        bool cache;
    };
    for (const row& r : std::initializer_list<row>{
             {"news", channel_kind::public_channel, false},
             {"chat:room-1", channel_kind::public_channel, false},
             {"public:news", channel_kind::public_channel, false},
             {"private-team", channel_kind::private_channel, false},
             {"private:team-123", channel_kind::private_channel, false},
             {"presence-room", channel_kind::presence_channel, false},
             {"presence:chat:room-1", channel_kind::presence_channel, false},
             {"private-encrypted-x", channel_kind::encrypted_channel, false},
             {"cache-scores", channel_kind::public_channel, true},
             {"private-cache-x", channel_kind::private_channel, true},
             {"presence-cache-x", channel_kind::presence_channel, true},
             {"private-encrypted-cache-x", channel_kind::encrypted_channel, true},
             {"#server-to-user-42", channel_kind::server_to_user, false},
         }) {
        const auto c = classify_channel(r.name);
        ASSERT_TRUE(c.valid()) << r.name;
        EXPECT_EQ(c.traits.kind, r.kind) << r.name;
        EXPECT_EQ(c.traits.cache, r.cache) << r.name;
    }
}

TEST(channel_name, rejects_bad_names) {
    EXPECT_EQ(classify_channel("").error, channel_name_error::empty);
    EXPECT_EQ(classify_channel(std::string(201, 'a')).error, channel_name_error::too_long);
    EXPECT_TRUE(classify_channel(std::string(200, 'a')).valid());
    EXPECT_EQ(classify_channel("room 1").error, channel_name_error::invalid_character);
    EXPECT_EQ(classify_channel("room/1").error, channel_name_error::invalid_character);
    EXPECT_EQ(classify_channel("#room").error, channel_name_error::invalid_character);
    EXPECT_EQ(classify_channel("#server-to-user-").error, channel_name_error::invalid_character);
    EXPECT_EQ(classify_channel("caf\xc3\xa9").error, channel_name_error::invalid_character);
    EXPECT_EQ(classify_channel(std::string("a\0b", 3)).error, channel_name_error::invalid_character);
}

TEST(channel_name, server_to_user_id_is_the_suffix) {
    EXPECT_EQ(server_to_user_id("#server-to-user-42"), "42");
    EXPECT_EQ(server_to_user_id("private-x"), "");
}

TEST(channel_name, only_private_and_presence_allow_client_events) {
    EXPECT_TRUE(allows_client_events(channel_kind::private_channel));
    EXPECT_TRUE(allows_client_events(channel_kind::presence_channel));
    EXPECT_FALSE(allows_client_events(channel_kind::public_channel));
    EXPECT_FALSE(allows_client_events(channel_kind::encrypted_channel));
    EXPECT_FALSE(allows_client_events(channel_kind::server_to_user));
}

}  // namespace sb::core
