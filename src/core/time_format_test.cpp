#include "core/time_format.hpp"

#include <gtest/gtest.h>

namespace sb::core {

TEST(time_format, formats_utc_with_optional_milliseconds) {
    EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(1705314600000ull), "2024-01-15T10:30:00Z");
    EXPECT_EQ(format_rfc3339(1705314600123ull), "2024-01-15T10:30:00.123Z");
    EXPECT_EQ(format_rfc3339(951782400000ull), "2000-02-29T00:00:00Z");
}

TEST(time_format, parses_what_it_formats_and_offsets) {
    EXPECT_EQ(parse_rfc3339("2024-01-15T10:30:00Z"), 1705314600000ull);
    EXPECT_EQ(parse_rfc3339("2024-01-15T10:30:00.5Z"), 1705314600500ull);
    EXPECT_EQ(parse_rfc3339("2024-01-15T12:30:00+02:00"), 1705314600000ull);
    for (std::uint64_t ms : {0ull, 1ull, 951782400000ull, 1799999999999ull})
        EXPECT_EQ(parse_rfc3339(format_rfc3339(ms)), ms);
}

TEST(time_format, rejects_malformed_timestamps) {
    for (const char* bad : {"", "2024-01-15", "2024-13-01T00:00:00Z", "2024-01-15T10:30:00", "2024-01-15T25:00:00Z",
                            "2024-01-15T10:30:00Zjunk", "2024-01-15T10:30:00.Z", "yesterday"})
        EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
}

}  // namespace sb::core
