// The decoded content of a leaf part, produced in pieces: a part that decodes to 100 MB
// is hashed and sized without ever being held whole. ExtractMime (hash, size, text) and
// DecodePartContent (the bytes for download) both read content through this one
// function, so the bytes hashed are the bytes served.
//
// Pieces are cut where the tolerant decoders (transfer_decoding.h) would not notice the
// cut: base64 after a complete group of four alphabet characters (and never after an
// "=", which ends the data), quoted-printable after a line break (inside a line only
// after a character that is neither whitespace nor part of an "=XX"). The result is
// therefore the same as decoding the body in one call.
//
// Pure; thread-safe; linear in the body; memory O(piece size) besides what the sink keeps.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "archive/mime/transfer_decoding.h"

namespace chainmail {

enum class TransferEncoding { kIdentity, kBase64, kQuotedPrintable, kUnknown };

// From a lowercased Content-Transfer-Encoding token ("" = none = 7bit).
TransferEncoding ClassifyTransferEncoding(std::string_view token);

// Calls sink with consecutive pieces of the decoded `body` (at most `max_out` bytes in
// all). A piece is only valid during the call. kUnknown passes the body through as is.
DecodeReport StreamPartContent(std::string_view body, TransferEncoding encoding, size_t max_out,
                               const std::function<void(std::string_view)>& sink);

}  // namespace chainmail
