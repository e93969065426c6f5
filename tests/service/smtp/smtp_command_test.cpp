// Command-line syntax: verbs, paths, ESMTP parameters and BDAT arguments.
#include "service/smtp/smtp_command.h"

#include <gtest/gtest.h>

#include "service/smtp/smtp_path.h"

namespace chainmail::smtp {
namespace {

TEST(SmtpCommandTest, VerbIsCaseInsensitiveAndArgumentKeptAsReceived) {
  Command c = ParseCommand("eHlO  Mixed.Example ");
  EXPECT_EQ(c.verb, Verb::kEhlo);
  EXPECT_EQ(c.argument, " Mixed.Example ");
  EXPECT_EQ(ParseCommand("STARTTLS").verb, Verb::kStartTls);
  EXPECT_EQ(ParseCommand("MAILFROM:<a@b>").verb, Verb::kUnknown);
  EXPECT_EQ(ParseCommand("").verb, Verb::kUnknown);
}

TEST(SmtpCommandTest, ValidPaths) {
  struct Case {
    const char* text;
    const char* mailbox;
    const char* rest;
  };
  for (const Case& c : {
           Case{"<>", "", ""},
           Case{"<a@b.example>", "a@b.example", ""},
           Case{"<a.b+tag@sub.b-c.example> SIZE=1", "a.b+tag@sub.b-c.example", " SIZE=1"},
           Case{"<\"x y\\\"z\"@b.example>", "\"x y\\\"z\"@b.example", ""},
           Case{"<a@[192.0.2.1]>", "a@[192.0.2.1]", ""},
           Case{"<a@[IPv6:2001:db8::1]>", "a@[IPv6:2001:db8::1]", ""},
           Case{"<@r1.example,@r2.example:a@b.example>", "a@b.example", ""},
           Case{"<POSTMASTER>", "POSTMASTER", ""},
           Case{"<\xc3\xa9@\xc3\xa9.example>", "\xc3\xa9@\xc3\xa9.example", ""},
       }) {
    std::optional<ParsedPath> p = ParsePath(c.text);
    ASSERT_TRUE(p.has_value()) << c.text;
    EXPECT_EQ(p->mailbox, c.mailbox) << c.text;
    EXPECT_EQ(p->rest, c.rest) << c.text;
  }
}

TEST(SmtpCommandTest, InvalidPaths) {
  for (const char* text :
       {"", "a@b", "<a@b", "<a@>", "<@b>", "<a>", "<a b@c>", "<a@b c>", "<a@@b>", "<<a@b>",
        "<\"a@b>", "<a\r@b>", "<a@[1.2>", "<@r1:>", "<a@b\n>", "<a@b\t>"}) {
    EXPECT_FALSE(ParsePath(text).has_value()) << text;
  }
}

TEST(SmtpCommandTest, PathArgumentRecordsTextAfterColon) {
  PathArgument a = ParsePathArgument("from: <A@B.example> BODY=8BITMIME  SMTPUTF8 ", "FROM:");
  ASSERT_EQ(a.error, PathArgument::Error::kNone);
  EXPECT_EQ(a.recorded, "<A@B.example> BODY=8BITMIME  SMTPUTF8 ");
  EXPECT_EQ(a.mailbox, "A@B.example");
  ASSERT_EQ(a.parameters.size(), 2u);
  EXPECT_EQ(a.parameters[0].keyword, "BODY");
  EXPECT_EQ(a.parameters[0].value, "8BITMIME");
  EXPECT_EQ(a.parameters[1].keyword, "SMTPUTF8");
  EXPECT_FALSE(a.parameters[1].value.has_value());
}

TEST(SmtpCommandTest, PathArgumentErrors) {
  EXPECT_EQ(ParsePathArgument("TO:<a@b>", "FROM:").error, PathArgument::Error::kSyntax);
  EXPECT_EQ(ParsePathArgument("FROM:<a@b", "FROM:").error, PathArgument::Error::kBadPath);
  EXPECT_EQ(ParsePathArgument("FROM:<a@b>x", "FROM:").error, PathArgument::Error::kBadPath);
  EXPECT_EQ(ParsePathArgument("FROM:<a@b>>", "FROM:").error, PathArgument::Error::kBadPath);
  EXPECT_EQ(ParsePathArgument("FROM:<a@b> A=", "FROM:").error, PathArgument::Error::kBadParameters);
  EXPECT_EQ(ParsePathArgument("FROM:<a@b> -A", "FROM:").error, PathArgument::Error::kBadParameters);
  EXPECT_EQ(ParsePathArgument("FROM:<a@b> A=\x01", "FROM:").error,
            PathArgument::Error::kBadParameters);
}

TEST(SmtpCommandTest, MailParameterMeaning) {
  using Error = MailParameters::Error;
  auto eval = [](std::string_view argument) {
    return EvaluateMailParameters(ParsePathArgument(argument, "FROM:").parameters, 100);
  };
  EXPECT_EQ(eval("FROM:<> SIZE=100").error, Error::kNone);
  EXPECT_EQ(eval("FROM:<> SIZE=101").error, Error::kTooLarge);
  EXPECT_EQ(eval("FROM:<> SIZE=184467440737095516160").error, Error::kTooLarge);
  EXPECT_EQ(eval("FROM:<> SIZE").error, Error::kSyntax);
  EXPECT_EQ(eval("FROM:<> BODY=8bitmime").eight_bit_declared, true);
  EXPECT_EQ(eval("FROM:<> BODY=7BIT").eight_bit_declared, false);
  EXPECT_EQ(eval("FROM:<> BODY=BINARYMIME").error, Error::kBadBody);
  EXPECT_EQ(eval("FROM:<> smtputf8").error, Error::kNone);
  EXPECT_EQ(eval("FROM:<> AUTH=<>").error, Error::kUnsupported);
}

TEST(SmtpCommandTest, ParseDecimal) {
  EXPECT_EQ(ParseDecimal("0"), 0u);
  EXPECT_EQ(ParseDecimal("007"), 7u);
  EXPECT_EQ(ParseDecimal("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(ParseDecimal("18446744073709551616").has_value());
  EXPECT_FALSE(ParseDecimal("").has_value());
  EXPECT_FALSE(ParseDecimal("+1").has_value());
  EXPECT_FALSE(ParseDecimal("1 ").has_value());
}

TEST(SmtpCommandTest, BdatArguments) {
  std::optional<BdatArguments> a = ParseBdatArguments("1000");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->size, 1000u);
  EXPECT_FALSE(a->last);
  a = ParseBdatArguments("0 Last");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->size, 0u);
  EXPECT_TRUE(a->last);
  for (const char* bad : {"", "x", "1 LAST ", "1 FIRST", "1  LAST", " 1", "-5"}) {
    EXPECT_FALSE(ParseBdatArguments(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace chainmail::smtp
