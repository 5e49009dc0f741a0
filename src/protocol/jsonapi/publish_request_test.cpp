#include "protocol/jsonapi/publish_request.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sb::protocol::jsonapi {

TEST(publish_request, parses_the_seed_broadcast_body) {
    const auto r = parse_publish(R"({"data":{"type":"broadcast","attributes":{"channel":"notifications:all","event":"announcement","data":{"title":"System Maintenance"}}}})", 10240);
    ASSERT_TRUE(r.errors.empty());
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0].channel, "notifications:all");
    EXPECT_EQ(r.messages[0].event, "announcement");
    EXPECT_EQ(r.messages[0].data, R"({"title":"System Maintenance"})");
}

TEST(publish_request, batch_is_all_or_nothing) {
    auto r = parse_publish_batch(R"({"data":{"type":"batch_broadcast","attributes":{"messages":[{"channel":"a","event":"e","data":{}},{"channel":"b","event":"e","data":"x"}]}}})", 100);
    ASSERT_TRUE(r.errors.empty());
    EXPECT_EQ(r.messages.size(), 2u);
    r = parse_publish_batch(R"({"data":{"type":"batch_broadcast","attributes":{"messages":[{"channel":"a","event":"e","data":{}},{"channel":"bad name","event":"e","data":"x"}]}}})", 100);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].code, "invalid_channel");
    EXPECT_EQ(r.errors[0].source_pointer, "/data/attributes/messages/1/channel");
    EXPECT_TRUE(r.messages.empty());
}

TEST(publish_request, errors_use_the_seed_codes) {
    EXPECT_EQ(parse_publish("{", 100).errors.at(0).code, "invalid_request");
    EXPECT_EQ(parse_publish(R"({"data":{"type":"other","attributes":{}}})", 100).errors.at(0).code, "invalid_request");
    EXPECT_EQ(parse_publish(R"({"data":{"attributes":{"channel":"a b","event":"e","data":1}}})", 100).errors.at(0).code,
              "invalid_channel");
    EXPECT_EQ(parse_publish(R"({"data":{"attributes":{"channel":"a","event":"pusher:x","data":1}}})", 100).errors.at(0).code,
              "invalid_request");
    const auto big = parse_publish(R"({"data":{"attributes":{"channel":"a","event":"e","data":")" + std::string(200, 'x') + "\"}}}", 100);
    EXPECT_EQ(big.errors.at(0).status, 413);
}

TEST(error_document, matches_the_seed_shape) {
    const auto doc = nlohmann::json::parse(error_document(codes::unauthorized_channel("You are not authorized")));
    ASSERT_EQ(doc["errors"].size(), 1u);
    EXPECT_EQ(doc["errors"][0]["status"], "401");
    EXPECT_EQ(doc["errors"][0]["code"], "unauthorized_channel");
    EXPECT_EQ(doc["errors"][0]["title"], "Unauthorized");
    EXPECT_FALSE(doc["errors"][0].contains("source"));
}

}  // namespace sb::protocol::jsonapi
