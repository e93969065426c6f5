// libFuzzer target for the MIME reader (ExtractMime, DecodePartContent) and the decoding
// primitives under it. Built with clang++ -fsanitize=fuzzer,address,undefined (see
// tests/fuzz/CMakeLists.txt and docs/fuzzing.md); ASan and UBSan catch memory and
// undefined-behaviour bugs, and the checks below catch broken contracts: each failed
// check prints what failed and traps, so libFuzzer saves the input as a crash.
//
// Each input is read twice by ExtractMime: with the default limits, and with tiny ones
// (so depth, part, decoded, text and input limits are hit on small inputs); the tiny run
// is repeated to check the result is deterministic. The same bytes then go through the
// transfer decoders, the charset conversion, HtmlToText and ParseMimeParams directly.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>

#include "archive/format/sha256.h"
#include "archive/format/utf8.h"
#include "archive/mime/body_text.h"
#include "archive/mime/html_text.h"
#include "archive/mime/mime_extraction.h"
#include "archive/mime/mime_params.h"
#include "archive/mime/rfc2047.h"
#include "archive/mime/transfer_decoding.h"

namespace chainmail {
namespace {

#define FUZZ_CHECK(condition)                                                           \
  do {                                                                                  \
    if (!(condition)) {                                                                 \
      std::fprintf(stderr, "mime_fuzz: check failed: %s (%s:%d)\n", #condition, __FILE__, \
                   __LINE__);                                                           \
      __builtin_trap();                                                                 \
    }                                                                                   \
  } while (0)

MimeLimits TinyLimits() {
  MimeLimits limits;
  limits.max_input_bytes = 4096;
  limits.max_depth = 4;
  limits.max_parts = 16;
  limits.max_part_decoded_bytes = 512;
  limits.max_total_decoded_bytes = 1024;
  limits.max_text_bytes = 256;
  limits.max_attachment_names = 4;
  limits.max_text_part_bytes = 300;
  limits.max_recipients_of_record = 8;
  return limits;
}

void CheckUtf8(std::string_view text) { FUZZ_CHECK(IsValidUtf8(text)); }

// Every contract of mime_extraction.h that can be checked from the outside.
void CheckExtraction(std::string_view message, const MimeLimits& limits, const MimeExtraction& x) {
  const uint64_t read = std::min(message.size(), limits.max_input_bytes);
  FUZZ_CHECK(!x.parts.empty());
  FUZZ_CHECK(x.parts.size() <= std::max<size_t>(limits.max_parts, 1));
  FUZZ_CHECK(x.text.size() <= limits.max_text_bytes);
  FUZZ_CHECK(x.attachment_names.size() <= limits.max_attachment_names);
  FUZZ_CHECK(x.attachment_types.size() <= limits.max_attachment_names);
  FUZZ_CHECK(x.recipients_of_record.size() <= limits.max_recipients_of_record);
  CheckUtf8(x.subject);
  CheckUtf8(x.text);
  for (const std::string& s : x.addresses) CheckUtf8(s);
  for (const std::string& s : x.attachment_names) FUZZ_CHECK(!s.empty() && IsValidUtf8(s));
  for (const std::string& s : x.attachment_types) CheckUtf8(s);
  for (const RecordRecipient& r : x.recipients_of_record) {
    CheckUtf8(r.address);
    CheckUtf8(r.source);
    CheckUtf8(r.expanded_from);
  }

  uint32_t part_flags = 0;
  for (size_t i = 0; i < x.parts.size(); ++i) {
    const MimePart& part = x.parts[i];
    part_flags |= part.flags;
    FUZZ_CHECK(part.index == i);
    if (i == 0) {
      FUZZ_CHECK(part.parent == -1 && part.depth == 0);
    } else {
      FUZZ_CHECK(part.parent >= 0 && static_cast<size_t>(part.parent) < i);
      const MimePart& parent = x.parts[static_cast<size_t>(part.parent)];
      FUZZ_CHECK(part.depth == parent.depth + 1);
      FUZZ_CHECK(!parent.is_leaf);
      // A child lies inside its parent's body.
      FUZZ_CHECK(part.header_offset >= parent.body_offset);
      FUZZ_CHECK(part.body_offset + part.body_length <= parent.body_offset + parent.body_length);
    }
    FUZZ_CHECK(part.depth <= limits.max_depth);
    FUZZ_CHECK(part.header_offset <= part.body_offset);
    FUZZ_CHECK(part.body_offset <= read && part.body_length <= read - part.body_offset);
    FUZZ_CHECK(!part.is_text || part.is_leaf);
    CheckUtf8(part.content_type);
    CheckUtf8(part.charset);
    CheckUtf8(part.transfer_encoding);
    CheckUtf8(part.disposition);
    CheckUtf8(part.filename);

    const std::string content = DecodePartContent(message, part, limits);
    FUZZ_CHECK(content.size() <= limits.max_part_decoded_bytes);
    if (!part.is_leaf) {
      FUZZ_CHECK(content.empty() && part.decoded_size == 0 && part.decoded_sha256 == Hash32{});
      continue;
    }
    // decoded_sha256 covers DecodePartContent, or a prefix of it when the total budget
    // (kDecodedLimit) cut this part short.
    FUZZ_CHECK(part.decoded_size <= content.size());
    if ((part.flags & mimeflag::kDecodedLimit) == 0) FUZZ_CHECK(part.decoded_size == content.size());
    FUZZ_CHECK(part.decoded_sha256 == Sha256::Of(std::string_view(content).substr(0, part.decoded_size)));
  }
  FUZZ_CHECK((x.flags & part_flags) == part_flags);
}

bool SameExtraction(const MimeExtraction& a, const MimeExtraction& b) {
  if (a.parts.size() != b.parts.size() || a.subject != b.subject || a.text != b.text ||
      a.addresses != b.addresses || a.attachment_names != b.attachment_names ||
      a.recipients_of_record.size() != b.recipients_of_record.size() || a.flags != b.flags)
    return false;
  for (size_t i = 0; i < a.parts.size(); ++i) {
    const MimePart& p = a.parts[i];
    const MimePart& q = b.parts[i];
    if (p.content_type != q.content_type || p.filename != q.filename || p.flags != q.flags ||
        p.body_offset != q.body_offset || p.decoded_sha256 != q.decoded_sha256)
      return false;
  }
  return true;
}

// kTextOnly (the full-text indexer's extraction) reads for search exactly what kFull
// gives, whatever the bytes and limits, and hashes nothing.
void CheckTextOnly(std::string_view message, const MimeLimits& limits, const MimeExtraction& full) {
  const MimeExtraction t = ExtractMime(message, limits, MimeDetail::kTextOnly);
  FUZZ_CHECK(t.subject == full.subject && t.text == full.text && t.addresses == full.addresses);
  FUZZ_CHECK(t.attachment_names == full.attachment_names && t.attachment_types == full.attachment_types);
  FUZZ_CHECK(t.journal_report == full.journal_report && t.parts.size() == full.parts.size());
  FUZZ_CHECK(t.recipients_of_record.size() == full.recipients_of_record.size());
  for (size_t i = 0; i < t.recipients_of_record.size(); ++i) {
    FUZZ_CHECK(t.recipients_of_record[i].address == full.recipients_of_record[i].address);
    FUZZ_CHECK(t.recipients_of_record[i].source == full.recipients_of_record[i].source);
    FUZZ_CHECK(t.recipients_of_record[i].expanded_from == full.recipients_of_record[i].expanded_from);
  }
  for (const MimePart& part : t.parts) FUZZ_CHECK(part.decoded_sha256 == Hash32{});
}

// The primitives alone, on the same bytes: bounded output, always valid UTF-8.
void FuzzPrimitives(std::string_view data) {
  const size_t small = data.size() / 3;
  for (size_t max_out : {small, size_t{1} << 20}) {
    std::string out = "x";
    DecodeReport report = DecodeBase64Tolerant(data, max_out, &out);
    FUZZ_CHECK(out.size() <= max_out + 1 && out[0] == 'x');
    FUZZ_CHECK(!report.truncated || out.size() == max_out + 1);
    out = "x";
    report = DecodeQuotedPrintableTolerant(data, max_out, &out);
    FUZZ_CHECK(out.size() <= max_out + 1 && out[0] == 'x');

    static constexpr std::string_view kCharsets[] = {
        "",          "utf-8",     "us-ascii",  "iso-8859-1", "windows-1252", "iso-8859-2",
        "koi8-r",    "iso-2022-jp", "shift_jis", "euc-jp",   "gb2312",       "gb18030",
        "big5",      "ks_c_5601-1987", "utf-16", "utf-16le", "utf-32",       "utf-7",
        "x-unknown", "utf-7//ignore"};
    const std::string_view charset =
        data.empty() ? "" : kCharsets[static_cast<unsigned char>(data[0]) % std::size(kCharsets)];
    std::string text;
    const BodyTextReport body = AppendBodyText(charset, data, max_out, &text);
    FUZZ_CHECK(text.size() <= max_out && IsValidUtf8(text));
    FUZZ_CHECK(text.find('\0') == std::string::npos && text.find('\r') == std::string::npos);
    FUZZ_CHECK(!body.truncated || text.size() + 4 > max_out);

    const std::string html = HtmlToText(data, max_out);
    FUZZ_CHECK(html.size() <= max_out && IsValidUtf8(html));

    bool bad = false;
    const std::string header = DecodeHeaderText(data, max_out, &bad);
    FUZZ_CHECK(header.size() <= max_out && IsValidUtf8(header));
  }
  const MimeParams params = ParseMimeParams(data);
  CheckUtf8(params.value);
  FUZZ_CHECK(params.params.size() <= 64);
  for (const auto& [name, value] : params.params) {
    FUZZ_CHECK(!name.empty() && IsValidUtf8(name));
    FUZZ_CHECK(value.size() <= 8192 && IsValidUtf8(value));
    FUZZ_CHECK(params.Get(name) == value);  // names are unique
  }
}

}  // namespace
}  // namespace chainmail

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chainmail;
  const std::string_view message(reinterpret_cast<const char*>(data), size);

  const MimeLimits defaults;
  const MimeExtraction full = ExtractMime(message, defaults);
  CheckExtraction(message, defaults, full);
  CheckTextOnly(message, defaults, full);

  const MimeLimits tiny = TinyLimits();
  const MimeExtraction first = ExtractMime(message, tiny);
  CheckExtraction(message, tiny, first);
  FUZZ_CHECK(SameExtraction(first, ExtractMime(message, tiny)));
  CheckTextOnly(message, tiny, first);

  FuzzPrimitives(message);
  return 0;
}
