// The deployment's checkpoint signing: the Ed25519 key file (created 0600 on first start),
// the note signer the archive's checkpointer calls, and the two verifier keys an auditor
// pins (one per log: same public key, the log's origin as key name; INTEGRITY.md).
// Thread-safe once built.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "archive/archive.h"
#include "archive/format/signing_key.h"
#include "archive/format/verifier_key.h"

namespace chainmail {

// Creates the key at `path` when missing (its directory 0700), then loads it.
Result<std::shared_ptr<Ed25519SigningKey>> LoadOrCreateSigningKey(const std::string& path);
NoteSigner CheckpointSigner(std::shared_ptr<Ed25519SigningKey> key);
Result<std::vector<VerifierKey>> LogVerifierKeys(const Identity& identity, const Ed25519SigningKey& key);

}  // namespace chainmail
