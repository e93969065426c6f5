// chainmail: the host CLI for chainmail archives.
//   chainmail verify            check every record against its commitments
//   chainmail show ID [--raw]   a message's metadata, or its exact bytes
//   chainmail import FILE...    archive .eml files and mbox files
//   chainmail key show          the two verifier keys (messages, audit) auditors pin
//   chainmail export --out F    an evidence bundle (docs/bundle.md)
//   chainmail token ...         REST API tokens: create, list, revoke
// Every command takes --data DIR, --config FILE and --set key=value.
#include <csignal>
#include <iostream>

#include "service/cli/cli_options.h"
#include "service/cli/commands.h"

namespace {

int Usage() {
  std::cerr << "usage: chainmail [--data DIR] [--config FILE] [--set key=value]... COMMAND\n"
               "  verify [--key VKEY]... [--known-checkpoint FILE]...\n"
               "                    check every record, chain link, blob and index row, and that\n"
               "                    each checkpoint you kept is still the log's root at its size\n"
               "  show ID [--raw]   a message's metadata, or (--raw) its exact bytes\n"
               "  import FILE...    archive .eml and mbox files\n"
               "  key show          the verifier keys auditors pin (one per log)\n"
               "  export --out FILE.tar [--audit] [--messages all|ID,...] [--from T] [--to T]\n"
               "         [--known-checkpoint FILE]...   an evidence bundle (docs/bundle.md)\n"
               "  token create --role admin|officer|auditor --name NAME [--expires DAYS]\n"
               "  token list | token revoke ID   REST API tokens (the secret is printed once)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto config = chainmail::ParseCliOptions(args);
  if (!config.ok()) {
    std::cerr << "chainmail: " << config.status().message() << "\n";
    return 2;
  }
  if (args.empty()) return Usage();
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "verify") return chainmail::VerifyCommand(*config, args);
  if (command == "show") return chainmail::ShowCommand(*config, args);
  if (command == "import") return chainmail::ImportCommand(*config, args);
  if (command == "key") return chainmail::KeyCommand(*config, args);
  if (command == "export") return chainmail::ExportCommand(*config, args);
  if (command == "token") return chainmail::TokenCommand(*config, args);
  if (command == "help" || command == "--help") return Usage(), 0;
  std::cerr << "chainmail: unknown command '" << command << "'\n";
  return Usage();
}
