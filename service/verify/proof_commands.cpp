#include "service/verify/proof_commands.h"

#include <charconv>
#include <iostream>
#include <map>
#include <optional>

#include "archive/format/bytes.h"
#include "archive/format/merkle_verify.h"

namespace chainmail {
namespace {

// "--name value" pairs; every name must be one of `names`, each given exactly once.
std::optional<std::map<std::string, std::string>> ParseFlags(const std::vector<std::string>& args,
                                                             const std::vector<std::string>& names) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < args.size(); i += 2) {
    bool known = false;
    for (const auto& n : names) known = known || args[i] == "--" + n;
    if (!known || i + 1 >= args.size() || out.count(args[i].substr(2))) return std::nullopt;
    out[args[i].substr(2)] = args[i + 1];
  }
  if (out.size() != names.size()) return std::nullopt;
  return out;
}

std::optional<uint64_t> ParseU64(const std::string& s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Comma-separated 64-hex-digit hashes; "" is the empty proof.
std::optional<std::vector<Hash32>> ParseProof(const std::string& s) {
  std::vector<Hash32> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    auto h = Hash32FromHex(std::string_view(s).substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!h) return std::nullopt;
    out.push_back(*h);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

int Usage(const char* text) {
  std::cerr << "usage: chainmail-verify " << text << "\n";
  return 2;
}

int Report(bool valid, const std::string& reason) {
  std::cout << (valid ? std::string("valid") : "INVALID: " + reason) << "\n";
  return valid ? 0 : 1;
}

}  // namespace

int InclusionCommand(const std::vector<std::string>& args) {
  const char* usage = "inclusion --index I --size N --leaf-hash HEX --root HEX --proof HEX,...";
  auto f = ParseFlags(args, {"index", "size", "leaf-hash", "root", "proof"});
  if (!f) return Usage(usage);
  auto index = ParseU64((*f)["index"]);
  auto size = ParseU64((*f)["size"]);
  auto leaf = Hash32FromHex((*f)["leaf-hash"]);
  auto root = Hash32FromHex((*f)["root"]);
  auto proof = ParseProof((*f)["proof"]);
  if (!index || !size || !leaf || !root || !proof) return Usage(usage);
  if (*index >= *size) return Report(false, "index is not below the tree size");
  auto implied = RootFromInclusionProof(*index, *size, *leaf, *proof);
  if (!implied) return Report(false, "the proof has the wrong number of hashes for this index and size");
  return Report(*implied == *root, "the proof leads to root " + ToHex(*implied) + ", not the given root");
}

int ConsistencyCommand(const std::vector<std::string>& args) {
  const char* usage = "consistency --size1 M --size2 N --root1 HEX --root2 HEX --proof HEX,...";
  auto f = ParseFlags(args, {"size1", "size2", "root1", "root2", "proof"});
  if (!f) return Usage(usage);
  auto size1 = ParseU64((*f)["size1"]);
  auto size2 = ParseU64((*f)["size2"]);
  auto root1 = Hash32FromHex((*f)["root1"]);
  auto root2 = Hash32FromHex((*f)["root2"]);
  auto proof = ParseProof((*f)["proof"]);
  if (!size1 || !size2 || !root1 || !root2 || !proof) return Usage(usage);
  if (*size1 == 0) return Report(false, "size1 is 0: nothing is consistent with the empty tree");
  if (*size1 > *size2) return Report(false, "size1 is larger than size2 (a rollback)");
  return Report(VerifyConsistency(*size1, *size2, *root1, *root2, *proof),
                "the proof does not show the tree of size1 to be a prefix of the tree of size2");
}

}  // namespace chainmail
