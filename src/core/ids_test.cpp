#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace sb::core {

TEST(socket_id, formats_and_parses_as_two_integers) {
    socket_id id{123, 456};
    EXPECT_EQ(id.to_string(), "123.456");
    socket_id back;
    ASSERT_TRUE(parse_socket_id("123.456", back));
    EXPECT_EQ(back, id);
    const auto text = socket_id{987654321, 7}.to_string();
    const auto dot = text.find('.');
    ASSERT_NE(dot, std::string::npos);
    const auto digits = [](std::string_view s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    EXPECT_TRUE(digits(std::string_view(text).substr(0, dot)));
    EXPECT_TRUE(digits(std::string_view(text).substr(dot + 1)));
}

TEST(socket_id, parse_rejects_other_shapes) {
    socket_id out;
    for (const char* bad : {"", "1", "1.", ".1", "a.1", "1.2.3", "1.2x", "-1.2", "99999999999999999999.1"})
        EXPECT_FALSE(parse_socket_id(bad, out)) << bad;
}

TEST(ulid_generator, ids_are_prefixed_sortable_and_unique) {
    ulid_generator gen(1);
    std::string prev;
    for (int i = 0; i < 1000; ++i) {
        const auto id = gen.next("msg_", 1'700'000'000'000ull + std::uint64_t(i / 10));
        ASSERT_EQ(id.size(), 30u);
        ASSERT_EQ(id.substr(0, 4), "msg_");
        ASSERT_GT(id, prev);
        prev = id;
    }
}

TEST(ulid_generator, time_prefix_encodes_milliseconds) {
    ulid_generator gen(2);
    // 0 ms encodes as ten '0' digits of time.
    EXPECT_EQ(gen.next("", 0).substr(0, 10), "0000000000");
    ulid_generator gen2(3);
    EXPECT_EQ(gen2.next("", 1).substr(0, 10), "0000000001");
}

}  // namespace sb::core
