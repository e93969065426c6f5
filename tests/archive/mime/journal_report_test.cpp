// ParseJournalEnvelope: the recipient lines of an Exchange journal report's envelope.
#include "archive/mime/journal_report.h"

#include <gtest/gtest.h>

namespace chainmail {
namespace {

std::vector<RecordRecipient> Parse(std::string_view text, size_t max = 100, bool* found = nullptr) {
  std::vector<RecordRecipient> out;
  const bool ok = ParseJournalEnvelope(text, max, &out);
  if (found != nullptr) *found = ok;
  return out;
}

std::string Show(const std::vector<RecordRecipient>& rs) {
  std::string s;
  for (const RecordRecipient& r : rs)
    s += r.source + ":" + r.address + (r.expanded_from.empty() ? "" : "<" + r.expanded_from) + ";";
  return s;
}

TEST(JournalReportTest, Exchange2010Envelope) {
  const std::string text =
      "Sender: alice@contoso.com\nSubject: To: not-a-recipient@x.com\nMessage-Id: <1@x>\n"
      "To: bob@contoso.com\nTo: carol@contoso.com, Expanded: dl@contoso.com\n"
      "Cc: dave@contoso.com, Forwarded: erin@contoso.com\nBcc: frank@contoso.com\n"
      "Recipient: grace@contoso.com\n";
  EXPECT_EQ(
      Show(Parse(text)),
      "journal-sender:alice@contoso.com;journal-to:bob@contoso.com;"
      "journal-to:carol@contoso.com<dl@contoso.com;journal-cc:dave@contoso.com<erin@contoso.com;"
      "journal-bcc:frank@contoso.com;journal-recipient:grace@contoso.com;");
}

TEST(JournalReportTest, FieldNamesAnyCaseAddressesBareOrAngledCrLf) {
  EXPECT_EQ(Show(Parse("TO:  <a@x.com>\r\nrecipient: Name <b@x.com> , EXPANDED: <list@x.com>\r\n")),
            "journal-to:a@x.com;journal-recipient:b@x.com<list@x.com;");
}

TEST(JournalReportTest, SeveralAddressesOnOneLine) {
  EXPECT_EQ(Show(Parse("To: a@x.com, b@x.com\n")), "journal-to:a@x.com;journal-to:b@x.com;");
}

TEST(JournalReportTest, NoRecipientLinesIsNotAReport) {
  bool found = true;
  EXPECT_TRUE(Parse("Subject: hello\nMessage-Id: <x@y>\nrandom text\n", 100, &found).empty());
  EXPECT_FALSE(found);
  Parse("To:\nSender: \n", 100, &found);
  EXPECT_FALSE(found);
}

TEST(JournalReportTest, StopsAtMax) {
  bool found = false;
  EXPECT_EQ(Parse("To: a@x.com\nTo: b@x.com\nTo: c@x.com\n", 2, &found).size(), 2u);
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace chainmail
