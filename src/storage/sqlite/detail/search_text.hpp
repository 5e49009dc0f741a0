#pragma once
// What full-text search indexes and how a user's words become an FTS5 query. Pure functions.
//
// The PostgreSQL store applies the same rules in SQL (postgres/migrations.cpp, sb_search_text),
// so that both backends find the same messages: JSON data contributes its string values only
// (not keys, numbers or punctuation); anything else is indexed as it is.

#include <string>
#include <string_view>

namespace sb::storage::sqlite::detail {

// Data whose first non-blank character is '{', '[' or '"' and that parses as JSON yields its
// string values, unescaped, one per line; any other data yields itself. Output is owned text.
[[nodiscard]] std::string search_document(std::string_view data);

// True when search_document(data) would try to parse `data` as JSON.
[[nodiscard]] bool looks_like_json(std::string_view data) noexcept;

// An FTS5 MATCH expression that requires every word of `text`: words are split at blanks and
// ASCII punctuation and each is quoted, so nothing the user types is FTS5 syntax. Empty when
// `text` holds no word (the caller returns no results rather than run an empty match).
[[nodiscard]] std::string fts5_query(std::string_view text);

}  // namespace sb::storage::sqlite::detail
