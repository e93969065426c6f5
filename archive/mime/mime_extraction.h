// ExtractMime: what an officer needs to read and search a message, derived from its raw
// bytes: the MIME part tree, the decoded text, attachment names and types, and the
// recipients of record of an Exchange journal report or a Google copy.
//
// Contract: never throws (short of std::bad_alloc), never rejects, never crashes on any
// input; every problem becomes a mimeflag bit on the part and on the extraction. Every
// string in the result is valid UTF-8. Bounded by MimeLimits: nesting depth, number of
// parts, decoded bytes per part and in all, text kept; work linear in the input times the
// nesting depth; a large part is decoded and hashed in pieces, never held whole.
// The result depends only on the bytes and the limits (deterministic), so it can be
// derived again at any time (the indexer and the /parts routes do).
//
// Reading rules (RFC 2045-2049, 2183, 2231, 2047, read tolerantly):
// - A part without Content-Type is text/plain; us-ascii (digest children: message/rfc822).
// - multipart/*: children between "--boundary" lines (trailing whitespace allowed); a
//   missing close delimiter ends the multipart at the end of its data (flagged); text
//   before the first boundary (preamble) and after the close (epilogue) is ignored.
//   When the declared boundary never occurs, the boundary of the body's first "--" line
//   is used if that line repeats (kBoundaryGuessed). A multipart without a usable
//   boundary is treated as text/plain (kNoBoundary). A body part's header block ends at
//   the empty line or at the first line that is not a header field.
// - message/rfc822 (and message/global): the body is parsed as a message of its own.
// - Transfer encodings: 7bit, 8bit, binary (as is); base64 and quoted-printable decoded
//   tolerantly (see transfer_decoding.h); an unknown encoding is kept as is (flagged).
//   A message/rfc822 part with base64 or quoted-printable (not allowed) is a leaf.
// - Text: text/plain and text/html parts that are not attachments give the text; in a
//   multipart/alternative the plain part is preferred, else the HTML part reduced to
//   text (html_text.h). Charsets go to UTF-8 through body_text.h. The text of a message
//   inside a message/rfc822 part counts too (a forwarded message is searchable).
// - Attachments: a part with Content-Disposition: attachment, or with a filename, or a
//   non-text leaf. Filenames from filename*/filename (RFC 2231, RFC 2047 tolerated),
//   else name*/name of Content-Type; path components stripped, control characters
//   removed.
// - Exchange journal reports (X-MS-Journal-Report header on the outer message): the
//   first text/plain part is the envelope report; its Sender/To/Cc/Bcc/Recipient lines
//   (with ", Expanded: x" / ", Forwarded: x" suffixes) become recipients of record; the
//   attached message/rfc822 is the shown message: its subject, addresses and text are
//   what search sees (the envelope's text is not). Without an envelope with recipient
//   lines or without the original, kJournalReportMalformed is set (the report is then
//   the shown message). X-Gm-Original-To on the outer message gives recipients of record.
// docs/mime.md has the limits and where this deliberately reads differently from
// Python's email package.
//
// Thread-safe: may be called concurrently from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "archive/format/bytes.h"

