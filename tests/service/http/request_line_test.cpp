// ReadRequestLine: the request line read strictly, a byte at a time (RFC 9112 3).
#include "service/http/request_line.h"

#include <gtest/gtest.h>

#include <string>

namespace chainmail {
namespace {

using Outcome = RequestLine::Outcome;

// Reads a request line from `bytes`; `consumed` says how many were taken.
RequestLine Read(const std::string& bytes, size_t* consumed = nullptr) {
  size_t at = 0;
  RequestLine r = ReadRequestLine([&] { return at < bytes.size() ? static_cast<unsigned char>(bytes[at++]) : -1; });
  if (consumed) *consumed = at;
  return r;
}

TEST(RequestLine, MethodTargetAndVersionAreReadUpToTheLineEndOnly) {
  size_t consumed = 0;
  const RequestLine r = Read("GET /healthz?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", &consumed);
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.problem;
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/healthz?x=1");
  EXPECT_EQ(r.version, "HTTP/1.1");
  EXPECT_EQ(consumed, std::string("GET /healthz?x=1 HTTP/1.1\r\n").size()) << "read into the header fields";
}

TEST(RequestLine, EmptyLinesBeforeItAndABareLfEndAreAccepted) {
  const RequestLine r = Read("\r\n\r\nPOST /x HTTP/1.0\n");
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.problem;
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.version, "HTTP/1.0");
}

TEST(RequestLine, NothingOrOnlyEmptyLinesIsNoRequest) {
  EXPECT_EQ(Read("").outcome, Outcome::kNoRequest);
  EXPECT_EQ(Read("\r\n\r\n").outcome, Outcome::kNoRequest);
}

TEST(RequestLine, AStreamEndingMidLineIsEndedEarly) {
  EXPECT_EQ(Read("GET /hea").outcome, Outcome::kEndedEarly);
  EXPECT_EQ(Read("GET / HTTP/1.1\r").outcome, Outcome::kEndedEarly);
}

TEST(RequestLine, MissingPartsAreMalformedNotTooLong) {
  for (const char* bad : {"GARBAGE\r\n", "GET\r\n", "GET /healthz\r\n", "GET /healthz \r\n", " GET / HTTP/1.1\r\n"}) {
    const RequestLine r = Read(bad);
    EXPECT_EQ(r.outcome, Outcome::kMalformed) << bad;
    EXPECT_FALSE(r.problem.empty()) << bad;
  }
}

TEST(RequestLine, TextAfterTheVersionIsMalformed) {
  const RequestLine r = Read("GET /healthz HTTP/1.1 extra\r\n");
  EXPECT_EQ(r.outcome, Outcome::kMalformed);
  EXPECT_NE(r.problem.find("after the HTTP version"), std::string::npos) << r.problem;
  EXPECT_EQ(Read("GET /healthz HTTP/1.1 \r\n").outcome, Outcome::kMalformed);
}

TEST(RequestLine, OnlySingleSpacesSeparateTheParts) {
  for (const char* bad : {"GET  / HTTP/1.1\r\n", "GET /  HTTP/1.1\r\n", "GET\t/ HTTP/1.1\r\n", "GET / HTTP/1.1\r\r\n",
                          "GET\r\n/ HTTP/1.1\r\n"})
    EXPECT_EQ(Read(bad).outcome, Outcome::kMalformed) << bad;
}

TEST(RequestLine, BinaryIsRefusedAtItsFirstByte) {
  size_t consumed = 0;
  const RequestLine r = Read(std::string("\x16\x03\x01\x00\x05hello", 10), &consumed);
  EXPECT_EQ(r.outcome, Outcome::kMalformed);
  EXPECT_EQ(consumed, 1u);
}

TEST(RequestLine, OnlyATargetPastTheCapIsTooLong) {
  const std::string at_cap = "/" + std::string(RequestLine::kMaxTarget - 1, 'a');
  const RequestLine fits = Read("GET " + at_cap + " HTTP/1.1\r\n");
  ASSERT_EQ(fits.outcome, Outcome::kOk);
  EXPECT_EQ(fits.target.size(), RequestLine::kMaxTarget);
  size_t consumed = 0;
  const std::string over = "GET " + at_cap + "aaaa HTTP/1.1\r\n";
  EXPECT_EQ(Read(over, &consumed).outcome, Outcome::kTargetTooLong);
  EXPECT_EQ(consumed, 4 + RequestLine::kMaxTarget + 1) << "read on past the cap";
}

TEST(RequestLine, AnOverlongMethodOrVersionIsMalformed) {
  EXPECT_EQ(Read(std::string(40, 'G') + " / HTTP/1.1\r\n").outcome, Outcome::kMalformed);
  EXPECT_EQ(Read(std::string(32, 'G') + " / HTTP/1.1\r\n").outcome, Outcome::kOk);
  EXPECT_EQ(Read("GET / HTTP/1.1111\r\n").outcome, Outcome::kMalformed);
  const RequestLine other = Read("GET / NONSENSE\r\n");  // the caller says "not HTTP"
  EXPECT_EQ(other.outcome, Outcome::kOk);
  EXPECT_EQ(other.version, "NONSENSE");
}

TEST(RequestLine, AMethodIsAToken) {
  EXPECT_EQ(Read("GE(T / HTTP/1.1\r\n").outcome, Outcome::kMalformed);
  EXPECT_EQ(Read("M-SEARCH / HTTP/1.1\r\n").outcome, Outcome::kOk);
}

}  // namespace
}  // namespace chainmail
