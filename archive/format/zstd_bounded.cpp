#include "archive/format/zstd_bounded.h"

namespace chainmail {

BoundedZstdDecoder::BoundedZstdDecoder(uint64_t max_output)
    : dctx_(ZSTD_createDCtx(), ZSTD_freeDCtx), max_output_(max_output) {}

void BoundedZstdDecoder::Reset(uint64_t max_output) {
  if (dctx_) ZSTD_DCtx_reset(dctx_.get(), ZSTD_reset_session_only);
  max_output_ = max_output;
  produced_ = 0;
  hint_ = 1;
}

Status BoundedZstdDecoder::Feed(std::string_view compressed, const Sink& sink) {
  if (!dctx_) return Status::IoError("zstd: out of memory");
  if (buffer_.empty()) buffer_.resize(ZSTD_DStreamOutSize());
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  // Call again while input remains or the output came back full: the decoder may still
  // hold bytes. A hint of 0 means the frame is complete.
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
    if (in.pos == in.size && out.pos < out.size) return Status::Ok();
  }
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
