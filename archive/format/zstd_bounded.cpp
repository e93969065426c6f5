#include "archive/format/zstd_bounded.h"

#include <zstd.h>

#include <memory>

namespace chainmail {

Result<Bytes> DecompressBounded(std::string_view compressed, uint64_t max_output) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return Status::IoError("zstd: out of memory");
  Bytes out;
  std::string buf(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  size_t hint = 1;
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    hint = ZSTD_decompressStream(dctx.get(), &o, &in);
    if (ZSTD_isError(hint)) return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(hint));
    if (out.size() + o.pos > max_output)
      return Status::Corruption("zstd: decompresses to more than the committed " + std::to_string(max_output) + " bytes");
    out.append(buf.data(), o.pos);
  }
  // Flush whatever the decoder still holds, within the bound.
  while (hint != 0) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    hint = ZSTD_decompressStream(dctx.get(), &o, &in);
    if (ZSTD_isError(hint)) return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(hint));
    if (out.size() + o.pos > max_output)
      return Status::Corruption("zstd: decompresses to more than the committed " + std::to_string(max_output) + " bytes");
    out.append(buf.data(), o.pos);
    if (o.pos == 0) break;
  }
  if (hint != 0) return Status::Corruption("zstd: truncated frame");
  return out;
}

}  // namespace chainmail
