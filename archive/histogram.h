// Fixed-bound histograms as WriterStats and the WAL syncer keep them: `bounds` are
// inclusive upper bounds; bucket i counts values <= bounds[i] and above bounds[i-1], the
// last bucket values above every bound. The caller guards the array.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

namespace chainmail {

// The bucket `value` falls in: the first whose bound is >= value, or N above every bound.
template <size_t N>
size_t BucketOf(const std::array<uint64_t, N>& bounds, uint64_t value) {
  size_t i = 0;
  while (i < N && value > bounds[i]) ++i;
  return i;
}

template <size_t N>
void Observe(std::array<uint64_t, N + 1>& buckets, const std::array<uint64_t, N>& bounds, uint64_t value) {
  ++buckets[BucketOf(bounds, value)];
}

// The bound of the bucket in which the q-quantile (0 < q <= 1) of what was observed falls,
// so "at most this"; nullopt when nothing was observed, and the largest uint64_t when it
// falls above every bound.
template <size_t N>
std::optional<uint64_t> QuantileBound(const std::array<uint64_t, N + 1>& buckets, const std::array<uint64_t, N>& bounds,
                                      double q) {
  uint64_t total = 0;
  for (uint64_t n : buckets) total += n;
  if (total == 0) return std::nullopt;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < N; ++i) {
    cumulative += buckets[i];
    if (static_cast<double>(cumulative) >= q * static_cast<double>(total)) return bounds[i];
  }
  return std::numeric_limits<uint64_t>::max();
}

}  // namespace chainmail
