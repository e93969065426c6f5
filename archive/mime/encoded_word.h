// RFC 2047 encoded words: "=?charset?encoding?encoded-text?=" found in header text, and
// their transfer decoding (B = base64, Q = quoted-printable variant).
//
// Syntax is recognised as RFC 2047 section 2 writes it, with the tolerance seen in real
// mail: any case for B/Q, a charset up to 75 characters (an RFC 2231 "*language" suffix
// included), encoded text of any length and base64 without its "=" padding. Encoded text
// never contains "?", space or control characters, so a word never spans whitespace.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chainmail {

struct EncodedWord {
  std::string_view charset;       // as written, possibly "charset*language"
  char encoding = 0;              // as written: B, b, Q, q, or another character (bad)
  std::string_view encoded_text;  // between the third "?" and the final "?="
  size_t length = 0;              // of the whole word, "=?" to "?=" inclusive
};

// True when a syntactically complete encoded word starts at text[pos]; fills *word.
// Trying every position of a text costs linear time in total: a candidate's charset and
// encoded-text scans stop at the first "?" and every candidate starts "=?", so the scans
// of two candidates never overlap.
bool ParseEncodedWord(std::string_view text, size_t pos, EncodedWord* word);

// Appends the octets `encoded_text` stands for under `encoding` (B or Q, any case) to
// *octets. Returns false, leaving *octets unchanged, for another encoding or text that is
// not valid base64 / Q.
bool DecodeEncodedText(char encoding, std::string_view encoded_text, std::string* octets);

}  // namespace chainmail
