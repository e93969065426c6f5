// chainmaild: the chainmail daemon. Usage: chainmaild [--config FILE] [--set key=value]...
//                                             [--print-config] [--without-checkpoints]
// --without-checkpoints is for benchmarks only (see BenchmarkSwitches in daemon.h).
#include <malloc.h>

#include <iostream>
#include <string>
#include <vector>

#include "Poco/AutoPtr.h"
#include "Poco/ConsoleChannel.h"
#include "Poco/FormattingChannel.h"
#include "Poco/Logger.h"
#include "Poco/Message.h"
#include "Poco/PatternFormatter.h"
#include "service/config/config.h"
#include "service/config/config_keys.h"
#include "service/daemon/daemon.h"

namespace {

int Usage() {
  std::cerr << "usage: chainmaild [--config FILE] [--set key=value]... [--print-config]\n"
               "       --without-checkpoints  benchmark only: sign no checkpoints (recorded in the audit log)\n";
  return 2;
}

// glibc returns freed memory at the top of a thread's heap with madvise once more than
// 128 KiB is free there; with many request threads freeing per-request buffers that was
// a madvise, and a TLB flush on every core, several times per request (4% of the daemon's
// CPU under REST load). Keep up to 16 MiB per heap. Setting it fixes the mmap threshold,
// which glibc otherwise raises by itself: set that to 1 MiB, so that a large buffer
// (a message's extracted text, a spool read) is mapped and given back whole when freed,
// and peak RSS stays bounded with a hundred sessions (bench "memory").
void TuneMalloc() {
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 16 << 20);
}

// The SMTP connections log through Poco (logger "chainmail.smtp": denied and refused
// clients, failed TLS handshakes, lost connections, exceptions). Poco's root logger has
// no channel of its own, so without this those lines go nowhere. They go to stderr like
// the daemon's other lines: "chainmaild: chainmail.smtp: 192.0.2.7:40123: denied: ...",
// from information level up. Set on the root before any other logger exists: a logger
// copies its channel and level from its nearest ancestor when it is made.
void LogToStderr() {
  Poco::AutoPtr<Poco::PatternFormatter> format(new Poco::PatternFormatter("chainmaild: %s: %t"));
  Poco::AutoPtr<Poco::Channel> channel(
      new Poco::FormattingChannel(format, new Poco::ConsoleChannel(std::cerr)));
  Poco::Logger& root = Poco::Logger::root();
  root.setChannel(channel);
  root.setLevel(Poco::Message::PRIO_INFORMATION);
}

}  // namespace

int main(int argc, char** argv) {
  TuneMalloc();
  std::string config_file;
  std::vector<std::string> overrides;
  bool print = false;
  chainmail::BenchmarkSwitches bench;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) config_file = argv[++i];
    else if (a == "--set" && i + 1 < argc) overrides.push_back(argv[++i]);
    else if (a == "--print-config") print = true;
    else if (a == "--without-checkpoints") bench.without_checkpoints = true;
    else if (a == "--help" || a == "-h") return Usage(), 0;
    else return Usage();
  }
  auto config = chainmail::Config::Load(config_file, overrides);
  if (!config.ok()) {
    std::cerr << "chainmaild: " << config.status().message() << "\n";
    return 2;
  }
  if (print) {
    for (const auto& [key, value] : config->effective) std::cout << key << " = " << value << "\n";
    return 0;
  }
  LogToStderr();
  chainmail::BlockTerminationSignals();
  return chainmail::RunDaemon(*config, bench);
}
