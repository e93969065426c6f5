// chainmaild: the chainmail daemon. Usage: chainmaild [--config FILE] [--set key=value]...
//                                             [--print-config] [--without-checkpoints]
// --without-checkpoints is for benchmarks only (see BenchmarkSwitches in daemon.h).
#include <malloc.h>

#include <iostream>
#include <string>
#include <vector>

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
  chainmail::BlockTerminationSignals();
  return chainmail::RunDaemon(*config, bench);
}
