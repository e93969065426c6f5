// The text of the benchmark mail mix (bench/mail_mix.h): Zipf-drawn words in sentences
// and paragraphs, rendered as plain text or as HTML the way mail clients write it, and
// the MIME encodings that carry it (quoted-printable, base64, RFC 2047 encoded words,
// RFC 2231 parameter values). Generator code for benchmarks, not a MIME writer: it
// produces only what the mix needs, always well-formed.
//
// Pure functions of their arguments and the rng; thread-safe with one rng per thread.
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench/zipf_vocabulary.h"

namespace chainmail::bench {

struct TextStyle {
  Script script = Script::kLatin;
  bool accents = false;       // Latin words of every 5th rank with accented vowels (á é í ó ü)
  bool smart_quotes = false;  // “quotes”, dashes and € amounts (UTF-8, Windows-1252)
};

// A paragraph: its pieces (words with their punctuation), joined with spaces, or without
// them in Japanese and Chinese.
using Paragraph = std::vector<std::string>;

std::vector<Paragraph> MakeParagraphs(const ZipfVocabulary& vocabulary, const TextStyle& style, size_t words,
                                      std::mt19937_64& rng);
// `words` words in one line, no final punctuation (subjects, file names).
std::string MakePhrase(const ZipfVocabulary& vocabulary, const TextStyle& style, size_t words, std::mt19937_64& rng,
                       const char* separator = " ");

// Plain text: paragraphs wrapped at 72 columns (CJK at 36 characters), CRLF line ends,
// a blank line between paragraphs. `quote` prefixes every line (e.g. "> ").
std::string PlainText(const std::vector<Paragraph>& paragraphs, Script script, std::string_view quote = "");
// An HTML document of the paragraphs: Outlook-style (a style block, MsoNormal paragraphs)
// or Gmail-style (divs), with bold words, links and &nbsp;; lines wrapped, CRLF.
std::string HtmlText(const std::vector<Paragraph>& paragraphs, Script script, std::string_view charset,
                     std::mt19937_64& rng);

// Quoted-printable of CRLF-lined `bytes` (RFC 2045 §6.7): lines at most 76 characters.
std::string QuotedPrintable(std::string_view bytes);
// Base64 in lines of 76 characters, each ending in CRLF.
std::string Base64Lines(std::string_view bytes);
// RFC 2047 encoded words ("B" or "Q") carrying `utf8` converted to `iconv_charset`,
// labelled `label`, each at most 75 characters, folded with CRLF SP between them. Text
// that is plain printable ASCII is returned as is.
std::string EncodedWords(std::string_view utf8, const char* label, const char* iconv_charset, bool q);
// RFC 2231 extended value: charset''percent-encoded bytes (the bytes already in `label`).
std::string Rfc2231Value(std::string_view bytes, const char* label);

}  // namespace chainmail::bench
