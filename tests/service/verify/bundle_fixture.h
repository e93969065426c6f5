// A signed archive with messages and their policy decisions, made through the real
// Archive and DecidedIngest, and helpers to export, edit and verify bundles of it.
// For the bundle tests; one fixture per test suite.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "archive/archive.h"
#include "archive/format/bundle_verifier.h"
#include "archive/format/ustar.h"
#include "archive/format/verifier_key.h"
#include "audit/bundle_export.h"
#include "tests/archive/archive_test_util.h"

namespace chainmail::testing {

class SignedArchive {
 public:
  explicit SignedArchive(int messages);
  ~SignedArchive();

  // Adds `n` more messages (each with its policy decision).
  void AddMessages(int n);
  // The files of a bundle for `request` from the archive's current state (not audited).
  TarFiles Files(const ExportRequest& request);
  // `chainmail export` in-process: writes, audits, renames; returns the bundle's bytes.
  Bytes Export(const ExportRequest& request, const std::string& name);
  // A checkpoint note of `log` at `size` signed with the archive's key (root from the tree
  // unless `root` is given).
  std::string NoteAt(LogName log, uint64_t size, const Hash32* root = nullptr);
  // MANIFEST.note for `manifest`, signed with the archive's key under the origin of each
  // log `files` holds (or under `origins` when given), as the exporter signs it.
  std::string ManifestNote(const TarFiles& files, const std::vector<std::string>& origins = {}) const;
  uint64_t LogSize(LogName log);
  int64_t ReceivedUs(uint64_t message_seq);

  const std::vector<VerifierKey>& keys() const { return keys_; }
  const std::string& dir() const { return dir_.path(); }
  const std::vector<RecordId>& ids() const { return ids_; }
  Archive& archive() { return *archive_; }

 private:
  TempDir dir_;
  std::shared_ptr<Ed25519SigningKey> key_;
  std::unique_ptr<Archive> archive_;
  std::vector<VerifierKey> keys_;
  std::vector<RecordId> ids_;
};

// Re-packs `files`. With `fix_manifest` the manifest is recomputed first, and with `signer`
// MANIFEST.note is signed again over it, as only a holder of the key could: tests of the
// checks behind the manifest use both, tests of the note itself neither or only the first.
Bytes Pack(TarFiles files, bool fix_manifest, const SignedArchive* signer = nullptr);
// The first INVALID item's "what: reason", or "" when none.
std::string FirstInvalid(const BundleReport& report);

}  // namespace chainmail::testing
