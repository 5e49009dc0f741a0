#pragma once
// Phrase handling shared by the built-in engine's extractors: stripping a leading phrase
// ("can you", "ok so"), tidying a phrase into an item ("Send the invoice"), and how much two
// keyword lists overlap. Pure.

#include <string>
#include <string_view>
#include <vector>

namespace sb::ai::detail {

// `text` without the first of `prefixes` that `lowered` (lower-case `text`) starts with at a
// word boundary, and without the separators after it; `stripped` says whether one matched.
std::string_view strip_prefix(std::string_view text, std::string_view lowered,
                              const std::vector<std::string_view>& prefixes, bool& stripped);
// `text` without leading fillers ("ok so", "btw", "thanks"), up to four of them.
std::string_view strip_fillers(std::string_view text);
// `text` as an item: squeezed, without trailing punctuation and politeness, capitalised, at most
// 280 characters.
std::string finish(std::string_view text);
// Shared words over the shorter list's length (0 when either is empty).
double overlap(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace sb::ai::detail
