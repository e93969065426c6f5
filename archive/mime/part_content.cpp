#include "archive/mime/part_content.h"

#include <algorithm>
#include <array>
#include <string>

#include "archive/format/byte_scan.h"
#include "archive/mime/ascii.h"

namespace chainmail {
namespace {

constexpr size_t kPiece = 64 * 1024;  // encoded bytes decoded per call

constexpr std::array<bool, 256> Base64Alphabet() {
  std::array<bool, 256> table{};
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  table['+'] = table['/'] = true;
  return table;
}
constexpr std::array<bool, 256> kBase64Alphabet = Base64Alphabet();

bool InAlphabet(char c) { return kBase64Alphabet[static_cast<unsigned char>(c)]; }

// End of the base64 piece starting at `pos`: after the last complete group of four
// alphabet characters within kPiece bytes, or the end of the body when an "=" (end of
// the data) comes first or the body ends.
size_t Base64PieceEnd(std::string_view body, size_t pos) {
  size_t end = pos + kPiece;
  if (end >= body.size()) return body.size();
  size_t count = 0;
  for (size_t i = pos; i < end; ++i) {
    if (body[i] == '=') return body.size();
    count += InAlphabet(body[i]);
  }
  for (size_t leftover = count % 4; leftover > 0; --end)
    if (InAlphabet(body[end - 1])) --leftover;
  return end > pos ? end : body.size();
}

// End of the quoted-printable piece starting at `pos`: after the first line break from
// pos + kPiece on; in a longer line, before a byte that follows neither whitespace nor
// the "=" or first digit of an "=XX".
size_t QuotedPrintablePieceEnd(std::string_view body, size_t pos) {
  const size_t from = pos + kPiece;
  if (from >= body.size()) return body.size();
  const size_t window_end = std::min(body.size(), from + kPiece);
  const char* base = body.data();
  const size_t brk = static_cast<size_t>(FindCrOrLf(base + from, base + window_end) - base);
  if (brk < window_end) {
    const bool crlf = body[brk] == '\r' && brk + 1 < body.size() && body[brk + 1] == '\n';
    return brk + (crlf ? 2 : 1);
  }
  for (size_t end = from; end < window_end; ++end)
    if (!IsWsp(body[end - 1]) && body[end - 1] != '=' && body[end - 2] != '=') return end;
  return body.size();
}

using Decoder = DecodeReport (*)(std::string_view, size_t, std::string*);

DecodeReport StreamDecoded(std::string_view body, Decoder decode,
                           size_t (*piece_end)(std::string_view, size_t), size_t max_out,
                           const std::function<void(std::string_view)>& sink) {
  DecodeReport report;
  std::string piece;
  size_t left = max_out;
  for (size_t pos = 0; pos < body.size() && !report.truncated;) {
    const size_t end = piece_end(body, pos);
    piece.clear();
    const DecodeReport part = decode(body.substr(pos, end - pos), left, &piece);
    report.malformed = report.malformed || part.malformed;
    report.truncated = part.truncated;
    if (!piece.empty()) sink(piece);
    left -= std::min(left, piece.size());
    pos = end;
  }
  return report;
}

}  // namespace

TransferEncoding ClassifyTransferEncoding(std::string_view token) {
  if (token.empty() || token == "7bit" || token == "8bit" || token == "binary")
    return TransferEncoding::kIdentity;
  if (token == "base64") return TransferEncoding::kBase64;
  if (token == "quoted-printable") return TransferEncoding::kQuotedPrintable;
  return TransferEncoding::kUnknown;
}

DecodeReport StreamPartContent(std::string_view body, TransferEncoding encoding, size_t max_out,
                               const std::function<void(std::string_view)>& sink) {
  switch (encoding) {
    case TransferEncoding::kBase64:
      return StreamDecoded(body, DecodeBase64Tolerant, Base64PieceEnd, max_out, sink);
    case TransferEncoding::kQuotedPrintable:
      return StreamDecoded(body, DecodeQuotedPrintableTolerant, QuotedPrintablePieceEnd, max_out,
                           sink);
    case TransferEncoding::kIdentity:
    case TransferEncoding::kUnknown:
      break;
  }
  DecodeReport report;
  report.truncated = body.size() > max_out;
  const std::string_view kept = body.substr(0, max_out);
  if (!kept.empty()) sink(kept);
  return report;
}

}  // namespace chainmail
