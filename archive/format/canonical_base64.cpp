#include "archive/format/canonical_base64.h"

namespace chainmail {

std::optional<Bytes> DecodeCanonicalBase64(std::string_view text) {
  std::optional<Bytes> decoded = Base64Decode(text);
  // Re-encoding is the whole check: it rejects whitespace, misplaced padding and non-zero
  // unused bits, which are exactly the spellings that decode but are not canonical.
  if (!decoded || Base64Encode(*decoded) != text) return std::nullopt;
  return decoded;
}

}  // namespace chainmail
