// Signed notes (C2SP signed-note v1.0.0) with Ed25519 signatures: the envelope of every
// chainmail checkpoint.
//
//   <body: one or more lines, each ending in "\n">
//   <blank line>
//   — <key name> <base64(key ID[4] || Ed25519 signature[64])>      (one or more)
//
// The signature line starts with U+2014 EM DASH and a space (bytes E2 80 94 20), and every
// signature covers the body exactly: the text up to and including the newline before the
// blank line. The body is separated from the signatures by the note's last blank line.
//
// Opening is strict: valid UTF-8 with no control characters other than "\n", every line
// ends in "\n", nothing after the last signature line, canonical base64, at most
// kMaxNoteBytes and kMaxNoteSignatures. Signatures whose (key name, key ID) is not pinned
// are skipped, as the spec requires, even when the name or the ID alone matches; a
// signature whose name and ID match a pinned key must verify, or the whole note is
// rejected; and at least one pinned key must have signed.
//
// Pure functions; thread-safe (the signing key's const methods are).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "archive/format/signing_key.h"
#include "archive/format/status.h"
#include "archive/format/verifier_key.h"

namespace chainmail {

inline constexpr size_t kMaxNoteBytes = 1 << 20;
inline constexpr size_t kMaxNoteSignatures = 100;

// The U+2014 EM DASH and space that open a signature line.
inline constexpr std::string_view kSignatureLinePrefix = "\xE2\x80\x94 ";

struct VerifiedNote {
  std::string body;                      // includes its final "\n"
  std::vector<VerifierKey> verified_by;  // pinned keys that signed it, in note order, once each
};

// `body` followed by a blank line and one signature line by `key` under `key_name`.
// InvalidArgument when the body is empty, does not end in "\n", is not valid note text,
// when the name is not a valid key name, or when the note would exceed kMaxNoteBytes.
Result<std::string> SignNote(std::string_view body, std::string_view key_name,
                             const Ed25519SigningKey& key);

// Parses `note` and checks its signatures against `pinned`, as described above. The error
// names the first problem found (Corruption for a malformed or badly signed note,
// LimitExceeded for a note over the bounds, InvalidArgument for an ambiguous pinned list).
Result<VerifiedNote> OpenNote(std::string_view note, const std::vector<VerifierKey>& pinned);

}  // namespace chainmail
