// Daemon: chainmaild's lifecycle. Builds the archive, TLS material and the SMTP server
// from a Config, runs until SIGTERM/SIGINT, then drains sessions and stops the writer so
// that everything acknowledged is committed. Owns everything it builds; one per process.
#pragma once

#include "service/config/config.h"

namespace chainmail {

// Blocks SIGTERM/SIGINT/SIGPIPE in the calling thread; call before any thread starts so
// that every thread inherits the mask and only RunDaemon's sigwait sees them.
void BlockTerminationSignals();
// Runs until a termination signal; returns the process exit code.
int RunDaemon(const Config& config);

}  // namespace chainmail
