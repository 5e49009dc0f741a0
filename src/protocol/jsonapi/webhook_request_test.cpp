#include "protocol/jsonapi/webhook_request.hpp"

#include <gtest/gtest.h>

namespace sb::protocol::jsonapi {
namespace {

const std::string good_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";  // 24 bytes

std::string doc(const std::string& attributes) {
    return R"({"data":{"type":"webhooks","attributes":)" + attributes + "}}";
}

TEST(webhook_request, parses_the_seeds_example) {
    const auto r = parse_webhook_request(doc(R"({
        "url": "https://api.yourapp.com/webhooks/realtime",
        "events": ["message.sent", "presence.join", "presence.leave"],
        "secret": ")" + good_secret + R"(",
        "active": true})"));
    ASSERT_TRUE(r.errors.empty()) << r.errors.front().detail;
    EXPECT_EQ(r.fields.url, "https://api.yourapp.com/webhooks/realtime");
    EXPECT_EQ(r.fields.events,
              (std::vector<std::string>{"message.sent", "presence.join", "presence.leave"}));
    EXPECT_EQ(r.fields.secret, good_secret);
    EXPECT_EQ(r.fields.active, true);
    EXPECT_FALSE(r.fields.format);
    EXPECT_FALSE(r.fields.channels);
}

TEST(webhook_request, absent_attributes_stay_absent_for_a_patch) {
    const auto r = parse_webhook_request(doc(R"({"active": false})"), "wh_1");
    ASSERT_TRUE(r.errors.empty());
    EXPECT_EQ(r.fields.active, false);
    EXPECT_FALSE(r.fields.url);
    EXPECT_FALSE(r.fields.events);
    EXPECT_FALSE(r.fields.secret);
}

TEST(webhook_request, null_channels_mean_every_channel_and_duplicate_events_collapse) {
    const auto r = parse_webhook_request(
        doc(R"({"channels": null, "events": ["message.sent", "message.sent"]})"));
    ASSERT_TRUE(r.errors.empty());
    ASSERT_TRUE(r.fields.channels);
    EXPECT_TRUE(r.fields.channels->empty());
    EXPECT_EQ(r.fields.events, std::vector<std::string>{"message.sent"});
}

TEST(webhook_request, the_pusher_format_takes_pushers_event_names) {
    auto r = parse_webhook_request(doc(
        R"({"url":"http://127.0.0.1:9/p","format":"pusher","events":["channel_occupied","member_added","client_event","cache_miss"]})"));
    ASSERT_TRUE(r.errors.empty()) << r.errors.front().detail;
    EXPECT_EQ(r.fields.format, "pusher");
    r = parse_webhook_request(doc(R"({"format":"pusher","events":["message.sent"]})"));
    ASSERT_EQ(r.errors.size(), 1U);
    EXPECT_EQ(r.errors[0].source_pointer, "/data/attributes/events/0");
    EXPECT_NE(r.errors[0].detail.find("channel_occupied"), std::string::npos)
        << "the valid names are listed";
}

TEST(webhook_request, each_bad_attribute_is_reported_with_its_pointer) {
    const auto r = parse_webhook_request(doc(R"({
        "url": "ftp://example.com/x",
        "events": ["message.sent", 7],
        "secret": "hunter2",
        "active": "yes",
        "format": "xml",
        "channels": ["chat:*", "bad channel"],
        "colour": "blue"})"));
    std::vector<std::string> pointers;
    for (const auto& e : r.errors) {
        pointers.push_back(e.source_pointer);
        EXPECT_EQ(e.status, 400);
        EXPECT_FALSE(e.code.empty());
    }
    std::sort(pointers.begin(), pointers.end());
    EXPECT_EQ(pointers,
              (std::vector<std::string>{"/data/attributes/active", "/data/attributes/channels/1",
                                        "/data/attributes/colour", "/data/attributes/events/1",
                                        "/data/attributes/format", "/data/attributes/secret",
                                        "/data/attributes/url"}));
}

TEST(webhook_request, unknown_native_events_are_refused_once_the_format_is_known) {
    const auto errors = check_webhook("native", {"message.sent", "message.created"}, "");
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].source_pointer, "/data/attributes/events/1");
    EXPECT_NE(errors[0].detail.find("message.created"), std::string::npos);
    EXPECT_EQ(check_webhook("native", {}, "").size(), 1U) << "events may not be empty";
    EXPECT_EQ(check_webhook("pusher", {"member_added"}, good_secret).size(), 1U)
        << "pusher webhooks are signed with the app secret";
    EXPECT_TRUE(check_webhook("pusher", {"member_added"}, "").empty());
}

TEST(webhook_request, read_only_attributes_sent_back_are_ignored) {
    const auto r = parse_webhook_request(doc(
        R"({"active": true, "created_at": "2024-01-15T10:30:00Z", "source": "api", "backlog": 3})"));
    EXPECT_TRUE(r.errors.empty());
}

TEST(webhook_request, the_document_shape_is_checked) {
    EXPECT_EQ(parse_webhook_request("not json").errors.size(), 1U);
    EXPECT_EQ(parse_webhook_request("[]").errors.size(), 1U);
    EXPECT_EQ(parse_webhook_request(R"({"data":[]})").errors[0].source_pointer, "/data");
    EXPECT_EQ(parse_webhook_request(R"({"data":{"type":"broadcast","attributes":{}}})")
                  .errors[0]
                  .source_pointer,
              "/data/type");
    EXPECT_EQ(parse_webhook_request(R"({"data":{"type":"webhooks"}})").errors[0].source_pointer,
              "/data/attributes");
    const auto mismatch = parse_webhook_request(
        R"({"data":{"type":"webhooks","id":"wh_2","attributes":{}}})", "wh_1");
    ASSERT_EQ(mismatch.errors.size(), 1U);
    EXPECT_EQ(mismatch.errors[0].status, 409);
}

TEST(webhook_request, urls_must_be_absolute_http_without_user_info) {
    EXPECT_EQ(check_webhook_url("https://example.com/hooks?x=1"), "");
    EXPECT_EQ(check_webhook_url("HTTP://127.0.0.1:8080/"), "");
    EXPECT_EQ(check_webhook_url("http://[::1]:8080/x"), "");
    EXPECT_NE(check_webhook_url(""), "");
    EXPECT_NE(check_webhook_url("example.com/hooks"), "");
    EXPECT_NE(check_webhook_url("https://"), "");
    EXPECT_NE(check_webhook_url("https://user:pw@example.com/"), "");
    EXPECT_NE(check_webhook_url("https://example.com/#frag"), "");
    EXPECT_NE(check_webhook_url("https://example.com/a b"), "");
    EXPECT_NE(check_webhook_url("https://example.com:0/"), "");
    EXPECT_NE(check_webhook_url("https://example.com:70000/"), "");
    EXPECT_NE(check_webhook_url("https://example.com:/"), "");
    EXPECT_NE(check_webhook_url("https://" + std::string(2100, 'a') + ".com/"), "");
}

TEST(webhook_request, secrets_are_whsec_and_24_to_64_bytes) {
    EXPECT_EQ(check_webhook_secret(good_secret), "");
    EXPECT_NE(check_webhook_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "") << "prefix required";
    EXPECT_NE(check_webhook_secret("whsec_c2hvcnQ="), "") << "5 bytes is too short";
    EXPECT_NE(check_webhook_secret("whsec_!!!!"), "");
    EXPECT_NE(check_webhook_secret("whsec_" + std::string(100, 'A')), "") << "75 bytes is too long";
}

TEST(webhook_request, hosts_are_matched_exactly_or_by_subdomain_wildcard) {
    const std::vector<std::string> allowed{"hooks.example.com", "*.internal.test", "127.0.0.1"};
    EXPECT_TRUE(host_allowed("https://hooks.example.com/x", {}));
    EXPECT_TRUE(host_allowed("https://HOOKS.example.com:8443/x", allowed));
    EXPECT_TRUE(host_allowed("http://a.b.internal.test/", allowed));
    EXPECT_TRUE(host_allowed("http://127.0.0.1:9/", allowed));
    EXPECT_FALSE(host_allowed("http://internal.test/", allowed)) << "*. means a subdomain";
    EXPECT_FALSE(host_allowed("http://evilinternal.test/", allowed));
    EXPECT_FALSE(host_allowed("https://example.com/", allowed));
    EXPECT_FALSE(host_allowed("https://hooks.example.com.evil.io/", allowed));
    EXPECT_FALSE(host_allowed("http://localhost/", allowed));
    EXPECT_TRUE(host_allowed("http://anything.io/", {"*"}));
    EXPECT_EQ(url_host("http://[::1]:80/"), "::1");
    EXPECT_EQ(url_host("https://Example.COM./x"), "example.com");
}

TEST(webhook_request, channel_patterns_use_channel_characters_and_stars) {
    EXPECT_EQ(check_channel_pattern("presence-*"), "");
    EXPECT_EQ(check_channel_pattern("chat:room-1"), "");
    EXPECT_NE(check_channel_pattern(""), "");
    EXPECT_NE(check_channel_pattern("a b"), "");
    EXPECT_NE(check_channel_pattern(std::string(201, 'a')), "");
}

}  // namespace
}  // namespace sb::protocol::jsonapi
