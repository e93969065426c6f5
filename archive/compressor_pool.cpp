#include "archive/compressor_pool.h"

#include <string>

namespace chainmail {

CompressorPool::CompressorPool(size_t contexts, int level) : level_(level) {
  for (size_t i = 0; i < std::max<size_t>(contexts, 1); ++i) {
    auto slot = std::make_unique<Slot>();
    slot->ctx = ZSTD_createCCtx();
    slot->out.resize(ZSTD_CStreamOutSize());
    free_.push_back(slot.get());
    all_.push_back(std::move(slot));
  }
}

CompressorPool::~CompressorPool() {
  for (auto& slot : all_) ZSTD_freeCCtx(slot->ctx);
}

CompressorPool::Slot* CompressorPool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  available_.wait(lock, [&] { return !free_.empty(); });
  Slot* slot = free_.back();
  free_.pop_back();
  return slot;
}

void CompressorPool::Release(Slot* slot) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(slot);
  }
  available_.notify_one();
}

Result<std::unique_ptr<TempBuffer>> CompressorPool::Compress(const TempBuffer& in,
                                                             const std::string& spool_dir,
                                                             size_t memory_limit) {
  auto out = std::make_unique<TempBuffer>(spool_dir, memory_limit);
  Slot* slot = Acquire();
  struct Releaser {
    CompressorPool* pool;
    Slot* slot;
    ~Releaser() { pool->Release(slot); }
  } releaser{this, slot};
  ZSTD_CCtx* ctx = slot->ctx;
  std::string& buf = slot->out;

  ZSTD_CCtx_reset(ctx, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, level_);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setPledgedSrcSize(ctx, in.size());

  auto pump = [&](std::string_view piece, ZSTD_EndDirective mode) -> Status {
    ZSTD_inBuffer input{piece.data(), piece.size(), 0};
    for (;;) {
      ZSTD_outBuffer output{buf.data(), buf.size(), 0};
      size_t left = ZSTD_compressStream2(ctx, &output, &input, mode);
      if (ZSTD_isError(left)) return Status::IoError(std::string("zstd: ") + ZSTD_getErrorName(left));
      out->Append(std::string_view(buf.data(), output.pos));
      if (!out->status().ok()) return out->status();
      bool done = mode == ZSTD_e_end ? left == 0 : input.pos == input.size;
      if (done) return Status::Ok();
    }
  };
  Status s = in.ReadAll(128 * 1024, [&](std::string_view piece) { return pump(piece, ZSTD_e_continue); });
  if (s.ok()) s = pump({}, ZSTD_e_end);
  if (s.ok()) s = out->Finish();
  if (!s.ok()) return s;
  return out;
}

}  // namespace chainmail
