// MailMix: a deterministic, realistic mix of mail for the MIME-extraction and full-text
// benchmarks (bench/README.md, "MIME extraction and full-text search"). Message i is a
// pure function of (seed, i), so any thread can make any message and every run of a
// benchmark sees the same bytes.
//
// The mix, by message (percent):
//   structure  plain text 42, multipart/alternative (text + HTML) 36, HTML only 5,
//              multipart/mixed with 1-4 attachments 13, a forwarded message/rfc822 4
//   charset    us-ascii 7bit 15, utf-8 quoted-printable 25, utf-8 8bit 15, utf-8 base64 5,
//              iso-8859-1 QP 10, windows-1252 QP 8, iso-2022-jp 7bit 6, shift_jis base64 3,
//              koi8-r 8bit 6, gb18030 base64 4, gb2312 (GB18030 bytes) base64 3
// Text: Zipf-drawn words (bench/zipf_vocabulary.h) in the charset's script, a body of
// lognormal length (median ~140 words), a quoted earlier message in 30%, a signature.
// Headers as delivered: Received lines, a DKIM-Signature in 60%, RFC 2047 subjects and
// display names in the body's charset. Attachments: PDF, PNG, JPEG, DOCX, XLSX (their
// magic bytes, then incompressible bytes), lognormal sizes (median 10 KB, at most 700
// KB), names in the message's script: ASCII, RFC 2231 (some with continuations) or
// RFC 2047-in-quotes, as clients write them. Raw size: median ~4 KB, long tail to ~1 MB.
//
// Immutable after construction; Generate is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/zipf_vocabulary.h"

namespace chainmail::bench {

struct GeneratedMail {
  std::string bytes;                 // RFC 5322, CRLF line ends
  std::string mail_from;             // envelope sender: the From address
  std::vector<std::string> rcpt_to;  // envelope recipients: the To and Cc addresses
  const char* structure = "";        // "plain", "alternative", "html", "attachments", "forward"
  const char* charset = "";          // the body's charset label
};

class MailMix {
 public:
  explicit MailMix(uint64_t seed = 1);

  // Message number i, dated `date_us` (UTC µs).
  GeneratedMail Generate(uint64_t i, int64_t date_us) const;
  const ZipfVocabulary& vocabulary() const { return vocabulary_; }
  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
  ZipfVocabulary vocabulary_;
};

}  // namespace chainmail::bench
