#include "archive/mime/body_text.h"

#include <algorithm>
#include <cstring>

#include "archive/format/byte_scan.h"
#include "archive/format/utf8.h"
#include "archive/mime/ascii.h"
#include "archive/mime/charset.h"

namespace chainmail {
namespace {

// Windows-1252 0x80..0x9F; the five bytes it leaves undefined keep their C1 code point
// (WHATWG's reading), so every byte maps.
constexpr char16_t kWindows1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  //
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,  //
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  //
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// Declared text needs more than 1 invalid byte in this many to be judged mislabelled.
constexpr size_t kBadBytesRatio = 64;

// Receives UTF-8 in pieces: drops a leading BOM and NULs, turns CRLF and CR into LF,
// and stops at max_out bytes on a character boundary.
class TextSink {
 public:
  TextSink(std::string* out, size_t max_out, BodyTextReport* report)
      : out_(out), start_(out->size()), max_out_(max_out), report_(report) {}

  // Starts again from nothing (a different reading of the same bytes).
  void Reset() {
    out_->resize(start_);
    at_start_ = true;
    after_cr_ = false;
    report_->truncated = false;
    report_->had_nul = false;
  }

  // Bytes Add() can still take; Add() of at most this many is never refused.
  size_t Room() const { return max_out_ - (out_->size() - start_); }

  // False once the output is full (the rest is refused).
  bool Add(std::string_view utf8) {
    if (at_start_ && !utf8.empty()) {
      if (utf8.substr(0, 3) == "\xEF\xBB\xBF") utf8.remove_prefix(3);  // U+FEFF
      at_start_ = utf8.empty();
    }
    if (after_cr_ && !utf8.empty()) {
      after_cr_ = false;
      if (utf8.front() == '\n') utf8.remove_prefix(1);  // the LF of a CRLF split in two
    }
    // The output is never longer than the input, so when the input fits, nothing is cut
    // and it is copied in runs; else piece by piece up to the cut.
    if (utf8.size() <= Room()) {
      AddWhole(utf8);
      return true;
    }
    const char* p = utf8.data();
    const size_t n = utf8.size();
    size_t run = 0;
    for (size_t i = 0; i < n; ++i) {
      if (p[i] != '\0' && p[i] != '\r') continue;
      if (!Append(utf8.substr(run, i - run))) return false;
      if (p[i] == '\0') {
        report_->had_nul = true;
      } else {
        if (!Append("\n")) return false;
        if (i + 1 == n) {
          after_cr_ = true;
        } else if (p[i + 1] == '\n') {
          ++i;
        }
      }
      run = i + 1;
    }
    return Append(utf8.substr(run));
  }

 private:
  // Add() for `utf8` that fits whole: the runs between CRs and NULs are copied straight
  // into the output, CR and CRLF written as LF, NULs left out.
  void AddWhole(std::string_view utf8) {
    const char* p = utf8.data();
    const char* const end = p + utf8.size();
    const char* special = FindCrOrNul(p, end);
    if (special == end) {
      out_->append(utf8);
      return;
    }
    const size_t base = out_->size();
    out_->resize(base + utf8.size());
    char* dst = out_->data() + base;
    for (; special != end; special = FindCrOrNul(p, end)) {
      std::memcpy(dst, p, static_cast<size_t>(special - p));
      dst += special - p;
      p = special + 1;
      if (*special == '\0') {
        report_->had_nul = true;
        continue;
      }
      *dst++ = '\n';
      if (p == end) {
        after_cr_ = true;
      } else if (*p == '\n') {
        ++p;
      }
    }
    std::memcpy(dst, p, static_cast<size_t>(end - p));
    dst += end - p;
    out_->resize(static_cast<size_t>(dst - out_->data()));
  }

  bool Append(std::string_view s) {
    const size_t used = out_->size() - start_;
    if (used + s.size() <= max_out_) {
      out_->append(s);
      return true;
    }
    size_t cut = max_out_ - used;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    out_->append(s.substr(0, cut));
    report_->truncated = true;
    return false;
  }

