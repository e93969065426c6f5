#include "archive/mime/mime_extraction.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "archive/format/payload_tags.h"
#include "archive/format/sha256.h"
#include "archive/format/utf8.h"
#include "archive/mime/address_list.h"
#include "archive/mime/ascii.h"
#include "archive/mime/body_text.h"
#include "archive/mime/header_fields.h"
#include "archive/mime/header_scanner.h"
#include "archive/mime/html_text.h"
#include "archive/mime/journal_report.h"
#include "archive/mime/mime_walker.h"
#include "archive/mime/part_content.h"
#include "archive/mime/text_parts.h"

namespace chainmail {
namespace {

constexpr std::string_view kPartSeparator = "\n\n";
constexpr int32_t kNone = -1;

// MimeExtraction::text, kept within max_text_bytes.
class TextBuilder {
 public:
  explicit TextBuilder(size_t max) : max_(max) {}

  // Bytes the next piece may have.
  size_t room() const {
    const size_t used = text_.size() + (text_.empty() ? 0 : kPartSeparator.size());
    return used < max_ ? max_ - used : 0;
  }

  // Appends `piece` without its trailing whitespace (an empty piece adds nothing).
  // False when it had to be cut.
  bool Append(std::string piece) {
    piece.erase(piece.find_last_not_of(" \t\n") + 1);
    if (piece.empty()) return true;
    const size_t fits = room();
    const bool cut = piece.size() > fits;
    if (cut) TruncateUtf8(&piece, fits);
    if (piece.empty()) return !cut;
    if (!text_.empty()) text_.append(kPartSeparator);
    text_.append(piece);
    return !cut;
  }

  std::string Take() { return std::move(text_); }

 private:
  const size_t max_;
  std::string text_;
};

// What the top-level header block says about recipients of record.
struct RecordMarkers {
  bool journal_report = false;              // X-MS-Journal-Report present
  std::vector<std::string> gm_original_to;  // unfolded X-Gm-Original-To values
};

RecordMarkers ReadRecordMarkers(std::string_view header_block) {
  constexpr size_t kMaxValue = 64 * 1024;
  RecordMarkers markers;
  HeaderFieldReader reader(header_block);
  HeaderField field;
  while (reader.Next(&field)) {
    if (EqualsIgnoreCase(field.name, "x-ms-journal-report")) markers.journal_report = true;
    if (EqualsIgnoreCase(field.name, "x-gm-original-to"))
      markers.gm_original_to.push_back(Unfold(field.raw_value.substr(0, kMaxValue)));
  }
  return markers;
}

// The root of the journalled original: the embedded message of the first message part.
int32_t FindJournalOriginal(const std::vector<MimePart>& parts) {
  for (size_t i = 0; i + 1 < parts.size(); ++i)
    if (IsMessageContentType(parts[i].content_type) && !parts[i].is_leaf &&
        parts[i + 1].parent == static_cast<int32_t>(i))
      return static_cast<int32_t>(i + 1);
  return kNone;
}

// The envelope part: the first text/plain leaf outside the original [begin, end).
int32_t FindJournalEnvelope(const std::vector<MimePart>& parts, uint32_t begin, uint32_t end) {
  for (uint32_t i = 0; i < parts.size(); ++i)
    if ((i < begin || i >= end) && parts[i].is_leaf && parts[i].content_type == "text/plain")
      return static_cast<int32_t>(i);
  return kNone;
}

// Decodes leaf `*part` of `message`: sets its decoded size, its hash (when `hash`) and
// decoding flags. Keeps up to `keep_max` decoded bytes in *kept when `kept` is not null
// (then *kept_cut tells whether more followed).
void ReadLeaf(std::string_view message, size_t budget, bool hash, MimePart* part, size_t keep_max,
              std::string* kept, bool* kept_cut) {
  const std::string_view body = message.substr(part->body_offset, part->body_length);
  const TransferEncoding encoding = ClassifyTransferEncoding(part->transfer_encoding);
  std::optional<Sha256> sha;
  if (hash) sha.emplace();
  uint64_t size = 0;
  const DecodeReport report =
      StreamPartContent(body, encoding, budget, [&](std::string_view piece) {
        if (sha) sha->Update(piece);
        size += piece.size();
        if (kept == nullptr) return;
        const size_t take = std::min(piece.size(), keep_max - std::min(keep_max, kept->size()));
        kept->append(piece.substr(0, take));
        if (take < piece.size()) *kept_cut = true;
      });
  part->decoded_size = size;
  if (sha) part->decoded_sha256 = sha->Finish();
  if (report.truncated) {
    part->flags |= mimeflag::kDecodedLimit;
    if (kept != nullptr) *kept_cut = true;
  }
  if (report.malformed && encoding == TransferEncoding::kBase64)
    part->flags |= mimeflag::kBadBase64;
  if (report.malformed && encoding == TransferEncoding::kQuotedPrintable)
    part->flags |= mimeflag::kBadQuotedPrintable;
}

uint32_t BodyTextFlags(const BodyTextReport& report) {
  uint32_t flags = 0;
  if (report.unknown_charset) flags |= mimeflag::kUnknownCharset;
  if (report.bad_charset) flags |= mimeflag::kBadCharset;
  if (report.had_nul) flags |= mimeflag::kNulInText;
  return flags;
}

// The UTF-8 text of text part `*part` from its decoded bytes, at most `max_out` bytes
// (HTML reduced to text). Sets the part's charset flags, and kTextLimit when cut.
std::string PartText(std::string_view bytes, size_t max_out, size_t html_max, MimePart* part) {
  std::string utf8;
  if (part->content_type != "text/html") {
    const BodyTextReport report = AppendBodyText(part->charset, bytes, max_out, &utf8);
    part->flags |= BodyTextFlags(report);
    if (report.truncated) part->flags |= mimeflag::kTextLimit;
    return utf8;
  }
  const BodyTextReport report = AppendBodyText(part->charset, bytes, html_max, &utf8);
  part->flags |= BodyTextFlags(report);
  if (report.truncated) part->flags |= mimeflag::kTextLimit;
  std::string text = HtmlToText(utf8, max_out + 1);  // one more byte tells it was cut
  if (text.size() > max_out) {
    TruncateUtf8(&text, max_out);
    part->flags |= mimeflag::kTextLimit;
  }
  return text;
}

std::string WithoutNul(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), '\0'), text.end());
  return text;
}

