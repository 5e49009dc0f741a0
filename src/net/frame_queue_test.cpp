#include "net/frame_queue.hpp"

#include <gtest/gtest.h>

namespace sb::net {

TEST(frame_queue, keeps_order_counts_bytes_and_wraps) {
    frame_queue q;
    auto f = frame::text("abc");  // 2-byte header + 3
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 10; ++i) q.push(frame_ref(frame::text(std::string(std::size_t(i), 'x'))));
        EXPECT_EQ(q.size(), 10u);
        for (int i = 0; i < 10; ++i) {
            EXPECT_EQ(q.at(0)->payload().size(), std::size_t(i));
            q.pop();
        }
        EXPECT_TRUE(q.empty());
        EXPECT_EQ(q.bytes(), 0u);
    }
    q.push(frame_ref(f));
    EXPECT_EQ(q.bytes(), 5u);
}

TEST(frame_queue, truncate_drops_the_tail) {
    frame_queue q;
    for (int i = 0; i < 5; ++i) q.push(frame_ref(frame::text("x")));
    q.truncate(1);
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(q.bytes(), 3u);
    q.clear();
    EXPECT_TRUE(q.empty());
}

TEST(frame_ref, shares_one_frame_with_a_local_count) {
    std::weak_ptr<const frame> weak;
    {
        auto shared = frame::text("hello");
        weak = shared;
        frame_ref a(std::move(shared));
        {
            frame_ref b = a;
            frame_ref c = b;
            EXPECT_EQ(c->payload(), "hello");
        }
        EXPECT_FALSE(weak.expired());
    }
    EXPECT_TRUE(weak.expired());
}

}  // namespace sb::net
