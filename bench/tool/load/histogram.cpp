#include "load/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sb::bench {

std::size_t histogram::index_of(std::uint64_t value) noexcept {
    value = std::min(value, max_value);
    if (value < (std::uint64_t{1} << sub_bits)) return static_cast<std::size_t>(value);
    const unsigned msb = 63U - static_cast<unsigned>(std::countl_zero(value));  // >= sub_bits
    const unsigned shift = msb - sub_bits + 1;
    const std::uint64_t top = value >> shift;  // in [half, 2*half)
    return (std::size_t{1} << sub_bits) + (msb - sub_bits) * half +
           static_cast<std::size_t>(top - half);
}

std::uint64_t histogram::lowest_of(std::size_t index) noexcept {
    if (index < (std::size_t{1} << sub_bits)) return index;
    const std::size_t rel = index - (std::size_t{1} << sub_bits);
    const unsigned group = static_cast<unsigned>(rel / half);  // msb - sub_bits
    const std::uint64_t top = half + rel % half;
    return top << (group + 1);
}

std::uint64_t histogram::highest_of(std::size_t index) noexcept {
    if (index < (std::size_t{1} << sub_bits)) return index;
    const std::size_t rel = index - (std::size_t{1} << sub_bits);
    const unsigned group = static_cast<unsigned>(rel / half);
    return lowest_of(index) + (std::uint64_t{1} << (group + 1)) - 1;
}

void histogram::record_n(std::uint64_t value, std::uint64_t n) noexcept {
    if (n == 0) return;
    counts_[index_of(value)] += n;
    count_ += n;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
    sum_ += static_cast<long double>(value) * static_cast<long double>(n);
}

void histogram::merge(const histogram& other) noexcept {
    if (other.count_ == 0) return;
    for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

void histogram::clear() noexcept { *this = histogram{}; }

double histogram::mean() const noexcept {
    return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_)) : 0.0;
}

std::uint64_t histogram::percentile(double q) const noexcept {
    if (count_ == 0) return 0;
    q = std::clamp(q, 0.0, 1.0);
    auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::clamp(highest_of(i), min_, max_);
    }
    return max_;
}

void histogram::serialize(std::vector<std::uint64_t>& out) const {
    std::size_t nonzero = 0;
    for (auto c : counts_) nonzero += c != 0;
    out.push_back(nonzero);
    out.push_back(min_);
    out.push_back(max_);
    out.push_back(static_cast<std::uint64_t>(sum_));
    for (std::size_t i = 0; i < bucket_count; ++i) {
        if (counts_[i] == 0) continue;
        out.push_back(i);
        out.push_back(counts_[i]);
    }
}

bool histogram::merge_serialized(const std::vector<std::uint64_t>& in, std::size_t& pos) {
    if (pos + 4 > in.size()) return false;
    const std::uint64_t nonzero = in[pos];
    if (nonzero > bucket_count || pos + 4 + 2 * nonzero > in.size()) return false;
    const std::uint64_t mn = in[pos + 1];
    const std::uint64_t mx = in[pos + 2];
    const long double sum = static_cast<long double>(in[pos + 3]);
    pos += 4;
    std::uint64_t added = 0;
    for (std::uint64_t k = 0; k < nonzero; ++k, pos += 2) {
        if (in[pos] >= bucket_count) return false;
        counts_[in[pos]] += in[pos + 1];
        added += in[pos + 1];
    }
    if (added == 0) return true;
    count_ += added;
    min_ = std::min(min_, mn);
    max_ = std::max(max_, mx);
    sum_ += sum;
    return true;
}

}  // namespace sb::bench
