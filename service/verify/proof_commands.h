// chainmail-verify's bare-proof commands, for auditors and tests (INTEGRITY.md "The
// offline verifier"):
//
//   inclusion   --index I --size N --leaf-hash HEX --root HEX --proof HEX,HEX,...
//   consistency --size1 M --size2 N --root1 HEX --root2 HEX --proof HEX,...
//
// `--proof ""` is the empty proof. Each prints `valid` or `INVALID: <reason>` on stdout
// and returns the exit code: 0 valid, 1 invalid, 2 usage (with a message on stderr).
// The math is archive/format/merkle_verify.h; these only parse arguments. Thread-safe.
#pragma once

#include <string>
#include <vector>

namespace chainmail {

int InclusionCommand(const std::vector<std::string>& args);
int ConsistencyCommand(const std::vector<std::string>& args);

}  // namespace chainmail
