#include "archive/format/checkpoint.h"

#include <algorithm>
#include <optional>

#include "archive/format/canonical_base64.h"
#include "archive/format/signed_note.h"

namespace chainmail {
namespace {

// Decimal without sign or leading zeros ("0" alone is zero), within 64 bits.
std::optional<uint64_t> ParseTreeSize(std::string_view text, bool* overflow) {
  *overflow = false;
  if (text.empty() || (text[0] == '0' && text.size() > 1)) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) {
      *overflow = true;
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace

std::string Checkpoint::Body() const {
  std::string body =
      origin + "\n" + std::to_string(size) + "\n" + Base64Encode(AsView(root)) + "\n";
  for (const std::string& line : extension_lines) body += line + "\n";
  return body;
}

Result<Checkpoint> Checkpoint::ParseBody(std::string_view body) {
  if (body.empty() || body.back() != '\n')
    return Status::Corruption("checkpoint body does not end with a newline");
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < body.size();) {
    const size_t end = body.find('\n', start);
    lines.push_back(body.substr(start, end - start));
    start = end + 1;
  }
  if (lines.size() < 3)
    return Status::Corruption("checkpoint has " + std::to_string(lines.size()) +
                              " lines; it needs an origin, a tree size and a root hash");
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].empty())
      return Status::Corruption("checkpoint line " + std::to_string(i + 1) + " is empty");

  Checkpoint checkpoint;
  checkpoint.origin = std::string(lines[0]);
  bool overflow = false;
  std::optional<uint64_t> size = ParseTreeSize(lines[1], &overflow);
  if (!size)
    return Status::Corruption("checkpoint tree size '" + std::string(lines[1]) +
                              (overflow ? "' does not fit in 64 bits"
                                        : "' is not a decimal number without leading zeros"));
  checkpoint.size = *size;
  std::optional<Bytes> root = DecodeCanonicalBase64(lines[2]);
  if (!root || root->size() != checkpoint.root.size())
    return Status::Corruption("checkpoint root hash '" + std::string(lines[2]) +
                              "' is not canonical base64 of 32 bytes");
  checkpoint.root = Hash32FromBytes(*root);
  checkpoint.extension_lines.assign(lines.begin() + 3, lines.end());
  return checkpoint;
}

Result<std::string> SignableBody(const Checkpoint& checkpoint) {
  std::string body = checkpoint.Body();
  // Signing only what reads back identically keeps writer and verifier on one format.
  Result<Checkpoint> reread = Checkpoint::ParseBody(body);
  if (!reread.ok())
    return Status::InvalidArgument("cannot sign this checkpoint: " + reread.status().message());
  if (!(*reread == checkpoint))
    return Status::InvalidArgument(
        "cannot sign this checkpoint: a field contains a newline, so the body would not "
        "parse back to it");
  return body;
}

Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const Ed25519SigningKey& key) {
  Result<std::string> body = SignableBody(checkpoint);
  if (!body.ok()) return body.status();
  return SignNote(*body, checkpoint.origin, key);
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, const std::vector<VerifierKey>& pinned,
                                  std::string_view expected_origin) {
  Result<VerifiedNote> opened = OpenNote(note, pinned);
  if (!opened.ok()) return opened.status();
  Result<Checkpoint> checkpoint = Checkpoint::ParseBody(opened->body);
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint->origin != expected_origin)
    return Status::Corruption("checkpoint is for origin '" + checkpoint->origin +
                              "', not the expected '" + std::string(expected_origin) + "'");
  const bool signed_as_origin =
      std::any_of(opened->verified_by.begin(), opened->verified_by.end(),
                  [&](const VerifierKey& key) { return key.name() == expected_origin; });
  if (!signed_as_origin)
    return Status::Corruption("checkpoint is not signed by a pinned key named after its origin '" +
                              std::string(expected_origin) + "'");
  return checkpoint;
}

}  // namespace chainmail
