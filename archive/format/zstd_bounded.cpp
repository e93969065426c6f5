#include "archive/format/zstd_bounded.h"

#include <algorithm>

namespace chainmail {

BoundedZstdDecoder::BoundedZstdDecoder(uint64_t max_output)
    : dctx_(ZSTD_createDCtx(), ZSTD_freeDCtx), max_output_(max_output) {}

void BoundedZstdDecoder::Reset(uint64_t max_output) {
  if (dctx_) ZSTD_DCtx_reset(dctx_.get(), ZSTD_reset_session_only);
  max_output_ = max_output;
  produced_ = 0;
  hint_ = 1;
  magic_seen_ = 0;
}

Status BoundedZstdDecoder::Feed(std::string_view compressed, const Sink& sink) {
  if (!dctx_) return Status::IoError("zstd: out of memory");
  if (buffer_.empty()) buffer_.resize(ZSTD_DStreamOutSize());
  if (Status s = CheckMagic(compressed); !s.ok()) return s;
  if (hint_ == 0)
    return compressed.empty() ? Status::Ok() : Status::Corruption("zstd: data after the end of the frame");
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  // Call again while input remains or the output came back full: the decoder may still
  // hold bytes. A hint of 0 means the frame is complete and flushed: zstd would read any
  // further input as a next frame, which is not ours to accept.
  for (;;) {
    ZSTD_outBuffer out{buffer_.data(), buffer_.size(), 0};
    hint_ = ZSTD_decompressStream(dctx_.get(), &out, &in);
    if (ZSTD_isError(hint_)) return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(hint_));
    produced_ += out.pos;
    if (produced_ > max_output_)
      return Status::Corruption("zstd: decompresses to more than the committed " + std::to_string(max_output_) +
                                " bytes");
    if (out.pos > 0)
      if (Status s = sink(std::string_view(buffer_.data(), out.pos)); !s.ok()) return s;
    if (hint_ == 0) {
      if (in.pos < in.size) return Status::Corruption("zstd: data after the end of the frame");
      return Status::Ok();
    }
    if (in.pos == in.size && out.pos < out.size) return Status::Ok();
  }
}

// zstd reads a skippable frame (magic 0x184D2A5?, then any bytes) without a word: only
// the data frame's magic may open what we decode.
Status BoundedZstdDecoder::CheckMagic(std::string_view compressed) {
  if (magic_seen_ == kMagicSize) return Status::Ok();
  const size_t take = std::min(compressed.size(), kMagicSize - magic_seen_);
  compressed.copy(magic_ + magic_seen_, take);
  magic_seen_ += take;
  if (magic_seen_ < kMagicSize) return Status::Ok();  // zstd makes no output from so few bytes
  const uint32_t magic = static_cast<uint32_t>(static_cast<uint8_t>(magic_[0])) |
                         static_cast<uint32_t>(static_cast<uint8_t>(magic_[1])) << 8 |
                         static_cast<uint32_t>(static_cast<uint8_t>(magic_[2])) << 16 |
                         static_cast<uint32_t>(static_cast<uint8_t>(magic_[3])) << 24;
  if (magic != ZSTD_MAGICNUMBER) return Status::Corruption("zstd: does not start with a zstd data frame");
  return Status::Ok();
}

Status BoundedZstdDecoder::Finish() const {
  return hint_ == 0 ? Status::Ok() : Status::Corruption("zstd: truncated frame");
}

Result<Bytes> DecompressBounded(std::string_view compressed, uint64_t max_output) {
  BoundedZstdDecoder decoder(max_output);
  Bytes out;
  Status s = decoder.Feed(compressed, [&](std::string_view piece) {
    out.append(piece);
    return Status::Ok();
  });
  if (s.ok()) s = decoder.Finish();
  if (!s.ok()) return s;
  return out;
}

}  // namespace chainmail
