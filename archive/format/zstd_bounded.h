// Bounded zstd decompression: a frame is expanded only up to the length its commitment
// gives, so a crafted or corrupted frame cannot exhaust memory or pass as longer content.
// One streaming decoder serves the blob store (chunks read from SQLite) and the offline
// verifier (a frame held in memory).
#pragma once

#include <zstd.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "archive/format/bytes.h"
#include "archive/format/status.h"

namespace chainmail {

// Decodes one zstd frame fed in pieces, handing output to a sink as it comes. Exactly one
// data frame: a skippable frame (before or after), a second frame or any byte after the
// frame's end is Corruption, so the bytes decoded are the bytes committed to and nothing
// rides along unchecked. One thread at a time; the sink must not call back into the decoder.
class BoundedZstdDecoder {
 public:
  using Sink = std::function<Status(std::string_view)>;
  explicit BoundedZstdDecoder(uint64_t max_output);

  // Starts a new frame with a new bound, keeping the decoder's context and buffer: a
  // reader of many frames (verify) allocates nothing per frame.
  void Reset(uint64_t max_output);

  // Decodes `compressed` completely (draining the decoder whenever its output buffer
  // fills). Corruption for invalid zstd, anything but one data frame, or output beyond
  // max_output; a sink error is passed through.
  Status Feed(std::string_view compressed, const Sink& sink);
  // After the last piece: Corruption unless the frame ended exactly.
  Status Finish() const;
  uint64_t produced() const { return produced_; }

 private:
  static constexpr size_t kMagicSize = 4;
  // Corruption once the frame's first four bytes are in and are not a data frame's magic.
  Status CheckMagic(std::string_view compressed);

  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx_;
  std::string buffer_;
  uint64_t max_output_;
  uint64_t produced_ = 0;
  size_t hint_ = 1;  // 0 once a frame is complete (its checksum verified)
  char magic_[kMagicSize] = {};
  size_t magic_seen_ = 0;  // bytes of magic_ filled from the frame's start
};

// Decompresses exactly one complete zstd data frame held in memory, ending at its last
// byte (as BoundedZstdDecoder: no skippable or second frame, no trailing bytes).
// Corruption when the data is not that, is truncated, or would produce more than
// `max_output` bytes (decompression stops there).
Result<Bytes> DecompressBounded(std::string_view compressed, uint64_t max_output);

}  // namespace chainmail
