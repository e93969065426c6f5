#include "service/config/archive_options.h"

#include <filesystem>

#include "audit/checkpoint_signing.h"

namespace chainmail {

Result<ArchiveOptions> ArchiveOptionsFrom(const Config& c, SigningKeyUse use) {
  ArchiveOptions o;
  o.data_dir = c.data_dir;
  o.origin_name = c.origin_name;
  o.zstd_level = c.zstd_level;
  o.min_free_bytes = c.min_free_mb << 20;
  o.spool_memory_bytes = c.spool_memory_kb << 10;
  o.checkpoint_keep_days = c.checkpoint_keep_days;
  o.fulltext_enabled = c.fulltext_enabled;
  // Beside the key, where whoever can write only the database cannot reach it.
  const std::filesystem::path key_dir = std::filesystem::path(c.signing_key).parent_path();
  o.signed_heads = std::make_shared<SignedHeads>((key_dir.empty() ? std::filesystem::path(".") : key_dir) / "signed-heads");
  if (use == SigningKeyUse::kCreate) {
    auto key = LoadOrCreateSigningKey(c.signing_key);
    if (!key.ok()) return Status::InvalidArgument("evidence.signing_key " + c.signing_key + ": " + key.status().message());
    o.checkpoint_signer = CheckpointSigner(*key);
  } else if (auto key = Ed25519SigningKey::LoadPemFile(c.signing_key); key.ok()) {
    o.checkpoint_signer = CheckpointSigner(std::make_shared<Ed25519SigningKey>(std::move(*key)));
  }
  return o;
}

}  // namespace chainmail