// Subject and addresses of the shown message, whose root is parts[root].
void ReadShownHeaders(std::string_view message, MimePart* root, MimeExtraction* out) {
  const std::string_view entity = message.substr(
      root->header_offset, root->body_offset + root->body_length - root->header_offset);
  const HeaderMetadata md = ScanHeaders(entity, true);
  out->subject = WithoutNul(md.subject);
  for (const auto* list :
       {&md.from_addresses, &md.sender_addresses, &md.to_addresses, &md.cc_addresses})
    out->addresses.insert(out->addresses.end(), list->begin(), list->end());
  if (md.flags & msgflag::kBadEncodedWord) root->flags |= mimeflag::kBadEncodedWord;
}

void AddGmailRecipients(const std::vector<std::string>& values, size_t max, MimeExtraction* out) {
  std::vector<std::string> addresses;
  for (const std::string& value : values) {
    addresses.clear();
    AppendAddresses(value, max, &addresses);
    for (std::string& address : addresses) {
      if (out->recipients_of_record.size() >= max) return;
      out->recipients_of_record.push_back(
          RecordRecipient{std::move(address), "x-gm-original-to", ""});
    }
  }
}

}  // namespace

MimeExtraction ExtractMime(std::string_view message, const MimeLimits& limits, MimeDetail detail) {
  const bool input_cut = message.size() > limits.max_input_bytes;
  message = message.substr(0, limits.max_input_bytes);
  MimeExtraction out;
  out.parts = WalkMimeTree(message, limits).parts;
  std::vector<MimePart>& parts = out.parts;
  if (input_cut) parts.front().flags |= mimeflag::kTruncatedInput;

  // The shown message: the journalled original of a journal report, else the message.
  const RecordMarkers markers = ReadRecordMarkers(message.substr(0, parts.front().body_offset));
  uint32_t shown = 0;
  int32_t envelope = kNone;
  if (markers.journal_report) {
    out.journal_report = true;
    const int32_t original = FindJournalOriginal(parts);
    if (original != kNone) shown = static_cast<uint32_t>(original);
    envelope = FindJournalEnvelope(parts, shown, original == kNone ? 0 : SubtreeEnd(parts, shown));
    if (original == kNone || envelope == kNone)
      parts.front().flags |= mimeflag::kJournalReportMalformed;
  }
  const uint32_t shown_end = SubtreeEnd(parts, shown);

  // Decode every leaf (size and hash); convert the text parts and the envelope. kTextOnly
  // hashes nothing and decodes only the leaves read for text. That leaves the text as
  // kFull has it because the leaves skipped cannot have used up max_total_decoded_bytes:
  // leaves are disjoint pieces of the message and decoding never makes more bytes than it
  // reads, so with the message within that budget no leaf is cut by it. A larger message
  // (only with limits below the defaults) has every leaf decoded, as in kFull.
  const bool text_only = detail == MimeDetail::kTextOnly && message.size() <= limits.max_total_decoded_bytes;
  const bool hash = detail == MimeDetail::kFull;
  const std::vector<uint32_t> text_parts = SelectTextParts(parts, shown);
  TextBuilder text(limits.max_text_bytes);
  size_t total_left = limits.max_total_decoded_bytes;
  size_t next_text = 0;
  std::string envelope_text;
  for (uint32_t i = 0; i < parts.size(); ++i) {
    MimePart& part = parts[i];
    if (!part.is_leaf) continue;
    const bool is_text = next_text < text_parts.size() && text_parts[next_text] == i;
    if (is_text) ++next_text;
    const bool is_envelope = static_cast<int32_t>(i) == envelope;
    const bool keep = (is_text && text.room() > 0) || is_envelope;
    if (is_text && !keep) part.flags |= mimeflag::kTextLimit;
    if (text_only && !keep) continue;
    std::string kept;
    bool kept_cut = false;
    const size_t budget = std::min(limits.max_part_decoded_bytes, total_left);
    ReadLeaf(message, budget, hash, &part, limits.max_text_part_bytes, keep ? &kept : nullptr, &kept_cut);
    total_left -= std::min<size_t>(total_left, part.decoded_size);
    if (is_text && keep) {
      part.is_text = true;
      if (kept_cut) part.flags |= mimeflag::kTextLimit;
      if (!text.Append(PartText(kept, text.room(), limits.max_text_part_bytes, &part)))
        part.flags |= mimeflag::kTextLimit;
    }
    if (is_envelope) {
      const BodyTextReport report =
          AppendBodyText(part.charset, kept, limits.max_text_part_bytes, &envelope_text);
      part.flags |= BodyTextFlags(report);
    }
  }
  out.text = text.Take();

  if (out.journal_report && !ParseJournalEnvelope(envelope_text, limits.max_recipients_of_record,
                                                  &out.recipients_of_record))
    parts.front().flags |= mimeflag::kJournalReportMalformed;
  AddGmailRecipients(markers.gm_original_to, limits.max_recipients_of_record, &out);

  ReadShownHeaders(message, &parts[shown], &out);
  for (uint32_t i = shown; i < shown_end; ++i) {
    const MimePart& part = parts[i];
    if (!part.is_attachment) continue;
    if (out.attachment_types.size() < limits.max_attachment_names)
      out.attachment_types.push_back(part.content_type);
    if (!part.filename.empty() && out.attachment_names.size() < limits.max_attachment_names)
      out.attachment_names.push_back(part.filename);
  }
  for (const MimePart& part : parts) out.flags |= part.flags;
  return out;
}

