// Fixed-bound histograms as WriterStats and the WAL syncer keep them: `bounds` are
// inclusive upper bounds; bucket i counts values <= bounds[i] and above bounds[i-1], the
// last bucket values above every bound. The caller guards the array.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace chainmail {

template <size_t N>
void Observe(std::array<uint64_t, N + 1>& buckets, const std::array<uint64_t, N>& bounds, uint64_t value) {
  size_t i = 0;
  while (i < N && value > bounds[i]) ++i;
  ++buckets[i];
}

}  // namespace chainmail
