#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "archive/archive_verifier.h"
#include "audit/audit_checker.h"
#include "audit/checkpoint_signing.h"
#include "archive/archive.h"
#include "archive/format/file_bytes.h"
#include "service/cli/commands.h"

namespace chainmail {

// The keys checkpoints are checked against: each --key given, else the two derived from
// the signing key file when this user can read it.
Result<std::vector<VerifierKey>> PinnedKeys(const Config& config, const std::vector<std::string>& keys) {
  std::vector<VerifierKey> pinned;
  for (const std::string& text : keys) {
    auto k = VerifierKey::Parse(text);
    if (!k.ok()) return Status::InvalidArgument("--key " + text + ": " + k.status().message());
    pinned.push_back(std::move(*k));
  }
  if (!pinned.empty()) return pinned;
  auto key = Ed25519SigningKey::LoadPemFile(config.signing_key);
  if (!key.ok()) return pinned;
  auto db = Database::Open(DatabasePath(config.data_dir), Database::Mode::kReadOnly);
  if (!db.ok()) return db.status();
  auto identity = ReadIdentity(**db);
  if (!identity.ok()) return identity.status();
  return LogVerifierKeys(*identity, *key);
}

int VerifyCommand(const Config& config, const std::vector<std::string>& args) {
  std::vector<std::string> keys;
  VerifyOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--key" && i + 1 < args.size()) {
      keys.push_back(args[++i]);
    } else if (args[i] == "--known-checkpoint" && i + 1 < args.size()) {
      auto note = ReadFileBytes(args[++i]);
      if (!note) {
        std::cerr << "chainmail: cannot read " << args[i] << "\n";
        return 2;
      }
      options.known_checkpoints.push_back(std::move(*note));
    } else {
      std::cerr << "usage: chainmail verify [--key VERIFIER_KEY]... [--known-checkpoint FILE]...\n";
      return 2;
    }
  }
  options.audit_checker = std::make_shared<AuditChecker>();
  auto pinned = PinnedKeys(config, keys);
  if (!pinned.ok()) {
    std::cerr << "chainmail: " << pinned.status().message() << "\n";
    return 2;
  }
  options.pinned_keys = *pinned;
  if (isatty(STDERR_FILENO))
    options.progress = [](uint64_t done, uint64_t total) {
      std::fprintf(stderr, "\rverifying %llu/%llu", static_cast<unsigned long long>(done),
                   static_cast<unsigned long long>(total));
    };
  auto report = VerifyArchive(config.data_dir, options);
  if (options.progress) std::fprintf(stderr, "\n");
  if (!report.ok()) {
    std::cout << "INVALID: " << report.status().message() << "\n";
    return 1;
  }
  for (const VerifyProblem& p : report->problems) {
    std::cout << "INVALID";
    if (!p.log.empty()) std::cout << " " << p.log;
    if (p.seq != UINT64_MAX) std::cout << " seq " << p.seq;
    if (!p.record_id.empty()) std::cout << " record " << p.record_id;
    std::cout << ": " << p.what << "\n";
  }
  std::cout << "messages log: " << report->message_leaves << " records, " << report->raw_bytes
            << " raw bytes checked; audit log: " << report->audit_leaves << " records; "
            << report->checkpoints << " checkpoints"
            << (report->checkpoint_signatures_checked ? "" : " (signatures NOT checked: no key)") << "; "
            << report->problems.size() << " problems: " << (report->ok() ? "all valid" : "INVALID") << "\n";
  return report->ok() ? 0 : 1;
}

}  // namespace chainmail
