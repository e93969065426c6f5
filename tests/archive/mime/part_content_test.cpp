// StreamPartContent: pieces cut so that the tolerant decoders never notice, i.e. the
// streamed result equals decoding the whole body in one call, for bodies far larger
// than a piece and with the damage real mail has.
#include "archive/mime/part_content.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "archive/format/bytes.h"

namespace chainmail {
namespace {

struct Streamed {
  std::string content;
  size_t pieces = 0;
  DecodeReport report;
};

Streamed Stream(std::string_view body, TransferEncoding encoding, size_t max_out = SIZE_MAX) {
  Streamed s;
  s.report = StreamPartContent(body, encoding, max_out, [&s](std::string_view piece) {
    s.content.append(piece);
    ++s.pieces;
  });
  return s;
}

std::string Whole(std::string_view body, TransferEncoding encoding, DecodeReport* report) {
  std::string out;
  *report = encoding == TransferEncoding::kBase64
                ? DecodeBase64Tolerant(body, SIZE_MAX, &out)
                : DecodeQuotedPrintableTolerant(body, SIZE_MAX, &out);
  return out;
}

void ExpectSameAsWhole(const std::string& body, TransferEncoding encoding) {
  DecodeReport whole_report;
  const std::string whole = Whole(body, encoding, &whole_report);
  const Streamed streamed = Stream(body, encoding);
  ASSERT_EQ(streamed.content.size(), whole.size());
  EXPECT_TRUE(streamed.content == whole);
  EXPECT_EQ(streamed.report.malformed, whole_report.malformed);
  EXPECT_FALSE(streamed.report.truncated);
}

std::string RandomBytes(std::mt19937& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(PartContentTest, ClassifiesTransferEncodings) {
  EXPECT_EQ(ClassifyTransferEncoding(""), TransferEncoding::kIdentity);
  EXPECT_EQ(ClassifyTransferEncoding("7bit"), TransferEncoding::kIdentity);
  EXPECT_EQ(ClassifyTransferEncoding("8bit"), TransferEncoding::kIdentity);
  EXPECT_EQ(ClassifyTransferEncoding("binary"), TransferEncoding::kIdentity);
  EXPECT_EQ(ClassifyTransferEncoding("base64"), TransferEncoding::kBase64);
  EXPECT_EQ(ClassifyTransferEncoding("quoted-printable"), TransferEncoding::kQuotedPrintable);
  EXPECT_EQ(ClassifyTransferEncoding("x-uuencode"), TransferEncoding::kUnknown);
}

TEST(PartContentTest, Base64WrappedLinesStreamInPiecesLikeWhole) {
  std::mt19937 rng(1);
  const std::string b64 = Base64Encode(RandomBytes(rng, 1 << 20));
  std::string body;
  for (size_t i = 0; i < b64.size(); i += 76) body.append(b64, i, 76).append("\r\n");
  ExpectSameAsWhole(body, TransferEncoding::kBase64);
  EXPECT_GT(Stream(body, TransferEncoding::kBase64).pieces, 10u);
}

TEST(PartContentTest, Base64WithStrayBytesOddLinesAndNoPaddingLikeWhole) {
  std::mt19937 rng(2);
  const std::string b64 = Base64Encode(RandomBytes(rng, 700001));
  std::string body;
  for (size_t i = 0; i < b64.size();) {  // lines of 1..120 characters, junk between
    const size_t n = 1 + rng() % 120;
    body.append(b64, i, n);
    i += n;
    body += rng() % 7 == 0 ? std::string("!\x01 ") : std::string("\n");
  }
  while (!body.empty() && (body.back() == '=' || body.back() == '\n')) body.pop_back();
  ExpectSameAsWhole(body, TransferEncoding::kBase64);
}

TEST(PartContentTest, Base64EqualsSignInTheMiddleLikeWhole) {
  std::mt19937 rng(3);
  const std::string first = Base64Encode(RandomBytes(rng, 100000));
  const std::string second = Base64Encode(RandomBytes(rng, 100001));
  ExpectSameAsWhole(first + "\r\n" + second, TransferEncoding::kBase64);
  ExpectSameAsWhole(second + "\r\n" + first, TransferEncoding::kBase64);
}

TEST(PartContentTest, QuotedPrintableLinesAndSoftBreaksLikeWhole) {
  std::mt19937 rng(4);
  std::string body;
  while (body.size() < (1u << 20)) {
    switch (rng() % 6) {
      case 0:
        body += "=C3=A9";
        break;
      case 1:
        body += "=\r\n";
        break;
      case 2:
        body += "  \r\n";
        break;
      case 3:
        body += "\n";
        break;
      case 4:
        body += "=Z";
        break;
      default:
        body += "word ";
        break;
    }
  }
  ExpectSameAsWhole(body, TransferEncoding::kQuotedPrintable);
}

TEST(PartContentTest, QuotedPrintableOneHugeLineIsCutSafely) {
  // 1 MB without a line break, escapes and spaces everywhere: cut inside the line.
  std::string body;
  while (body.size() < (1u << 20)) body += "ab =3D= c\t=E2=82=AC ";
  ExpectSameAsWhole(body, TransferEncoding::kQuotedPrintable);
  EXPECT_GT(Stream(body, TransferEncoding::kQuotedPrintable).pieces, 10u);
}

TEST(PartContentTest, CrLfSplitAcrossThePieceEdgeIsOneLineBreak) {
  for (size_t shift = 0; shift < 4; ++shift) {
    std::string body(64 * 1024 - 2 + shift, 'x');
    body += "\r\nnext line\r\n";
    ExpectSameAsWhole(body, TransferEncoding::kQuotedPrintable);
  }
}

TEST(PartContentTest, OutputStopsAtMaxOut) {
  std::mt19937 rng(5);
  const std::string raw = RandomBytes(rng, 300000);
  const Streamed b64 = Stream(Base64Encode(raw), TransferEncoding::kBase64, 100000);
  EXPECT_EQ(b64.content, raw.substr(0, 100000));
  EXPECT_TRUE(b64.report.truncated);
  const Streamed plain = Stream(raw, TransferEncoding::kIdentity, 1000);
  EXPECT_EQ(plain.content, raw.substr(0, 1000));
  EXPECT_TRUE(plain.report.truncated);
  EXPECT_FALSE(Stream(raw, TransferEncoding::kIdentity, raw.size()).report.truncated);
  EXPECT_FALSE(Stream(Base64Encode(raw), TransferEncoding::kBase64, raw.size()).report.truncated);
}

TEST(PartContentTest, IdentityAndUnknownPassTheBodyThrough) {
  EXPECT_EQ(Stream("a=3Db", TransferEncoding::kIdentity).content, "a=3Db");
  EXPECT_EQ(Stream("a=3Db", TransferEncoding::kUnknown).content, "a=3Db");
  EXPECT_EQ(Stream("", TransferEncoding::kBase64).pieces, 0u);
}

}  // namespace
}  // namespace chainmail
