// chainmail-verify bundle FILE.tar --key VKEY [--key VKEY]... [--known-checkpoint FILE]...
// Checks an evidence bundle (archive/format/bundle_verifier.h) against the keys the
// auditor pinned, prints one line per item and a summary, and returns the exit code:
// 0 when nothing is INVALID, 1 otherwise, 2 for usage errors. Thread-safe.
#pragma once

#include <string>
#include <vector>

namespace chainmail {

int BundleCommand(const std::vector<std::string>& args);

}  // namespace chainmail
