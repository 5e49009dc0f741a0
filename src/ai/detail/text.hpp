#pragma once
// Text handling for the built-in engine: sentences, words, the language cues it
// looks for, and deadlines written the way people write them. ASCII case
// folding only (UTF-8 passes through untouched, so non-English words are kept
// as they are and simply match no cue). Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::ai::detail {

[[nodiscard]] std::string lower(std::string_view s);
// Collapses runs of whitespace and trims.
[[nodiscard]] std::string squeeze(std::string_view s);
// Sentences: split after . ! ? (followed by a space or the end) and at line
// breaks; trimmed.
[[nodiscard]] std::vector<std::string> sentences(std::string_view text);
// Lower-case words: letters, digits, and inner ' - _ # (so "don't",
// "follow-up", "#4521").
[[nodiscard]] std::vector<std::string> words(std::string_view text);
[[nodiscard]] bool is_stopword(std::string_view word) noexcept;
// Words worth comparing (not stopwords, 3+ characters).
[[nodiscard]] std::vector<std::string> keywords(std::string_view text);

// True when `text` (lower case) contains `phrase` at word boundaries.
[[nodiscard]] bool has_phrase(std::string_view text, std::string_view phrase) noexcept;
[[nodiscard]] bool has_any(std::string_view text,
                           const std::vector<std::string_view>& phrases) noexcept;
[[nodiscard]] bool starts_with_any(std::string_view text,
                                   const std::vector<std::string_view>& phrases) noexcept;

// Cue lists (lower case).
[[nodiscard]] const std::vector<std::string_view>& urgent_cues();
[[nodiscard]] const std::vector<std::string_view>& resolution_cues();
[[nodiscard]] const std::vector<std::string_view>& decision_cues();
[[nodiscard]] const std::vector<std::string_view>& agreement_cues();
[[nodiscard]] const std::vector<std::string_view>& proposal_cues();

// Sentiment of one text: positive and negative hits (a negator within the three
// words before a word flips it; "!" and emoji count).
struct sentiment_hits {
    int positive = 0;
    int negative = 0;
};
[[nodiscard]] sentiment_hits score_sentiment(std::string_view text);

// Category keywords: {category, keywords}. A category scores one point per
// keyword hit.
struct category_rule {
    std::string_view name;
    std::vector<std::string_view> keywords;
};
[[nodiscard]] const std::vector<category_rule>& category_rules();

// A deadline in `sentence` (lower case), relative to `sent_at_ms` (UTC):
// "today", "tonight", "eod", "tomorrow", "by friday", "next week", "end of
// week", "in 3 days", "by 5pm", "2026-05-22", "may 22", "22 may". `strict`:
// weekday and date forms need a preposition (by, before, until, due, on, no
// later than). Returns the end of the named day (23:59:59 UTC) or the exact
// time.
[[nodiscard]] std::optional<std::uint64_t> find_deadline(std::string_view sentence,
                                                         std::uint64_t sent_at_ms);

}  // namespace sb::ai::detail
