// Checkpoint: a signed tree head in the C2SP tlog-checkpoint v1.0.0 format, the one
// definition shared by the writer, the in-daemon verify and chainmail-verify.
//
//   <origin>                    e.g. mail.example.com/chainmail-3f9a1c07/messages
//   <tree size>                 decimal, no leading zeros ("0" for the empty tree)
//   <root hash>                 base64 of the 32-byte RFC 6962 root
//   [<extension line>...]       opaque, non-empty; chainmail writes none
//
//   — <origin> <base64(key ID || Ed25519 signature)>
//
// The body above is wrapped in a signed note (signed_note.h). As INTEGRITY.md "Identity"
// says, each log signs under its own origin as the key name, so the deployment's one key
// has one verifier key per log. OpenCheckpoint insists on both: the origin line must be
// the log the caller expects, and a pinned key named after that origin must have signed.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "archive/format/bytes.h"
#include "archive/format/signing_key.h"
#include "archive/format/status.h"
#include "archive/format/verifier_key.h"

namespace chainmail {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash32 root{};
  std::vector<std::string> extension_lines;

  // The note text: each line above followed by "\n".
  std::string Body() const;
  // Parses a body strictly: at least three lines, each ending in "\n" and non-empty, the
  // size as canonical decimal that fits 64 bits, the root as canonical base64 of 32 bytes.
  static Result<Checkpoint> ParseBody(std::string_view body);

  bool operator==(const Checkpoint&) const = default;
};

// The body to sign for `checkpoint`: its Body(), or InvalidArgument when it would not
// parse back to the same checkpoint (as SignCheckpoint below).
Result<std::string> SignableBody(const Checkpoint& checkpoint);

// The signed note of `checkpoint`, signed by `key` under the checkpoint's origin as key
// name. InvalidArgument when the origin is not a valid key name or the checkpoint would
// not parse back to itself (an empty line or a newline inside a field).
Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const Ed25519SigningKey& key);

// Opens `note` (OpenNote), then parses its body, which must name `expected_origin` and be
// signed by a pinned key whose name is `expected_origin`.
Result<Checkpoint> OpenCheckpoint(std::string_view note, const std::vector<VerifierKey>& pinned,
                                  std::string_view expected_origin);

}  // namespace chainmail
