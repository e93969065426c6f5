#include "archive/format/signed_note.h"

#include <cstdio>
#include <optional>

#include "archive/format/canonical_base64.h"
#include "archive/format/utf8.h"

namespace chainmail {
namespace {

constexpr size_t kKeyIdSize = 4;

// What is wrong with `text` as note text (UTF-8, no control characters but "\n"), if
// anything. Both the bodies we sign and the notes we open obey the same rule.
std::optional<std::string> NoteTextProblem(std::string_view text) {
  if (!IsValidUtf8(text)) return "is not valid UTF-8";
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 && c != '\n') {
      char buf[64];
      std::snprintf(buf, sizeof buf, "contains control character 0x%02x at byte %zu", c, i);
      return buf;
    }
  }
  return std::nullopt;
}

struct SignatureLine {
  std::string_view key_name;
  uint32_t key_id = 0;
  Bytes signature;  // without the key ID
};

Status MalformedLine(size_t number, const std::string& why) {
  return Status::Corruption("signature line " + std::to_string(number) + " " + why);
}

// One signature line without its "\n"; `number` counts from 1 for messages.
Result<SignatureLine> ParseSignatureLine(std::string_view line, size_t number) {
  if (line.substr(0, kSignatureLinePrefix.size()) != kSignatureLinePrefix)
    return MalformedLine(number, "does not start with an em dash (U+2014) and a space");
  line.remove_prefix(kSignatureLinePrefix.size());
  const size_t space = line.find(' ');
  if (space == std::string_view::npos)
    return MalformedLine(number, "is not '<key name> <base64 signature>'");
  SignatureLine parsed;
  parsed.key_name = line.substr(0, space);
  if (!IsValidKeyName(parsed.key_name)) return MalformedLine(number, "has an invalid key name");
  std::optional<Bytes> blob = DecodeCanonicalBase64(line.substr(space + 1));
  if (!blob) return MalformedLine(number, "does not end in a canonical base64 signature");
  if (blob->size() <= kKeyIdSize)
    return MalformedLine(number, "is too short to hold a key ID and a signature");
  parsed.key_id = ReadU32(reinterpret_cast<const unsigned char*>(blob->data()));
  parsed.signature = blob->substr(kKeyIdSize);
  return parsed;
}

// Two different public keys pinned under one (name, key ID) would make the signature
// that names them ambiguous; that is a configuration error, whatever the note says.
Status CheckPinnedUnambiguous(const std::vector<VerifierKey>& pinned) {
  for (size_t i = 0; i < pinned.size(); ++i)
    for (size_t j = i + 1; j < pinned.size(); ++j)
      if (pinned[i].name() == pinned[j].name() && pinned[i].key_id() == pinned[j].key_id() &&
          pinned[i].public_key() != pinned[j].public_key())
        return Status::InvalidArgument("two different pinned keys are both named " +
                                       KeyLabel(pinned[i].name(), pinned[i].key_id()));
  return Status::Ok();
}

const VerifierKey* FindPinned(const std::vector<VerifierKey>& pinned, const SignatureLine& sig) {
  for (const VerifierKey& key : pinned)
    if (key.name() == sig.key_name && key.key_id() == sig.key_id) return &key;
  return nullptr;
}

// Verifies one signature by a pinned key; a failure rejects the whole note.
Status CheckPinnedSignature(const VerifierKey& key, std::string_view body,
                            const SignatureLine& sig) {
  const std::string label = KeyLabel(key.name(), key.key_id());
  if (sig.signature.size() != kEd25519SignatureSize)
    return Status::Corruption("signature by " + label + " is " +
                              std::to_string(sig.signature.size()) +
                              " bytes; an Ed25519 signature is 64");
  if (!Ed25519Verify(key.public_key(), body, sig.signature))
    return Status::Corruption("signature by " + label +
                              " does not verify: the note text was changed or another key "
                              "signed it");
  return Status::Ok();
}

}  // namespace

Result<std::string> SignNote(std::string_view body, std::string_view key_name,
                             const Ed25519SigningKey& key) {
  if (!IsValidKeyName(key_name))
    return Status::InvalidArgument("invalid key name '" + std::string(key_name) + "'");
  if (body.empty() || body.back() != '\n')
    return Status::InvalidArgument("a note body must be non-empty and end with a newline");
  if (std::optional<std::string> problem = NoteTextProblem(body))
    return Status::InvalidArgument("note body " + *problem);
  Bytes blob;
  AppendU32(blob, Ed25519KeyId(key_name, key.PublicKey()));
  blob += key.Sign(body);
  std::string note(body);
  note += '\n';
  note += kSignatureLinePrefix;
  note += key_name;
  note += ' ';
  note += Base64Encode(blob);
  note += '\n';
  if (note.size() > kMaxNoteBytes)
    return Status::InvalidArgument("the signed note would exceed " + std::to_string(kMaxNoteBytes) +
                                   " bytes");
  return note;
}

Result<VerifiedNote> OpenNote(std::string_view note, const std::vector<VerifierKey>& pinned) {
  if (Status s = CheckPinnedUnambiguous(pinned); !s.ok()) return s;
  if (note.size() > kMaxNoteBytes)
    return Status::LimitExceeded("note is " + std::to_string(note.size()) +
                                 " bytes; the limit is " + std::to_string(kMaxNoteBytes));
  if (std::optional<std::string> problem = NoteTextProblem(note))
    return Status::Corruption("note " + *problem);
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos)
    return Status::Corruption("note has no blank line between its text and its signatures");
  VerifiedNote result;
  result.body = std::string(note.substr(0, split + 1));
  std::string_view lines = note.substr(split + 2);
  if (lines.empty())
    return Status::Corruption("note has no signature line after its last blank line");
  if (lines.back() != '\n')
    return Status::Corruption("note does not end with a newline after its last signature line");

  std::string unpinned;  // labels of skipped signatures, for the error message
  for (size_t number = 1; !lines.empty(); ++number) {
    if (number > kMaxNoteSignatures)
      return Status::LimitExceeded("note has more than " + std::to_string(kMaxNoteSignatures) +
                                   " signature lines");
    const size_t end = lines.find('\n');  // found: `lines` ends in "\n"
    Result<SignatureLine> sig = ParseSignatureLine(lines.substr(0, end), number);
    lines.remove_prefix(end + 1);
    if (!sig.ok()) return sig.status();
    const VerifierKey* key = FindPinned(pinned, *sig);
    if (key == nullptr) {
      unpinned += (unpinned.empty() ? "" : ", ") + KeyLabel(sig->key_name, sig->key_id);
      continue;
    }
    if (Status s = CheckPinnedSignature(*key, result.body, *sig); !s.ok()) return s;
    bool seen = false;
    for (const VerifierKey& v : result.verified_by) seen = seen || v == *key;
    if (!seen) result.verified_by.push_back(*key);
  }
  if (result.verified_by.empty())
    return Status::Corruption("note has no signature by a pinned key (signed only by " + unpinned +
                              ")");
  return result;
}

}  // namespace chainmail
