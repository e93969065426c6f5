#include <iostream>

#include "archive/archive.h"
#include "archive/database.h"
#include "audit/checkpoint_signing.h"
#include "service/cli/commands.h"

namespace chainmail {

// `chainmail key show`: the verifier keys, `<origin>+<hex key id>+<base64 key>`, messages
// log first, one per line — what an auditor pins for chainmail-verify --key.
int KeyCommand(const Config& config, const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0] != "show") {
    std::cerr << "usage: chainmail key show\n";
    return 2;
  }
  auto key = Ed25519SigningKey::LoadPemFile(config.signing_key);
  if (!key.ok()) {
    std::cerr << "chainmail: " << config.signing_key << ": " << key.status().message() << "\n";
    return 1;
  }
  auto db = Database::Open(DatabasePath(config.data_dir), Database::Mode::kReadOnly);
  if (!db.ok()) {
    std::cerr << "chainmail: " << db.status().message() << "\n";
    return 1;
  }
  auto identity = ReadIdentity(**db);
  if (!identity.ok()) {
    std::cerr << "chainmail: " << identity.status().message() << "\n";
    return 1;
  }
  auto keys = LogVerifierKeys(*identity, *key);
  if (!keys.ok()) {
    std::cerr << "chainmail: " << keys.status().message() << "\n";
    return 1;
  }
  for (const VerifierKey& k : *keys) std::cout << k.ToString() << "\n";
  return 0;
}

}  // namespace chainmail