namespace chainmail {

// Problems found while reading; bits on a part (its own) and on the extraction (all).
namespace mimeflag {
inline constexpr uint32_t kDepthLimit = 1u << 0;  // nesting deeper than max_depth: kept as a leaf
inline constexpr uint32_t kPartLimit = 1u << 1;   // more parts than max_parts: the rest not listed
inline constexpr uint32_t kDecodedLimit = 1u << 2;        // decoded content cut at a byte bound
inline constexpr uint32_t kTextLimit = 1u << 3;           // extracted text cut at max_text_bytes
inline constexpr uint32_t kNoCloseBoundary = 1u << 4;     // multipart without its close delimiter
inline constexpr uint32_t kNoBoundary = 1u << 5;          // multipart without a usable boundary
inline constexpr uint32_t kBadBase64 = 1u << 6;           // stray characters or broken padding
inline constexpr uint32_t kBadQuotedPrintable = 1u << 7;  // malformed "=XX" or over-long lines
inline constexpr uint32_t kUnknownEncoding = 1u << 8;  // Content-Transfer-Encoding not understood
inline constexpr uint32_t kUnknownCharset = 1u << 9;   // charset unknown: fallback used
inline constexpr uint32_t kBadCharset = 1u << 10;      // bytes invalid in the declared charset
inline constexpr uint32_t kBadHeaderParams =
    1u << 11;  // Content-Type/Disposition parameters malformed
inline constexpr uint32_t kBadEncodedWord = 1u << 12;  // an RFC 2047 word that did not decode
inline constexpr uint32_t kNulInText = 1u << 13;  // NUL bytes in a text part (removed from text)
inline constexpr uint32_t kTruncatedInput = 1u << 14;  // only the first max_input_bytes were read
inline constexpr uint32_t kJournalReportMalformed =
    1u << 15;  // X-MS-Journal-Report without a usable report
inline constexpr uint32_t kBoundaryGuessed =
    1u << 16;  // declared boundary never occurs; the body's own was used
}  // namespace mimeflag

struct MimeLimits {
  size_t max_input_bytes = 64u << 20;           // bytes of the message read at all
  size_t max_depth = 20;                        // multipart / message nesting levels
  size_t max_parts = 1000;                      // parts listed
  size_t max_part_decoded_bytes = 32u << 20;    // decoded bytes hashed and sized per part
  size_t max_total_decoded_bytes = 128u << 20;  // decoded bytes over all parts
  size_t max_text_bytes = 4u << 20;             // UTF-8 text kept for search
  size_t max_attachment_names = 1000;
  size_t max_text_part_bytes = 16u << 20;  // decoded bytes of one text part read for its text
  size_t max_recipients_of_record = 10000;
};

struct MimePart {
  uint32_t index = 0;             // pre-order number; 0 = the message itself
  int32_t parent = -1;            // index of the enclosing part; -1 for the root
  uint32_t depth = 0;             // 0 for the root
  std::string content_type;       // lowercased "type/subtype" as used (defaults applied)
  std::string charset;            // lowercased charset parameter; "" when none
  std::string transfer_encoding;  // lowercased Content-Transfer-Encoding; "" when none
  std::string disposition;        // lowercased "inline" / "attachment" / ""
  std::string filename;           // UTF-8, sanitised; "" when none
  bool is_attachment = false;
  bool is_text = false;  // contributed to MimeExtraction::text
  bool is_leaf = false;  // no child parts: content decoded, hashed, served by DecodePartContent
                         // (a multipart or message kept whole by kDepthLimit is a leaf)
  uint64_t header_offset = 0;  // where the part's header block starts in the message
  uint64_t body_offset = 0;    // where its body starts (encoded form)
  uint64_t body_length = 0;    // encoded length
  uint64_t decoded_size = 0;   // leaves only: size after transfer decoding (capped, see flags)
  Hash32 decoded_sha256{};  // leaves only: SHA-256 of those decoded_size bytes (all zero otherwise)
                            // = SHA-256 of DecodePartContent() unless kDecodedLimit cut it
                            // at max_total_decoded_bytes (then of a prefix of it)
  uint32_t flags = 0;       // mimeflag bits of this part
};

struct RecordRecipient {
  std::string address;        // addr-spec
  std::string source;         // "journal-sender", "journal-to", "journal-cc", "journal-bcc",
                              // "journal-recipient", "x-gm-original-to"
  std::string expanded_from;  // the list it was expanded or forwarded from; "" when none
};

struct MimeExtraction {
  std::vector<MimePart> parts;  // pre-order; parts[i].index == i
  std::string subject;          // of the shown message (the attached original for a journal report)
  std::vector<std::string> addresses;  // From/Sender/To/Cc addr-specs of the shown message
  std::string text;  // decoded text, parts joined with "\n\n"; at most max_text_bytes
  std::vector<std::string> attachment_names;  // in part order, non-empty names only
  std::vector<std::string> attachment_types;  // content types of attachments, in part order
  std::vector<RecordRecipient> recipients_of_record;
  bool journal_report = false;
  uint32_t flags = 0;  // OR of all mimeflag bits found
};

// What ExtractMime fills in.
//   kFull      every leaf decoded, sized and hashed (the /parts routes, the tools).
//   kTextOnly  what full-text search reads — subject, text, addresses, attachment names
//              and types, recipients of record, journal_report — exactly as kFull gives
//              it, without the work only the part list needs: no leaf is hashed
//              (decoded_sha256 stays zero) and leaves that give no text are not decoded
//              (decoded_size 0, no decoding flags). Used at ingest and by the full-text
//              indexer (extracted_message.h), where a large attachment was base64-decoded
//              and hashed only to be thrown away.
enum class MimeDetail { kFull, kTextOnly };

MimeExtraction ExtractMime(std::string_view message, const MimeLimits& limits = MimeLimits(),
                           MimeDetail detail = MimeDetail::kFull);

// The decoded content of one leaf part of `message` as listed by ExtractMime (same bytes,
// same limits): transfer encoding undone, at most limits.max_part_decoded_bytes. Text is
// not converted (the part's charset applies). Empty for a multipart or message part.
std::string DecodePartContent(std::string_view message, const MimePart& part,
                              const MimeLimits& limits = MimeLimits());

// Names of the mimeflag bits set in `flags`, e.g. {"no_close_boundary", "bad_base64"}.
std::vector<std::string> MimeFlagNames(uint32_t flags);

}  // namespace chainmail