  std::string* out_;
  size_t start_;
  size_t max_out_;
  BodyTextReport* report_;
  bool at_start_ = true;
  bool after_cr_ = false;
};

// Valid UTF-8 sequences as they are; every other byte read as Windows-1252. Returns the
// number of bytes that were not valid UTF-8 (up to where the output was cut).
size_t AddUtf8OrWindows1252(std::string_view bytes, TextSink* sink) {
  // Text with many invalid bytes is converted into `chunk` and added up to 8 KiB at a
  // time, while the chunk surely fits the sink (so no invalid byte is counted past the
  // cut); long valid runs, and everything near the cut, piece by piece.
  constexpr size_t kChunkBytes = 8192;
  constexpr size_t kMaxCharBytes = 3;  // UTF-8 of a Windows-1252 byte
  size_t invalid = 0, chunk_invalid = 0;
  std::string chunk, one_char;
  const auto add_chunk = [&] {
    sink->Add(chunk);  // fits: never refused
    invalid += chunk_invalid;
    chunk.clear();
    chunk_invalid = 0;
  };
  while (!bytes.empty()) {
    const size_t valid = ValidUtf8PrefixLength(bytes);
    if (valid == bytes.size()) break;
    const auto bad = static_cast<unsigned char>(bytes[valid]);
    if (!chunk.empty() && chunk.size() + valid + kMaxCharBytes > kChunkBytes) add_chunk();
    if (chunk.size() + valid + kMaxCharBytes <= std::min(kChunkBytes, sink->Room())) {
      chunk.append(bytes.substr(0, valid));
      AppendUtf8CodePoint(Windows1252ToCodePoint(bad), &chunk);
      ++chunk_invalid;
      bytes.remove_prefix(valid + 1);
      continue;
    }
    // A long valid run, or near the cut: as the sink takes them.
    if (!chunk.empty()) add_chunk();
    if (!sink->Add(bytes.substr(0, valid))) return invalid;
    one_char.clear();
    AppendUtf8CodePoint(Windows1252ToCodePoint(bad), &one_char);
    if (!sink->Add(one_char)) return invalid;
    ++invalid;
    bytes.remove_prefix(valid + 1);
  }
  if (!chunk.empty()) add_chunk();
  if (!bytes.empty()) sink->Add(bytes);  // valid to the end
  return invalid;
}

// Windows-1252, and ISO-8859-1 read as it (WHATWG: its C1 range is never meant in mail).
void AddWindows1252(std::string_view bytes, TextSink* sink) {
  std::string chunk;
  while (!bytes.empty()) {
    const std::string_view piece = bytes.substr(0, 8192);
    chunk.clear();
    const char* const end = piece.data() + piece.size();
    const char* ascii = piece.data();  // start of the current run of ASCII bytes
    for (const char* p = ascii; (p = FindEightBit(p, end)) != end; ascii = ++p) {
      chunk.append(ascii, static_cast<size_t>(p - ascii));
      AppendUtf8CodePoint(Windows1252ToCodePoint(static_cast<unsigned char>(*p)), &chunk);
    }
    chunk.append(ascii, static_cast<size_t>(end - ascii));
    if (!sink->Add(chunk)) return;
    bytes.remove_prefix(piece.size());
  }
}

bool IsOneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names)
    if (EqualsIgnoreCase(name, n)) return true;
  return false;
}

// Single-byte charsets. Their letters above 0x7F are seldom followed by bytes 0x80-0xBF,
// so 8-bit text in them that is valid UTF-8 is UTF-8 under a wrong label.
bool IsSingleByteCharset(std::string_view name) {
  for (std::string_view prefix :
       {"iso-8859-", "iso8859-", "iso_8859-", "windows-125", "cp125", "koi8", "latin", "ms-ansi"})
    if (EqualsIgnoreCase(name.substr(0, prefix.size()), prefix)) return true;
  return false;
}

// UTF-16 and UTF-32 in any byte order: their text is never better read another way.
bool IsWideUnicode(std::string_view name) {
  for (std::string_view prefix : {"utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs-4"})
    if (EqualsIgnoreCase(name.substr(0, prefix.size()), prefix)) return true;
  return EqualsIgnoreCase(name, "unicode");
}

