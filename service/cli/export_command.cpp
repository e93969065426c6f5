#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "archive/format/file_bytes.h"
#include "archive/format/rfc3339.h"
#include "audit/bundle_export.h"
#include "audit/checkpoint_signing.h"
#include "service/cli/cli_options.h"
#include "service/cli/commands.h"

namespace chainmail {
namespace {

int Usage() {
  std::cerr << "usage: chainmail export --out FILE.tar [--audit] [--messages all|ID,ID...]\n"
               "                        [--from T] [--to T] [--known-checkpoint FILE]...\n"
               "  (T in RFC 3339; without --audit or --messages: --messages all)\n";
  return 2;
}

std::optional<std::vector<RecordId>> ParseIds(const std::string& text) {
  std::vector<RecordId> ids;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    auto id = RecordId::Parse(part);
    if (!id) return std::nullopt;
    ids.push_back(*id);
  }
  if (ids.empty()) return std::nullopt;
  return ids;
}

int Fail(const std::string& message) {
  std::cerr << "chainmail: " << message << "\n";
  return 1;
}

}  // namespace

int ExportCommand(const Config& config, const std::vector<std::string>& args) {
  ExportRequest request;
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--audit") {
      request.audit = true;
    } else if (a == "--out" && has_value) {
      out = args[++i];
    } else if (a == "--messages" && has_value) {
      request.messages = true;
      if (args[++i] != "all") {
        request.message_ids = ParseIds(args[i]);
        if (!request.message_ids) return Usage();
      }
    } else if ((a == "--from" || a == "--to") && has_value) {
      auto t = ParseRfc3339(args[++i]);
      if (!t) return Usage();
      (a == "--from" ? request.from_us : request.to_us) = *t;
    } else if (a == "--known-checkpoint" && has_value) {
      auto note = ReadFileBytes(args[++i]);
      if (!note) return Fail("cannot read " + args[i]);
      request.known_notes.push_back(std::move(*note));
    } else {
      return Usage();
    }
  }
  if (out.empty()) return Usage();
  if (!request.audit) request.messages = true;

  auto archive = OpenExistingArchive(config);
  if (!archive.ok()) return Fail(archive.status().message());
  if (auto key = Ed25519SigningKey::LoadPemFile(config.signing_key); key.ok()) {
    auto keys = LogVerifierKeys((*archive)->identity(), *key);
    if (keys.ok()) request.keys = *keys;
  }
  const bool tty = isatty(STDERR_FILENO);
  if (tty)
    request.progress = [](uint64_t done, uint64_t total) {
      std::fprintf(stderr, "\rexporting %llu/%llu records", static_cast<unsigned long long>(done),
                   static_cast<unsigned long long>(total));
    };
  auto result = ExportBundle(**archive, request, LocalUserEvent(0, "", ""), out);
  if (tty) std::fprintf(stderr, "\n");
  (*archive)->Close();
  if (!result.ok()) return Fail(result.status().message());
  std::cout << "wrote " << out << ": " << result->records << " records, manifest sha256 "
            << result->manifest_sha256 << "\n";
  return 0;
}

}  // namespace chainmail
