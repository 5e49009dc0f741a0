#pragma once
// A log-linear latency histogram in the manner of HdrHistogram, small enough to write here:
// values below 256 are counted exactly; above, each power-of-two range [2^m, 2^(m+1)) is split
// into 128 equal buckets, so a reported percentile is within 1/128 (0.8%) of the true value.
// Values are nanoseconds by convention; anything above max_value is clamped (and still counted).
//
// Owns a fixed array of counts (about 36 KB). Not thread-safe: each worker process fills its own
// and the controller merges them. record() is O(1) with no allocation: it runs once per delivery.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sb::bench {

class histogram {
public:
    static constexpr unsigned sub_bits = 8;                        // 2^8 = 256 linear values
    static constexpr unsigned max_bits = 41;                       // 2^41 ns ~ 36 minutes
    static constexpr std::uint64_t max_value = (std::uint64_t{1} << max_bits) - 1;
    static constexpr std::size_t half = std::size_t{1} << (sub_bits - 1);
    static constexpr std::size_t bucket_count =
        (std::size_t{1} << sub_bits) + (max_bits - sub_bits) * half;

    void record(std::uint64_t value) noexcept { record_n(value, 1); }
    void record_n(std::uint64_t value, std::uint64_t n) noexcept;
    void merge(const histogram& other) noexcept;
    void clear() noexcept;

    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
    [[nodiscard]] std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
    [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
    [[nodiscard]] double mean() const noexcept;

    // The smallest recorded value v such that at least q (0..1) of all values are <= v, reported
    // as the upper bound of v's bucket (never above max()). 0 when empty.
    [[nodiscard]] std::uint64_t percentile(double q) const noexcept;

    // Bucket arithmetic, public for tests and serialization.
    [[nodiscard]] static std::size_t index_of(std::uint64_t value) noexcept;
    [[nodiscard]] static std::uint64_t lowest_of(std::size_t index) noexcept;
    [[nodiscard]] static std::uint64_t highest_of(std::size_t index) noexcept;

    // Sparse form for the worker pipes: (index, count) pairs of non-empty buckets plus min/max.
    void serialize(std::vector<std::uint64_t>& out) const;
    // Reads what serialize wrote starting at `pos`; advances pos. False on malformed input.
    bool merge_serialized(const std::vector<std::uint64_t>& in, std::size_t& pos);

private:
    std::array<std::uint64_t, bucket_count> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    std::uint64_t max_ = 0;
    long double sum_ = 0;
};

}  // namespace sb::bench
