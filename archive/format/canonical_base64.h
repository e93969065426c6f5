// Strict decoding of standard base64 (RFC 4648 §4) for signed formats.
//
// OpenSSL's decoder, which Base64Decode in bytes.h wraps, trims surrounding whitespace and
// ignores the unused low bits of the last group, so several texts decode to the same
// bytes. A signed note or checkpoint must have exactly one spelling for each value, so
// every field we sign or compare is decoded here instead: the text must be exactly what
// Base64Encode produces for the decoded bytes.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "archive/format/bytes.h"

namespace chainmail {

// The bytes `text` encodes, or nullopt unless `text` is canonical padded standard base64
// (alphabet A-Z a-z 0-9 + /, '=' padding only at the end, zero unused bits).
std::optional<Bytes> DecodeCanonicalBase64(std::string_view text);

}  // namespace chainmail