// For UTF-16 and UTF-32 named without byte order ("utf-16") or with one its BOM
// contradicts: the explicit form to convert from, and the BOM bytes to skip. A byte order
// mark wins over the name; without one, the side where ASCII's zero bytes fall decides.
std::string_view ChooseUnicodeByteOrder(std::string_view name, std::string_view* bytes) {
  const bool utf16 = IsOneOf(name, {"utf-16", "utf16", "utf-16le", "utf-16be", "unicode"});
  const bool utf32 = IsOneOf(name, {"utf-32", "utf32", "utf-32le", "utf-32be"});
  if (!utf16 && !utf32) return name;
  const std::string_view b = *bytes;
  if (utf32) {
    if (b.substr(0, 4) == std::string_view("\xFF\xFE\0\0", 4)) {
      bytes->remove_prefix(4);
      return "UTF-32LE";
    }
    if (b.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4)) {
      bytes->remove_prefix(4);
      return "UTF-32BE";
    }
  } else {
    if (b.substr(0, 2) == "\xFF\xFE") {
      bytes->remove_prefix(2);
      return "UTF-16LE";
    }
    if (b.substr(0, 2) == "\xFE\xFF") {
      bytes->remove_prefix(2);
      return "UTF-16BE";
    }
  }
  if (!IsOneOf(name, {"utf-16", "utf16", "unicode", "utf-32", "utf32"})) return name;
  const size_t unit = utf32 ? 4 : 2;
  size_t zeros_first = 0, zeros_last = 0;  // in the first / last byte of each unit
  for (size_t i = 0; i + unit <= b.size() && i < 4096; i += unit) {
    zeros_first += b[i] == '\0';
    zeros_last += b[i + unit - 1] == '\0';
  }
  const bool little_endian = zeros_last > zeros_first;
  if (utf32) return little_endian ? "UTF-32LE" : "UTF-32BE";
  return little_endian ? "UTF-16LE" : "UTF-16BE";
}

}  // namespace

uint32_t Windows1252ToCodePoint(unsigned char byte) {
  return byte >= 0x80 && byte < 0xA0 ? kWindows1252High[byte - 0x80] : byte;
}

BodyTextReport AppendBodyText(std::string_view charset, std::string_view bytes, size_t max_out,
                              std::string* out) {
  BodyTextReport report;
  out->reserve(out->size() + std::min(max_out, bytes.size()));
  TextSink sink(out, max_out, &report);
  std::string_view name = ResolveCharsetAlias(charset);

  if (name.empty() || IsOneOf(name, {"utf-8", "utf8", "us-ascii", "ascii"})) {
    if (AddUtf8OrWindows1252(bytes, &sink) > 0) report.bad_charset = true;
    // 8-bit bytes are invalid in US-ASCII, even when they are valid UTF-8.
    if (!IsOneOf(name, {"utf-8", "utf8"}) && HasEightBit(bytes)) report.bad_charset = true;
    return report;
  }
  if (IsSingleByteCharset(name) && HasEightBit(bytes) && IsValidUtf8(bytes)) {
    report.bad_charset = true;
    sink.Add(bytes);
    return report;
  }
  if (IsOneOf(name, {"iso-8859-1", "latin1", "windows-1252", "cp1252", "ms-ansi"})) {
    AddWindows1252(bytes, &sink);
    return report;
  }

  name = ChooseUnicodeByteOrder(name, &bytes);
  size_t invalid = 0;
  const bool known = ConvertToUtf8Lenient(
      name, bytes, [&sink](std::string_view piece) { return sink.Add(piece); }, &invalid);
  if (known && invalid == 0) return report;
  if (known) {
    report.bad_charset = true;
    // A few damaged bytes keep the declared reading (each became U+FFFD); text that is
    // valid UTF-8, or too damaged to be in the charset at all, is read as the fallback.
    // UTF-16 and UTF-32 keep theirs: read byte by byte they are never text.
    if (IsWideUnicode(name)) return report;
    if (invalid <= bytes.size() / kBadBytesRatio + 1 && !IsValidUtf8(bytes)) return report;
  } else {
    report.unknown_charset = true;
  }
  sink.Reset();
  AddUtf8OrWindows1252(bytes, &sink);
  return report;
}

}  // namespace chainmail
