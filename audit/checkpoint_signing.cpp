#include "audit/checkpoint_signing.h"

#include <sys/stat.h>

#include <filesystem>

#include "archive/format/checkpoint.h"
#include "archive/format/signed_note.h"

namespace chainmail {

Result<std::shared_ptr<Ed25519SigningKey>> LoadOrCreateSigningKey(const std::string& path) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty() && !std::filesystem::exists(dir)) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IoError("cannot create " + dir.string() + ": " + ec.message());
    chmod(dir.c_str(), 0700);
  }
  if (Status s = EnsureSigningKey(path); !s.ok()) return s;
  auto key = Ed25519SigningKey::LoadPemFile(path);
  if (!key.ok()) return key.status();
  return std::make_shared<Ed25519SigningKey>(std::move(*key));
}

NoteSigner CheckpointSigner(std::shared_ptr<Ed25519SigningKey> key) {
  return [key](const std::string& body, const std::string& key_name) { return SignNote(body, key_name, *key); };
}

Result<std::vector<VerifierKey>> LogVerifierKeys(const Identity& identity, const Ed25519SigningKey& key) {
  std::vector<VerifierKey> out;
  for (const std::string& origin : {identity.messages_origin, identity.audit_origin}) {
    auto vk = VerifierKey::ForEd25519(origin, key.PublicKey());
    if (!vk.ok()) return vk.status();
    out.push_back(std::move(*vk));
  }
  return out;
}

}  // namespace chainmail
