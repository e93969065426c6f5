// ReadHeaderFields: the header fields read strictly, a byte at a time (RFC 9112 5); each
// malformed case here is one Poco's reading ended the section early on, or skipped, so a
// second request could hide in the first's head. ConnectionWantsKeepAlive: the Connection
// token list.
#include "service/http/header_fields.h"

#include <gtest/gtest.h>

#include <string>

namespace chainmail {
namespace {

using Outcome = HeaderFields::Outcome;

// Reads header fields from `bytes`; `consumed` says how many were taken.
HeaderFields Read(const std::string& bytes, size_t* consumed = nullptr) {
  size_t at = 0;
  HeaderFields r = ReadHeaderFields([&] { return at < bytes.size() ? static_cast<unsigned char>(bytes[at++]) : -1; });
  if (consumed) *consumed = at;
  return r;
}

TEST(HeaderFields, FieldsAreReadUpToTheEmptyLineOnlyWithOwsTrimmed) {
  size_t consumed = 0;
  const std::string head = "Host: x\r\nX-A:\t a b \t\r\nX-Empty:\r\nx-bare-lf:1\n\r\n";
  const HeaderFields r = Read(head + "GET /next HTTP/1.1\r\n", &consumed);
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.problem;
  ASSERT_EQ(r.fields.size(), 4u);
  EXPECT_EQ(r.fields[0], std::make_pair(std::string("Host"), std::string("x")));
  EXPECT_EQ(r.fields[1], std::make_pair(std::string("X-A"), std::string("a b")));
  EXPECT_EQ(r.fields[2], std::make_pair(std::string("X-Empty"), std::string("")));
  EXPECT_EQ(r.fields[3], std::make_pair(std::string("x-bare-lf"), std::string("1")));
  EXPECT_EQ(consumed, head.size()) << "read into the next request";
}

TEST(HeaderFields, ABareLfEmptyLineEndsTheSection) {
  const HeaderFields r = Read("Host: x\n\n");
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.problem;
  EXPECT_EQ(r.fields.size(), 1u);
  EXPECT_EQ(Read("\r\n").outcome, Outcome::kOk);
}

// Poco read a long line in 4092-byte pieces and took a 2-byte piece for the empty line.
TEST(HeaderFields, A4094ByteLineIsOneFieldNotTheEnd) {
  const std::string line = "X-Pad: " + std::string(4085, 'a');
  ASSERT_EQ(line.size() + 2, 4094u);
  size_t consumed = 0;
  const std::string head = line + "\r\nX-B: 1\r\n\r\n";
  const HeaderFields r = Read(head, &consumed);
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.problem;
  ASSERT_EQ(r.fields.size(), 2u);
  EXPECT_EQ(r.fields[0].second.size(), 4085u);
  EXPECT_EQ(consumed, head.size());
}

TEST(HeaderFields, ALineWithoutAColonIsMalformedWhateverItsLength) {
  for (const char* bad : {"X\n\r\n", "XY\n\r\n", "X\r\n\r\n", "Transfer-Encoding chunked\r\n\r\n"}) {
    const HeaderFields r = Read(std::string("Host: x\r\n") + bad);
    EXPECT_EQ(r.outcome, Outcome::kMalformed) << bad;
  }
}

TEST(HeaderFields, ABareCrAnywhereIsMalformed) {
  for (const char* bad : {"\rX: 1\r\n\r\n", "X-A: a\rb\r\n\r\n", "X-A: a\r\r\n\r\n", "X\r-A: a\r\n\r\n"}) {
    const HeaderFields r = Read(std::string("Host: x\r\n") + bad);
    EXPECT_EQ(r.outcome, Outcome::kMalformed) << "not 431 either: " << r.problem;
  }
}

TEST(HeaderFields, Ff0xAndNulAreMalformedNotDroppedOrAnEnd) {
  EXPECT_EQ(Read("Host: x\r\n\xffGET / HTTP/1.1\r\n\r\n").outcome, Outcome::kMalformed);
  EXPECT_EQ(Read("Content-\xffLength: 5\r\n\r\n").outcome, Outcome::kMalformed);
  EXPECT_EQ(Read(std::string("X-A: a\0b\r\n\r\n", 11)).outcome, Outcome::kMalformed);
  EXPECT_EQ(Read(std::string("X\0-A: ab\r\n\r\n", 12)).outcome, Outcome::kMalformed);
  // obs-text in a value is allowed (RFC 9110 5.5).
  const HeaderFields r = Read("X-A: caf\xc3\xa9\xff\r\n\r\n");
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.problem;
  EXPECT_EQ(r.fields[0].second, "caf\xc3\xa9\xff");
}

TEST(HeaderFields, WhitespaceBeforeTheColonOrANonTokenNameIsMalformed) {
  for (const char* bad : {"Transfer-Encoding : chunked\r\n\r\n", "X A: 1\r\n\r\n", "X(A): 1\r\n\r\n", ": 1\r\n\r\n",
                          "X\tA: 1\r\n\r\n"})
    EXPECT_EQ(Read(bad).outcome, Outcome::kMalformed) << bad;
}

TEST(HeaderFields, ObsFoldIsMalformed) {
  EXPECT_EQ(Read("X-A: 1\r\n  continued\r\n\r\n").outcome, Outcome::kMalformed);
  EXPECT_EQ(Read("X-A: 1\r\n\tcontinued\r\n\r\n").outcome, Outcome::kMalformed);
  EXPECT_EQ(Read(" Host: x\r\n\r\n").outcome, Outcome::kMalformed);
}

TEST(HeaderFields, TheStreamEndingBeforeTheEmptyLineIsEndedEarly) {
  for (const char* cut : {"", "Host", "Host: x", "Host: x\r", "Host: x\r\n", "Host: x\r\n\r"})
    EXPECT_EQ(Read(cut).outcome, Outcome::kEndedEarly) << cut;
}

TEST(HeaderFields, LimitsAreTooLargeOnlyPastThem) {
  std::string many;
  for (size_t i = 0; i < HeaderFields::kMaxFields; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(Read(many + "\r\n").outcome, Outcome::kOk);
  EXPECT_EQ(Read(many + "X-Last: v\r\n\r\n").outcome, Outcome::kTooLarge);

  const std::string name(HeaderFields::kMaxName, 'n');
  EXPECT_EQ(Read(name + ": v\r\n\r\n").outcome, Outcome::kOk);
  EXPECT_EQ(Read(name + "n: v\r\n\r\n").outcome, Outcome::kTooLarge);

  const std::string value(HeaderFields::kMaxValue, 'v');
  EXPECT_EQ(Read("X: " + value + "\r\n\r\n").outcome, Outcome::kOk);
  const HeaderFields over = Read("X: " + value + "v\r\n\r\n");
  EXPECT_EQ(over.outcome, Outcome::kTooLarge);
  EXPECT_NE(over.problem.find("8192"), std::string::npos) << over.problem;
}

TEST(ConnectionWantsKeepAlive, CloseAnywhereInTheTokenListCloses) {
  EXPECT_TRUE(ConnectionWantsKeepAlive({}, false));
  EXPECT_TRUE(ConnectionWantsKeepAlive({"keep-alive"}, false));
  EXPECT_FALSE(ConnectionWantsKeepAlive({"close"}, false));
  EXPECT_FALSE(ConnectionWantsKeepAlive({"keep-alive, close"}, false));
  EXPECT_FALSE(ConnectionWantsKeepAlive({"Keep-Alive,CLOSE"}, false));
  EXPECT_FALSE(ConnectionWantsKeepAlive({"keep-alive", " close "}, false));
  EXPECT_TRUE(ConnectionWantsKeepAlive({"upgrade, closed"}, false));
}

TEST(ConnectionWantsKeepAlive, Http10KeepsAliveOnlyWhenAskedAndNotClosed) {
  EXPECT_FALSE(ConnectionWantsKeepAlive({}, true));
  EXPECT_TRUE(ConnectionWantsKeepAlive({"Keep-Alive"}, true));
  EXPECT_TRUE(ConnectionWantsKeepAlive({"te, keep-alive"}, true));
  EXPECT_FALSE(ConnectionWantsKeepAlive({"keep-alive, close"}, true));
}

}  // namespace
}  // namespace chainmail
