// What a message route may disclose about a message's headers and structure, and to whom:
// an auditor's rcpt_to never matches the recipients of record read from headers (only an
// officer's does), and a part read that answers 404 or 409 — which tell the part count
// and a part's content type — is audited like one that answers 200.
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "archive/format/payload_tags.h"
#include "archive/fulltext/fulltext_indexer.h"
#include "tests/service/api/api_test_util.h"

namespace chainmail::testing {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// The ids of a search answer, in order ("status N" when it is not a 200).
std::vector<std::string> Ids(const ApiResponse& r) {
  if (r.status != 200) return {"status " + std::to_string(r.status)};
  Poco::JSON::Parser parser;
  auto items = parser.parse(r.body).extract<Poco::JSON::Object::Ptr>()->getArray("messages");
  std::vector<std::string> out;
  for (size_t i = 0; i < items->size(); ++i) out.push_back(items->getObject(i)->getValue<std::string>("id"));
  return out;
}

// An ApiFixture with the full-text indexer running, as chainmaild runs it (fulltext.enabled).
class IndexedApi {
 public:
  IndexedApi() {
    auto indexer = StartFulltextIndexer(f.archive());
    EXPECT_TRUE(indexer.ok() && *indexer) << indexer.status().message();
    if (indexer.ok()) indexer_ = *indexer;
    if (indexer_) f.context().SetFulltext(indexer_);
  }
  ~IndexedApi() {
    if (!indexer_) return;
    indexer_->Stop();
    f.archive().SetExtractedMessageSink(nullptr);
  }
  // Waits until every message archived so far is searchable by the index.
  bool WaitIndexed() {
    auto head = OpenDb(f.dir())->QueryInt("SELECT coalesce(max(seq), -1) FROM leaves WHERE log = 1");
    return head.ok() && indexer_ && indexer_->WaitIndexed(*head, std::chrono::seconds(10));
  }

  ApiFixture f;

 private:
  std::shared_ptr<FulltextIndexer> indexer_;
};

// A Gmail copy sent to the journal address; the original recipient is only in a header.
const char kGmailCopy[] =
    "X-Gm-Original-To: whistleblower@press.example\r\nFrom: a@corp.example\r\nTo: b@corp.example\r\n"
    "Subject: gm copy\r\n\r\nThe heron flies.\r\n";

TEST(RecipientFilter, AnAuditorMatchesEnvelopeRecipientsOnlyNeverHeaderDerivedOnes) {
  IndexedApi a;
  const RecordId id = a.f.AddMessage(kGmailCopy, "<journal@archive.example>");
  ASSERT_TRUE(a.WaitIndexed());
  const std::string officer = a.f.Token(Role::kOfficer), auditor = a.f.Token(Role::kAuditor);
  auto search = [&](const std::string& token, const std::string& rcpt) {
    return Ids(a.f.Call("GET", "/api/v1/messages", token, "", Params{{"rcpt_to", rcpt}}));
  };
  const std::vector<std::string> found{id.ToString()}, none;
  EXPECT_EQ(search(officer, "whistleblower@press.example"), found) << "officers match recipients of record";
  EXPECT_EQ(search(auditor, "whistleblower@press.example"), none) << "a yes/no answer about a header";
  EXPECT_EQ(search(auditor, "WHISTLEBLOWER@press.example"), none);
  EXPECT_EQ(search(officer, "journal@archive.example"), found);
  EXPECT_EQ(search(auditor, "journal@archive.example"), found) << "the envelope is the auditor's to search";
}

TEST(RecipientFilter, AnAuditorsCursorIsNotAnOfficersCursor) {
  IndexedApi a;
  for (int i = 0; i < 3; ++i) a.f.AddMessage(SampleMessage(i), "<journal@archive.example>");
  ASSERT_TRUE(a.WaitIndexed());
  const std::string officer = a.f.Token(Role::kOfficer), auditor = a.f.Token(Role::kAuditor);
  const Params first{{"rcpt_to", "journal@archive.example"}, {"limit", "1"}};
  ApiResponse r = a.f.Call("GET", "/api/v1/messages", officer, "", first);
  ASSERT_EQ(r.status, 200) << r.body;
  Poco::JSON::Parser parser;
  const std::string cursor =
      parser.parse(r.body).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("next_cursor");
  Params next = first;
  next.emplace_back("cursor", cursor);
  EXPECT_EQ(a.f.Call("GET", "/api/v1/messages", officer, "", next).status, 200);
  EXPECT_EQ(a.f.Call("GET", "/api/v1/messages", auditor, "", next).status, 400)
      << "a cursor is bound to the search it was issued for, the recipients it matched included";
}

const char kMultipart[] =
    "From: a@corp.example\r\nTo: b@corp.example\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
    "--B\r\nContent-Type: text/plain\r\n\r\nfirst\r\n"
    "--B\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--B--\r\n";

TEST(PartRead, NoSuchPartAndContainerPartAnswersAreAuditedFirst) {
  ApiFixture f;
  const RecordId id = f.AddMessage(kMultipart);
  const std::string officer = f.Token(Role::kOfficer);
  const std::string base = "/api/v1/messages/" + id.ToString() + "/parts/";
  struct Case {
    const char* n;
    int status;
  };
  for (const Case& c : {Case{"7", 404}, Case{"3", 404}, Case{"0", 409}, Case{"1", 200}}) {
    const size_t reads = f.AuditEvents(auditevent::kMessageRead).size();
    ApiResponse r = f.Call("GET", base + c.n, officer);
    EXPECT_EQ(r.status, c.status) << c.n << ": " << r.body;
    EXPECT_EQ(f.AuditEvents(auditevent::kMessageRead).size(), reads + 1) << "part " << c.n << " read unaudited";
  }
  // Answers that do not depend on the message are not reads of it.
  const size_t reads = f.AuditEvents(auditevent::kMessageRead).size();
  EXPECT_EQ(f.Call("GET", base + "x1", officer).status, 400);
  EXPECT_EQ(f.Call("GET", "/api/v1/messages/00000000-0000-7000-8000-000000000000/parts/1", officer).status, 404);
  EXPECT_EQ(f.AuditEvents(auditevent::kMessageRead).size(), reads);
}

}  // namespace
}  // namespace chainmail::testing