std::string DecodePartContent(std::string_view message, const MimePart& part,
                              const MimeLimits& limits) {
  message = message.substr(0, limits.max_input_bytes);
  if (!part.is_leaf || part.body_offset > message.size()) return {};
  const std::string_view body = message.substr(part.body_offset, part.body_length);
  std::string content;
  StreamPartContent(body, ClassifyTransferEncoding(part.transfer_encoding),
                    limits.max_part_decoded_bytes,
                    [&content](std::string_view piece) { content.append(piece); });
  return content;
}

std::vector<std::string> MimeFlagNames(uint32_t flags) {
  static constexpr std::array<std::string_view, 17> kNames = {
      "depth_limit",       "part_limit",      "decoded_limit",   "text_limit",
      "no_close_boundary", "no_boundary",     "bad_base64",      "bad_quoted_printable",
      "unknown_encoding",  "unknown_charset", "bad_charset",     "bad_header_params",
      "bad_encoded_word",  "nul_in_text",     "truncated_input", "journal_report_malformed",
      "boundary_guessed"};
  static_assert(mimeflag::kBoundaryGuessed == 1u << (kNames.size() - 1),
                "a name for every mimeflag bit");
  std::vector<std::string> names;
  for (size_t bit = 0; bit < kNames.size(); ++bit)
    if (flags & (1u << bit)) names.emplace_back(kNames[bit]);
  return names;
}

}  // namespace chainmail
