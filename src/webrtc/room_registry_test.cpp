#include "webrtc/room_registry.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace sb::webrtc {
namespace {

using json = nlohmann::json;

// A participant's connection: the frames its sink received.
struct inbox {
    std::vector<json> frames;
    sink to() {
        return [this](std::shared_ptr<const std::string> f) { frames.push_back(json::parse(*f)); };
    }
    [[nodiscard]] std::size_t count(std::string_view event) const {
        std::size_t n = 0;
        for (const auto& f : frames) n += f["event"] == event;
        return n;
    }
};

class room_registry_test : public ::testing::Test {
protected:
    room_registry_test() : reg(make_options()) {
        room r;
        r.id = "room_1";
        r.tenant = "app/production";
        r.max_participants = 3;
        EXPECT_TRUE(reg.create(r));
    }
    static options make_options() {
        options o;
        o.reconnect_grace_s = 10;
        return o;
    }
    join_result join(inbox& box, std::string user, std::string connection) {
        join_request req;
        req.user_id = std::move(user);
        req.connection = std::move(connection);
        req.to = box.to();
        return reg.join("app/production", "room_1", std::move(req), 1000);
    }
    room_registry reg;
};

TEST_F(room_registry_test, joining_lists_the_others_and_announces_the_newcomer) {
    inbox a, b;
    auto ra = join(a, "alice", "1.1");
    ASSERT_EQ(ra.error, join_error::none);
    EXPECT_TRUE(ra.others.empty());
    auto rb = join(b, "bob", "1.2");
    ASSERT_EQ(rb.error, join_error::none);
    ASSERT_EQ(rb.others.size(), 1u);
    EXPECT_EQ(rb.others[0].user_id, "alice");
    ASSERT_EQ(a.count("switchboard:webrtc:participant:joined"), 1u);
    EXPECT_EQ(a.frames[0]["data"]["id"], rb.self.id);
    EXPECT_EQ(a.frames[0]["channel"], "room_1");
    EXPECT_TRUE(b.frames.empty());
}

TEST_F(room_registry_test, a_full_room_refuses_the_next_participant) {
    inbox a, b, c, d;
    join(a, "a", "1");
    join(b, "b", "2");
    join(c, "c", "3");
    EXPECT_EQ(join(d, "d", "4").error, join_error::room_full);
    EXPECT_EQ(reg.participants("app/production", "room_1")->size(), 3u);
}

TEST_F(room_registry_test, signals_reach_only_the_named_member_of_the_same_room) {
    inbox a, b, c;
    auto ra = join(a, "a", "1");
    auto rb = join(b, "b", "2");
    auto rc = join(c, "c", "3");
    a.frames.clear(), b.frames.clear(), c.frames.clear();
    EXPECT_EQ(reg.relay("app/production", "room_1", ra.self.id, "1", rb.self.id, R"({"type":"offer","sdp":"x"})"),
              relay_error::none);
    ASSERT_EQ(b.frames.size(), 1u);
    EXPECT_EQ(b.frames[0]["data"]["from"], ra.self.id);
    EXPECT_EQ(b.frames[0]["data"]["signal"]["sdp"], "x");
    EXPECT_TRUE(a.frames.empty());
    EXPECT_TRUE(c.frames.empty());
    // Someone else's connection cannot speak for a participant; unknown targets are refused.
    EXPECT_EQ(reg.relay("app/production", "room_1", ra.self.id, "2", rb.self.id, "{}"), relay_error::not_a_member);
    EXPECT_EQ(reg.relay("app/production", "room_1", ra.self.id, "1", "p_nobody", "{}"), relay_error::no_such_participant);
    EXPECT_EQ(reg.relay("other/production", "room_1", ra.self.id, "1", rb.self.id, "{}"), relay_error::not_a_member);
}

TEST_F(room_registry_test, media_changes_are_broadcast_to_the_others) {
    inbox a, b;
    auto ra = join(a, "a", "1");
    join(b, "b", "2");
    EXPECT_EQ(reg.set_media("app/production", "room_1", ra.self.id, "1", {false, true, false}), relay_error::none);
    ASSERT_EQ(b.count("switchboard:webrtc:media"), 1u);
    EXPECT_EQ(b.frames.back()["data"]["audio"], false);
    EXPECT_EQ(a.count("switchboard:webrtc:media"), 0u);
}

TEST_F(room_registry_test, a_dropped_participant_can_rejoin_within_the_grace_period_keeping_its_id) {
    inbox a, b, a2;
    auto ra = join(a, "a", "1");
    join(b, "b", "2");
    reg.disconnected("app/production", "room_1", ra.self.id, "1", 5000);
    EXPECT_TRUE(reg.sweep(14'999).empty());
    join_request req;
    req.participant_id = ra.self.id;
    req.rejoin_key = ra.rejoin_key;
    req.connection = "3";
    req.to = a2.to();
    auto again = reg.join("app/production", "room_1", std::move(req), 15'000);
    ASSERT_EQ(again.error, join_error::none);
    EXPECT_TRUE(again.rejoined);
    EXPECT_EQ(again.self.id, ra.self.id);
    EXPECT_TRUE(reg.sweep(100'000).empty());
    EXPECT_EQ(b.frames.back()["data"]["rejoined"], true);
}

TEST_F(room_registry_test, a_dropped_participant_is_removed_after_the_grace_period) {
    inbox a, b;
    auto ra = join(a, "a", "1");
    join(b, "b", "2");
    reg.disconnected("app/production", "room_1", ra.self.id, "1", 5000);
    auto gone = reg.sweep(15'000);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].reason, "timeout");
    EXPECT_EQ(b.count("switchboard:webrtc:participant:left"), 1u);
    join_request req;
    req.participant_id = ra.self.id;
    req.rejoin_key = ra.rejoin_key;
    req.connection = "3";
    EXPECT_EQ(reg.join("app/production", "room_1", std::move(req), 16'000).error, join_error::bad_rejoin);
}

TEST_F(room_registry_test, a_wrong_rejoin_key_is_refused) {
    inbox a;
    auto ra = join(a, "a", "1");
    join_request req;
    req.participant_id = ra.self.id;
    req.rejoin_key = "guess";
    req.connection = "2";
    EXPECT_EQ(reg.join("app/production", "room_1", std::move(req), 2000).error, join_error::bad_rejoin);
}

TEST_F(room_registry_test, leaving_tells_the_others_and_ending_tells_everyone) {
    inbox a, b, c;
    auto ra = join(a, "a", "1");
    join(b, "b", "2");
    join(c, "c", "3");
    ASSERT_TRUE(reg.leave("app/production", "room_1", ra.self.id, "1"));
    EXPECT_EQ(b.count("switchboard:webrtc:participant:left"), 1u);
    EXPECT_EQ(c.count("switchboard:webrtc:participant:left"), 1u);
    auto ended = reg.end("app/production", "room_1");
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->size(), 2u);
    EXPECT_EQ(b.count("switchboard:webrtc:ended"), 1u);
    EXPECT_FALSE(reg.find("app/production", "room_1"));
    inbox d;
    EXPECT_EQ(join(d, "d", "4").error, join_error::room_not_found);
}

}  // namespace
}  // namespace sb::webrtc
