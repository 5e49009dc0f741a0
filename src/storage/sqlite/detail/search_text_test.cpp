#include "storage/sqlite/detail/search_text.hpp"

#include <gtest/gtest.h>

namespace sb::storage::sqlite::detail {
namespace {

TEST(search_text, json_objects_contribute_their_string_values_only) {
    EXPECT_EQ(search_document(
                  R"({"text":"Hello, everyone!","attachments":[],"n":3,"ok":false,"z":null})"),
              "Hello, everyone!");
    EXPECT_EQ(search_document(R"( {"a":{"b":["x","y"]},"c":"z"})"), "x\ny\nz");
}

TEST(search_text, json_escapes_are_decoded) {
    EXPECT_EQ(search_document(R"({"t":"caf\u00e9 \"quoted\" a\tb"})"), "café \"quoted\" a\tb");
}

TEST(search_text, a_json_string_or_array_is_json_too) {
    EXPECT_EQ(search_document(R"("just a string")"), "just a string");
    EXPECT_EQ(search_document(R"(["one", 2, "three"])"), "one\nthree");
}

TEST(search_text, other_data_is_indexed_as_it_is) {
    EXPECT_EQ(search_document("plain text"), "plain text");
    EXPECT_EQ(search_document("42"), "42") << "only {, [ and \" start JSON here";
    EXPECT_EQ(search_document(R"({"broken": )"), R"({"broken": )");
    EXPECT_EQ(search_document(R"({"a":"b"} trailing)"), R"({"a":"b"} trailing)");
    EXPECT_EQ(search_document(""), "");
}

TEST(search_text, looks_like_json_skips_leading_blanks) {
    EXPECT_TRUE(looks_like_json(" \n\t{"));
    EXPECT_TRUE(looks_like_json("["));
    EXPECT_FALSE(looks_like_json("  x{"));
    EXPECT_FALSE(looks_like_json(""));
}

TEST(search_text, query_words_are_quoted_so_no_fts5_syntax_gets_through) {
    EXPECT_EQ(fts5_query("meeting notes"), R"("meeting" "notes")");
    EXPECT_EQ(fts5_query(R"(a "b" OR c* NEAR(d) -e)"), R"("a" "b" "OR" "c" "NEAR" "d" "e")");
    EXPECT_EQ(fts5_query("alice@example.com"), R"("alice" "example" "com")");
    EXPECT_EQ(fts5_query("café 日本"), R"("café" "日本")");
}

TEST(search_text, a_query_without_words_is_empty) {
    EXPECT_EQ(fts5_query(""), "");
    EXPECT_EQ(fts5_query(" ?! -- () "), "");
}

}  // namespace
}  // namespace sb::storage::sqlite::detail
