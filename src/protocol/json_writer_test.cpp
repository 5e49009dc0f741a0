#include "protocol/json_writer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sb::protocol {

TEST(json_writer, escapes_quotes_backslashes_and_controls) {
    std::string out;
    append_json_string(out, std::string_view("a\"b\\c\n\t\x01\x1f" "\xc3\xa9", 11));
    EXPECT_EQ(out, R"("a\"b\\c\n\t\u0001\u001fé")");
    EXPECT_EQ(json_string_size(std::string_view("a\"b\\c\n\t\x01\x1f" "\xc3\xa9", 11)), out.size());
}

TEST(json_writer, round_trips_through_a_json_parser) {
    std::string text;
    for (int c = 1; c < 128; ++c) text += static_cast<char>(c);
    text += "\xe2\x82\xac";
    std::string out;
    append_json_string(out, text);
    EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), text);
}

TEST(json_writer, appends_unsigned_integers) {
    std::string out = "x";
    append_uint(out, 0);
    append_uint(out, 18446744073709551615ull);
    EXPECT_EQ(out, "x018446744073709551615");
}

}  // namespace sb::protocol
