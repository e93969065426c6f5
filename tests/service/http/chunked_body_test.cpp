// ReadChunkedBody: the chunked coding decoded strictly (RFC 9112 7.1); each malformed or
// cut-short case here is one Poco's reader ended quietly on, so the request was acted on
// as if its body were complete.
#include "service/http/chunked_body.h"

#include <gtest/gtest.h>

#include <string>

namespace chainmail {
namespace {

using Outcome = ChunkedBody::Outcome;

struct Decoded {
  ChunkedBody result;
  std::string body;
  size_t consumed = 0;
};

Decoded Read(const std::string& bytes, uint64_t max_bytes = 1 << 20) {
  Decoded d;
  size_t at = 0;
  d.result = ReadChunkedBody([&] { return at < bytes.size() ? static_cast<unsigned char>(bytes[at++]) : -1; },
                             max_bytes, &d.body);
  d.consumed = at;
  return d;
}

TEST(ChunkedBody, ChunksAreJoinedAndReadUpToTheEndOnly) {
  const std::string body = "5\r\nhello\r\n1;name=value\r\n,\r\n00006\r\n world\r\n0\r\n\r\n";
  const Decoded d = Read(body + "GET /next HTTP/1.1\r\n");
  ASSERT_EQ(d.result.outcome, Outcome::kOk) << d.result.problem;
  EXPECT_EQ(d.body, "hello, world");
  EXPECT_EQ(d.consumed, body.size()) << "read into the next request";
}

TEST(ChunkedBody, UpperAndLowerHexAndLeadingZerosAreSizes) {
  const std::string data(0x1a, 'x');
  EXPECT_EQ(Read("1A\r\n" + data + "\r\n0\r\n\r\n").body, data);
  EXPECT_EQ(Read("1a\r\n" + data + "\r\n0\r\n\r\n").body, data);
  // Nine digits: Poco read eight and took the ninth as garbage it ignored.
  const Decoded d = Read("00000001a\r\n" + data + "\r\n000\r\n\r\n");
  EXPECT_EQ(d.result.outcome, Outcome::kOk) << d.result.problem;
  EXPECT_EQ(d.body, data);
}

TEST(ChunkedBody, TrailerFieldsAreReadAndDiscarded) {
  const std::string body = "2\r\n{}\r\n0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n";
  const Decoded d = Read(body + "next");
  ASSERT_EQ(d.result.outcome, Outcome::kOk) << d.result.problem;
  EXPECT_EQ(d.body, "{}");
  EXPECT_EQ(d.consumed, body.size());
  EXPECT_EQ(Read("0\r\nbad trailer\r\n\r\n").result.outcome, Outcome::kMalformed);
  EXPECT_EQ(Read("0\r\nX: a\rb\r\n\r\n").result.outcome, Outcome::kMalformed);
}

TEST(ChunkedBody, ASizeThatIsNotHexIsMalformed) {
  for (const char* bad : {"zz\r\n{}\r\n0\r\n\r\n", "\r\n", "-2\r\n{}\r\n0\r\n\r\n", "2zz\r\n{}\r\n0\r\n\r\n",
                          "0x2\r\n{}\r\n0\r\n\r\n", " 2\r\n{}\r\n0\r\n\r\n"})
    EXPECT_EQ(Read(bad).result.outcome, Outcome::kMalformed) << bad;
}

TEST(ChunkedBody, FramingLineEndsAreCrlfOnly) {
  for (const char* bad : {"2\n{}\r\n0\r\n\r\n", "2\r\n{}\n0\r\n\r\n", "2\r\n{}XX0\r\n\r\n", "2\r\n{}\r0\r\n\r\n",
                          "2\rX{}\r\n0\r\n\r\n", "2\r\n{}\r\n0\rX\r\n"})
    EXPECT_EQ(Read(bad).result.outcome, Outcome::kMalformed) << bad;
}

TEST(ChunkedBody, DataLongerThanItsSizeIsMalformed) {
  EXPECT_EQ(Read("2\r\n{}}\r\n0\r\n\r\n").result.outcome, Outcome::kMalformed);
}

TEST(ChunkedBody, ExtensionsAreBoundedAndHaveNoControlCharacters) {
  EXPECT_EQ(Read("2;a=\"b c\"\t;d\r\n{}\r\n0\r\n\r\n").result.outcome, Outcome::kOk);
  EXPECT_EQ(Read(std::string("2;a\0b\r\n{}\r\n0\r\n\r\n", 16)).result.outcome, Outcome::kMalformed);
  EXPECT_EQ(Read("2;" + std::string(ChunkedBody::kMaxExtension, 'e') + "\r\n{}\r\n0\r\n\r\n").result.outcome,
            Outcome::kMalformed);
}

TEST(ChunkedBody, TheStreamEndingAnywhereBeforeTheEndIsEndedEarly) {
  const std::string whole = "2\r\n{}\r\n0\r\nX: 1\r\n\r\n";
  for (size_t cut = 0; cut < whole.size(); ++cut)
    EXPECT_EQ(Read(whole.substr(0, cut)).result.outcome, Outcome::kEndedEarly) << cut;
  EXPECT_EQ(Read(whole).result.outcome, Outcome::kOk);
}

TEST(ChunkedBody, ASizeOverTheLimitIsTooLargeBeforeItsDataIsRead) {
  EXPECT_EQ(Read("a\r\n0123456789\r\n0\r\n\r\n", 10).result.outcome, Outcome::kOk);
  const Decoded one = Read("b\r\n", 10);
  EXPECT_EQ(one.result.outcome, Outcome::kTooLarge);
  EXPECT_EQ(Read("6\r\n012345\r\n5\r\n", 10).result.outcome, Outcome::kTooLarge) << "the running total counts";
  EXPECT_EQ(Read("ffffffffffffffff\r\n").result.outcome, Outcome::kTooLarge);
  EXPECT_EQ(Read("10000000000000000\r\n", UINT64_MAX).result.outcome, Outcome::kTooLarge) << "17 digits";
  EXPECT_EQ(Read(std::string(ChunkedBody::kMaxSizeDigits + 1, '0') + "\r\n\r\n").result.outcome,
            Outcome::kMalformed);
}

}  // namespace
}  // namespace chainmail
