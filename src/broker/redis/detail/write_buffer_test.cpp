#include "broker/redis/detail/write_buffer.hpp"

#include <gtest/gtest.h>

#include <array>

#include "broker/redis/resp.hpp"

namespace sb::broker::redis::detail {
namespace {

std::string joined(const std::vector<std::string>& chunks) {
    std::string out;
    for (const auto& c : chunks) out += c;
    return out;
}

TEST(write_buffer, small_commands_share_one_chunk) {
    write_buffer b;
    const std::array<std::string_view, 3> set{"SET", "k", "v"};
    const std::array<std::string_view, 1> ping{"PING"};
    b.append_command(set, nullptr);
    b.append_command(ping, nullptr);
    const std::string expected = encode_command({"SET", "k", "v"}) + encode_command({"PING"});
    EXPECT_EQ(b.bytes(), expected.size());
    const auto& chunks = b.take();
    ASSERT_EQ(chunks.size(), 1U);
    EXPECT_EQ(chunks[0], expected);
    EXPECT_FALSE(b.has_pending());
    EXPECT_EQ(b.bytes(), expected.size()) << "still in flight";
    b.finish();
    EXPECT_EQ(b.bytes(), 0U);
}

TEST(write_buffer, large_owned_arguments_are_moved_not_copied) {
    write_buffer b;
    std::vector<std::string> owned{"PUBLISH", "ch",
                                   std::string(write_buffer::owned_threshold, 'x')};
    const char* payload = owned[2].data();
    const std::vector<std::string_view> args(owned.begin(), owned.end());
    b.append_command(args, &owned);
    const std::array<std::string_view, 1> ping{"PING"};
    b.append_command(ping, nullptr);
    const auto& chunks = b.take();
    ASSERT_EQ(chunks.size(), 3U);  // header, payload, "\r\n" + PING
    EXPECT_EQ(chunks[1].data(), payload);
    const std::string expected =
        encode_command({"PUBLISH", "ch", std::string(write_buffer::owned_threshold, 'x')}) +
        encode_command({"PING"});
    EXPECT_EQ(joined(chunks), expected);
    EXPECT_EQ(b.bytes(), expected.size());
}

TEST(write_buffer, commands_issued_during_a_write_wait_for_the_next) {
    write_buffer b;
    const std::array<std::string_view, 1> one{"ONE"};
    const std::array<std::string_view, 1> two{"TWO"};
    b.append_command(one, nullptr);
    EXPECT_EQ(joined(b.take()), encode_command({"ONE"}));
    b.append_command(two, nullptr);
    EXPECT_TRUE(b.has_pending());
    b.finish();
    EXPECT_EQ(joined(b.take()), encode_command({"TWO"}));
}

TEST(write_buffer, dropping_pending_keeps_the_write_in_flight) {
    write_buffer b;
    const std::array<std::string_view, 1> one{"ONE"};
    b.append_command(one, nullptr);
    const auto& in_flight = b.take();
    b.append_command(one, nullptr);
    b.drop_pending();
    EXPECT_FALSE(b.has_pending());
    EXPECT_EQ(joined(in_flight), encode_command({"ONE"}));
    EXPECT_EQ(b.bytes(), encode_command({"ONE"}).size());
}

}  // namespace
}  // namespace sb::broker::redis::detail
