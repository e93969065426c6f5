// chainmail-verify: the offline verifier auditors run (INTEGRITY.md "The offline
// verifier"). Links only archive/format, OpenSSL and zstd.
//   chainmail-verify bundle FILE.tar --key VKEY [--key VKEY]... [--known-checkpoint FILE]... [--allow-v1]
//   chainmail-verify inclusion   --index I --size N --leaf-hash HEX --root HEX --proof HEX,...
//   chainmail-verify consistency --size1 M --size2 N --root1 HEX --root2 HEX --proof HEX,...
// Exit 0 valid, 1 invalid, 2 usage.
#include <iostream>
#include <string>
#include <vector>

#include "service/verify/bundle_command.h"
#include "service/verify/proof_commands.h"

namespace {

int Usage() {
  std::cerr << "usage: chainmail-verify COMMAND ...\n"
               "  bundle FILE.tar --key VKEY [--key VKEY]... [--known-checkpoint FILE]... [--allow-v1]\n"
               "  inclusion   --index I --size N --leaf-hash HEX --root HEX --proof HEX,...\n"
               "  consistency --size1 M --size2 N --root1 HEX --root2 HEX --proof HEX,...\n"
               "  (--proof \"\" is the empty proof; exit 0 valid, 1 invalid, 2 usage)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return Usage();
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "bundle") return chainmail::BundleCommand(args);
  if (command == "inclusion") return chainmail::InclusionCommand(args);
  if (command == "consistency") return chainmail::ConsistencyCommand(args);
  if (command == "help" || command == "--help") return Usage(), 0;
  std::cerr << "chainmail-verify: unknown command '" << command << "'\n";
  return Usage();
}
