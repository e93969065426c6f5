#include "service/verify/bundle_command.h"

#include <iostream>
#include <new>
#include <optional>

#include "archive/format/file_bytes.h"
#include "archive/format/bundle_verifier.h"

namespace chainmail {
namespace {

int Usage(const std::string& why = "") {
  if (!why.empty()) std::cerr << "chainmail-verify: " << why << "\n";
  std::cerr << "usage: chainmail-verify bundle FILE.tar --key VKEY [--key VKEY]... [--known-checkpoint FILE]... "
               "[--allow-v1] [--require-all]\n"
               "  --allow-v1     accept a bundle written before v2, whose contents are not signed (MANIFEST.note)\n"
               "  --require-all  exit 1 when any item is not checked (e.g. a held checkpoint the bundle\n"
               "                 carries no proof for), not only when one is invalid\n";
  return 2;
}

int Verify(const std::vector<std::string>& args) {
  std::string path;
  std::vector<VerifierKey> pinned;
  std::vector<std::string> known;
  bool allow_v1 = false;
  bool require_all = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--key" && has_value) {
      auto key = VerifierKey::Parse(args[++i]);
      if (!key.ok()) return Usage("--key " + args[i] + ": " + key.status().message());
      pinned.push_back(std::move(*key));
    } else if (args[i] == "--known-checkpoint" && has_value) {
      auto note = ReadFileBytes(args[++i]);
      if (!note) return Usage("cannot read " + args[i]);
      known.push_back(std::move(*note));
    } else if (args[i] == "--allow-v1") {
      allow_v1 = true;
    } else if (args[i] == "--require-all") {
      require_all = true;
    } else if (path.empty() && !args[i].starts_with("--")) {
      path = args[i];
    } else {
      return Usage();
    }
  }
  if (path.empty() || pinned.empty()) return Usage(pinned.empty() && !path.empty() ? "pin at least one --key" : "");
  auto tar = ReadFileBytes(path);
  if (!tar) return Usage("cannot read " + path);
  const BundleReport report = VerifyBundle(*tar, pinned, known, allow_v1);
  for (const BundleItem& item : report.items) std::cout << BundleReport::Line(item) << "\n";
  const size_t invalid = report.Count(BundleItem::Verdict::kInvalid);
  const size_t not_checked = report.Count(BundleItem::Verdict::kNotChecked);
  std::cout << "summary: " << report.Count(BundleItem::Verdict::kValid) << " valid, " << invalid
            << " invalid, " << not_checked << " not checked\n";
  if (invalid > 0) return 1;
  if (require_all && not_checked > 0) {
    std::cout << "--require-all: " << not_checked << " item(s) not checked: not verified\n";
    return 1;
  }
  return 0;
}

}  // namespace

int BundleCommand(const std::vector<std::string>& args) {
  try {  // the bundle is held in memory whole (ustar.h)
    return Verify(args);
  } catch (const std::bad_alloc&) {
    std::cerr << "chainmail-verify: not enough memory to read and verify the bundle\n";
    return 2;
  }
}

}  // namespace chainmail
