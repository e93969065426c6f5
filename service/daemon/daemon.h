// Daemon: chainmaild's lifecycle. Builds the archive, TLS material and the SMTP server
// from a Config, runs until SIGTERM/SIGINT, then drains sessions and stops the writer so
// that everything acknowledged is committed. Owns everything it builds; one per process.
#pragma once

#include "service/config/config.h"

namespace chainmail {

// Blocks SIGTERM/SIGINT/SIGPIPE in the calling thread; call before any thread starts so
// that every thread inherits the mask and only RunDaemon's sigwait sees them.
void BlockTerminationSignals();
// Switches for benchmarks only, never for a production archive: each one is announced
// with a WARNING at start and recorded in the service.start audit event's detail
// ("benchmark_only_flags"), so an archive run that way shows it in its audit trail.
struct BenchmarkSwitches {
  bool without_checkpoints = false;  // --without-checkpoints: sign no checkpoints
};

// Runs until a termination signal; returns the process exit code.
int RunDaemon(const Config& config, const BenchmarkSwitches& bench = {});

}  // namespace chainmail
