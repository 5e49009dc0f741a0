#include "ai/detail/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <set>

namespace sb::ai::detail {
namespace {

constexpr std::uint64_t day_ms = 86'400'000;

bool is_word_char(unsigned char c) { return std::isalnum(c) != 0 || c >= 0x80; }

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::int64_t year_of_day(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned m = mp + (mp < 10 ? 3 : -9);
    return static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

std::uint64_t end_of_day(std::uint64_t day) { return (day + 1) * day_ms - 1000; }

// 0 = Monday.
unsigned weekday(std::uint64_t day) { return static_cast<unsigned>((day + 3) % 7); }

constexpr std::array<std::string_view, 7> weekdays{"monday", "tuesday",  "wednesday", "thursday",
                                                   "friday", "saturday", "sunday"};
constexpr std::array<std::string_view, 12> months{"january",   "february", "march",    "april",
                                                  "may",       "june",     "july",     "august",
                                                  "september", "october",  "november", "december"};

bool preposition_before(const std::vector<std::string>& w, std::size_t i) {
    static const std::set<std::string_view> preps{"by",   "before",   "until", "till",  "due",
                                                  "on",   "deadline", "eta",   "later", "than",
                                                  "next", "this",     "for"};
    for (std::size_t k = i > 3 ? i - 3 : 0; k < i; ++k)
        if (preps.contains(w[k])) return true;
    return false;
}

std::optional<unsigned> month_of(std::string_view word) {
    for (unsigned m = 0; m < 12; ++m) {
        if (word == months[m] || (word.size() >= 3 && word == months[m].substr(0, 3))) return m + 1;
    }
    return std::nullopt;
}

std::optional<unsigned> day_number(std::string_view word) {
    // "22", "22nd", "1st", "3rd", "4th".
    unsigned n = 0;
    auto [p, ec] = std::from_chars(word.data(), word.data() + word.size(), n);
    if (ec != std::errc{} || n < 1 || n > 31) return std::nullopt;
    const std::string_view rest(p, static_cast<std::size_t>(word.data() + word.size() - p));
    if (!rest.empty() && rest != "st" && rest != "nd" && rest != "rd" && rest != "th")
        return std::nullopt;
    return n;
}

std::uint64_t date_deadline(std::uint64_t sent_day, unsigned month, unsigned day) {
    std::int64_t year = year_of_day(static_cast<std::int64_t>(sent_day));
    std::int64_t d = days_from_civil(year, month, day);
    // A date already past when it was written means next year's ("Jan 5" in December).
    if (d < static_cast<std::int64_t>(sent_day)) d = days_from_civil(year + 1, month, day);
    return end_of_day(static_cast<std::uint64_t>(std::max<std::int64_t>(d, 0)));
}

}  // namespace

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string squeeze(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::vector<std::string> sentences(std::string_view text) {
    std::vector<std::string> out;
    std::string current;
    auto flush = [&] {
        std::string s = squeeze(current);
        if (!s.empty()) out.push_back(std::move(s));
        current.clear();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n' || c == '\r') {
            flush();
            continue;
        }
        current += c;
        if (c == '.' || c == '!' || c == '?') {
            // Keep runs ("?!", "...") together; "e.g." and "3.5" have no space after.
            while (i + 1 < text.size() &&
                   (text[i + 1] == '.' || text[i + 1] == '!' || text[i + 1] == '?'))
                current += text[++i];
            if (i + 1 >= text.size() || text[i + 1] == ' ' || text[i + 1] == '\n') flush();
        }
    }
    flush();
    return out;
}

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::string w;
    auto flush = [&] {
        while (!w.empty() && !is_word_char(static_cast<unsigned char>(w.back()))) w.pop_back();
        if (!w.empty()) out.push_back(lower(w));
        w.clear();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (is_word_char(c)) {
            w += static_cast<char>(c);
        } else if (c == '#' && w.empty() && i + 1 < text.size() &&
                   std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
            w += '#';
        } else if ((c == '\'' || c == '-' || c == '_') && !w.empty() && i + 1 < text.size() &&
                   is_word_char(static_cast<unsigned char>(text[i + 1]))) {
            w += static_cast<char>(c);
        } else {
            flush();
        }
    }
    flush();
    return out;
}

bool is_stopword(std::string_view word) noexcept {
    static const std::set<std::string_view> stop{
        "a",     "about",   "above",   "after", "again",  "all",    "also",    "am",     "an",
        "and",   "any",     "are",     "as",    "at",     "be",     "because", "been",   "before",
        "being", "below",   "between", "both",  "but",    "by",     "can",     "could",  "did",
        "do",    "does",    "doing",   "don't", "down",   "during", "each",    "few",    "for",
        "from",  "further", "get",     "got",   "had",    "has",    "have",    "having", "he",
        "her",   "here",    "hers",    "him",   "his",    "how",    "i",       "i'd",    "i'll",
        "i'm",   "i've",    "if",      "in",    "into",   "is",     "it",      "it's",   "its",
        "just",  "let",     "let's",   "like",  "me",     "more",   "most",    "my",     "no",
        "nor",   "not",     "now",     "of",    "off",    "ok",     "okay",    "on",     "once",
        "only",  "or",      "other",   "our",   "ours",   "out",    "over",    "own",    "same",
        "she",   "should",  "so",      "some",  "such",   "than",   "that",    "that's", "the",
        "their", "them",    "then",    "there", "these",  "they",   "this",    "those",  "through",
        "to",    "too",     "under",   "until", "up",     "very",   "was",     "we",     "we'll",
        "we're", "were",    "what",    "when",  "where",  "which",  "while",   "who",    "whom",
        "why",   "will",    "with",    "would", "yes",    "you",    "you're",  "your",   "yours",
        "yeah",  "hi",      "hey",     "hello", "thanks", "thank",  "please",  "sure",   "think",
        "know",  "one",     "still",   "going", "really", "well",   "need",    "want",   "make",
        "see",   "there's", "can't",   "won't", "it'll",  "we've",  "they're", "lol",    "yep",
        "nope",  "right",   "good",    "great"};
    return stop.contains(word);
}

std::vector<std::string> keywords(std::string_view text) {
    std::vector<std::string> out;
    for (auto& w : words(text))
        if (w.size() >= 3 && !is_stopword(w)) out.push_back(std::move(w));
    return out;
}

bool has_phrase(std::string_view text, std::string_view phrase) noexcept {
    if (phrase.empty()) return false;
    std::size_t pos = 0;
    while ((pos = text.find(phrase, pos)) != std::string_view::npos) {
        const bool left = pos == 0 || !is_word_char(static_cast<unsigned char>(text[pos - 1]));
        const std::size_t end = pos + phrase.size();
        const bool right = end >= text.size() ||
                           !is_word_char(static_cast<unsigned char>(text[end])) ||
                           !is_word_char(static_cast<unsigned char>(phrase.back()));
        if (left && right) return true;
        ++pos;
    }
    return false;
}

bool has_any(std::string_view text, const std::vector<std::string_view>& phrases) noexcept {
    return std::any_of(phrases.begin(), phrases.end(),
                       [&](std::string_view p) { return has_phrase(text, p); });
}

bool starts_with_any(std::string_view text, const std::vector<std::string_view>& phrases) noexcept {
    for (auto p : phrases) {
        if (text.substr(0, p.size()) == p &&
            (text.size() == p.size() || !is_word_char(static_cast<unsigned char>(text[p.size()]))))
            return true;
    }
    return false;
}

std::optional<std::uint64_t> find_deadline(std::string_view sentence, std::uint64_t sent_at_ms) {
    const std::string text = lower(sentence);
    const std::vector<std::string> w = words(text);
    const std::uint64_t today = sent_at_ms / day_ms;
    std::optional<std::uint64_t> best;
    auto consider = [&](std::uint64_t at) {
        if (!best || at < *best) best = at;
    };

    if (has_any(text, {"today", "tonight", "eod", "end of day", "end of the day", "this evening",
                       "this afternoon", "cob", "close of business"}))
        consider(end_of_day(today));
    if (has_any(text, {"tomorrow", "tmrw", "tmr"})) consider(end_of_day(today + 1));
    if (has_any(text, {"end of week", "end of the week", "eow", "this week"})) {
        const unsigned wd = weekday(today);
        consider(end_of_day(today + (wd <= 4 ? 4 - wd : 0)));
    }
    if (has_any(text, {"next week"})) {
        const unsigned wd = weekday(today);
        consider(end_of_day(today + (7 - wd) + 4));
    }
    if (has_any(text, {"end of month", "end of the month", "eom"}))
        consider(end_of_day(today + 30));

    for (std::size_t i = 0; i < w.size(); ++i) {
        // Weekdays: the next one after the day the message was sent ("friday" on a
        // Friday is today only with "today"; on its own it means the coming one, a
        // week at most).
        for (unsigned d = 0; d < 7; ++d) {
            if (w[i] != weekdays[d] && w[i] != weekdays[d].substr(0, 3)) continue;
            if (w[i].size() == 3 && !preposition_before(w, i)) continue;  // "sun", "wed" alone
            if (!preposition_before(w, i)) continue;
            const unsigned wd = weekday(today);
            unsigned ahead = (d + 7 - wd) % 7;
            if (ahead == 0) ahead = 7;
            if (i > 0 && w[i - 1] == "next" && ahead < 7) ahead += 7;
            if (i > 0 && w[i - 1] == "this" && ahead == 7) ahead = 0;
            consider(end_of_day(today + ahead));
        }
        // "in 3 days", "in 2 hours", "within 48 hours".
        if ((w[i] == "in" || w[i] == "within") && i + 2 < w.size()) {
            unsigned n = 0;
            auto [p, ec] = std::from_chars(w[i + 1].data(), w[i + 1].data() + w[i + 1].size(), n);
            if (ec == std::errc{} && p == w[i + 1].data() + w[i + 1].size() && n > 0 && n < 1000) {
                const std::string& unit = w[i + 2];
                if (unit.rfind("hour", 0) == 0) consider(sent_at_ms + n * 3'600'000ULL);
                if (unit.rfind("day", 0) == 0) consider(end_of_day(today + n));
                if (unit.rfind("week", 0) == 0) consider(end_of_day(today + 7ULL * n));
                if (unit.rfind("min", 0) == 0) consider(sent_at_ms + n * 60'000ULL);
            }
        }
        // "2026-05-22"
        if (w[i].size() == 10 && w[i][4] == '-' && w[i][7] == '-' && preposition_before(w, i)) {
            int y = 0;
            unsigned m = 0, d = 0;
            const char* s = w[i].data();
            if (std::from_chars(s, s + 4, y).ec == std::errc{} &&
                std::from_chars(s + 5, s + 7, m).ec == std::errc{} &&
                std::from_chars(s + 8, s + 10, d).ec == std::errc{} && m >= 1 && m <= 12 &&
                d >= 1 && d <= 31) {
                const std::int64_t day = days_from_civil(y, m, d);
                if (day >= 0) consider(end_of_day(static_cast<std::uint64_t>(day)));
            }
        }
        // "may 22", "22 may", "june 3rd"
        if (auto m = month_of(w[i]); m && w[i].size() >= 3 && preposition_before(w, i)) {
            if (i + 1 < w.size())
                if (auto d = day_number(w[i + 1])) consider(date_deadline(today, *m, *d));
        }
        if (auto d = day_number(w[i]); d && i + 1 < w.size() && preposition_before(w, i)) {
            if (auto m = month_of(w[i + 1]); m && w[i + 1].size() >= 3)
                consider(date_deadline(today, *m, *d));
        }
        // "by 5pm", "by 17:00", "at 3pm"
        if ((w[i] == "by" || w[i] == "before" || w[i] == "at") && i + 1 < w.size()) {
            const std::string& t = w[i + 1];
            unsigned hour = 0;
            auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), hour);
            if (ec == std::errc{} && hour <= 23) {
                std::string_view rest(p, static_cast<std::size_t>(t.data() + t.size() - p));
                bool ok = false;
                if (rest == "pm" && hour < 12) {
                    hour += 12;
                    ok = true;
                } else if (rest == "am" || rest == "pm") {
                    ok = true;
                } else if (rest.empty() && i + 2 < w.size() &&
                           (w[i + 2] == "pm" || w[i + 2] == "am")) {
                    if (w[i + 2] == "pm" && hour < 12) hour += 12;
                    ok = true;
                } else if (rest.empty() && i + 2 < w.size() && w[i] != "at" &&
                           w[i + 2].size() == 2 &&
                           std::isdigit(static_cast<unsigned char>(w[i + 2][0]))) {
                    ok = true;  // "17:00" splits as "17", "00"
                }
                if (ok) {
                    std::uint64_t at = today * day_ms + hour * 3'600'000ULL;
                    if (at < sent_at_ms) at += day_ms;
                    if (w[i] != "at" || has_any(text, {"deadline", "due", "latest"})) consider(at);
                }
            }
        }
    }
    return best;
}

}  // namespace sb::ai::detail
