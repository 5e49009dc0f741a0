#include "core/subscription_index.hpp"

#include <gtest/gtest.h>

#include <map>

namespace sb::core {

namespace {
struct fake_subscriber {
    int id = 0;
    std::uint32_t slot = 0;
};
}  // namespace

TEST(subscription_index, adding_returns_slots_and_finds_channel) {
    subscription_index<fake_subscriber> index;
    fake_subscriber a{1}, b{2};
    auto [ch, slot_a] = index.add({0, "room"}, &a);
    auto [ch2, slot_b] = index.add({0, "room"}, &b);
    EXPECT_EQ(ch, ch2);
    EXPECT_EQ(slot_a, 0u);
    EXPECT_EQ(slot_b, 1u);
    EXPECT_EQ(index.find({0, "room"}), ch);
    EXPECT_EQ(index.find({1, "room"}), nullptr);  // another tenant's channel of the same name
    EXPECT_EQ(ch->key->name, "room");
}

TEST(subscription_index, removing_moves_last_subscriber_into_the_hole) {
    subscription_index<fake_subscriber> index;
    fake_subscriber s[3] = {{0}, {1}, {2}};
    subscription_index<fake_subscriber>::channel* ch = nullptr;
    for (auto& x : s) {
        auto [c, slot] = index.add({0, "room"}, &x);
        ch = c;
        x.slot = slot;
    }
    const bool erased = index.remove(ch, 0, s[0].slot, [](fake_subscriber* moved, std::uint32_t slot) {
        moved->slot = slot;
    });
    EXPECT_FALSE(erased);
    ASSERT_EQ(ch->groups[0].size(), 2u);
    EXPECT_EQ(ch->groups[0][0], &s[2]);
    EXPECT_EQ(s[2].slot, 0u);
    EXPECT_EQ(ch->groups[0][s[1].slot], &s[1]);
}

TEST(subscription_index, unsubscribing_last_session_removes_channel) {
    subscription_index<fake_subscriber> index;
    fake_subscriber a{1};
    auto [ch, slot] = index.add({3, "room"}, &a);
    EXPECT_TRUE(index.remove(ch, 0, slot, [](fake_subscriber*, std::uint32_t) { FAIL(); }));
    EXPECT_EQ(index.find({3, "room"}), nullptr);
    EXPECT_EQ(index.channel_count(), 0u);
}

TEST(subscription_index, random_churn_keeps_slots_consistent) {
    subscription_index<fake_subscriber> index;
    std::vector<fake_subscriber> subs(200);
    std::map<int, bool> in;
    subscription_index<fake_subscriber>::channel* ch = nullptr;
    unsigned seed = 7;
    auto rnd = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 16) % 200; };
    for (int step = 0; step < 5000; ++step) {
        const int i = static_cast<int>(rnd());
        subs[std::size_t(i)].id = i;
        if (in[i]) {
            const bool erased = index.remove(ch, 0, subs[std::size_t(i)].slot,
                                             [](fake_subscriber* m, std::uint32_t slot) { m->slot = slot; });
            in[i] = false;
            if (erased) ch = nullptr;
        } else {
            auto [c, slot] = index.add({0, "c"}, &subs[std::size_t(i)]);
            ch = c;
            subs[std::size_t(i)].slot = slot;
            in[i] = true;
        }
        if (ch) {
            for (std::uint32_t k = 0; k < ch->groups[0].size(); ++k)
                ASSERT_EQ(ch->groups[0][k]->slot, k);
        }
    }
}

}  // namespace sb::core

namespace sb::core {

TEST(subscription_index, groups_are_separate_lists_of_one_channel) {
    subscription_index<fake_subscriber> index;
    fake_subscriber plain{1}, native{2};
    auto [ch, slot_plain] = index.add({0, "room"}, &plain, 0);
    auto [ch2, slot_native] = index.add({0, "room"}, &native, 1);
    EXPECT_EQ(ch, ch2);
    EXPECT_EQ(slot_plain, 0u);
    EXPECT_EQ(slot_native, 0u);
    EXPECT_FALSE(index.remove(ch, 0, slot_plain, [](fake_subscriber*, std::uint32_t) {}));
    EXPECT_EQ(index.find({0, "room"}), ch);  // the native subscriber keeps the channel alive
    EXPECT_TRUE(index.remove(ch, 1, slot_native, [](fake_subscriber*, std::uint32_t) {}));
    EXPECT_EQ(index.find({0, "room"}), nullptr);
}

}  // namespace sb::core
