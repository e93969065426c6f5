// Message routes over the in-process API: every search filter, position paging while
// mail keeps arriving, the auditor's envelope-only view and its 403s, labels and their
// audit events, byte-exact raw downloads, inclusion proofs checked with archive/format's
// verifier, bad input, and the rule that nothing is served before it is audited.
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "archive/blob_store.h"
#include "archive/checkpoint_store.h"
#include "archive/format/audit_payload.h"
#include "archive/format/canonical_base64.h"
#include "archive/format/checkpoint.h"
#include "archive/format/leaf.h"
#include "archive/format/merkle_verify.h"
#include "archive/format/payload_tags.h"
#include "archive/format/rfc3339.h"
#include "archive/format/sha256.h"
#include "archive/message_search.h"
#include "archive/tree_store.h"
#include "audit/decided_ingest.h"
#include "tests/service/api/api_test_util.h"

namespace chainmail::testing {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;
using Poco::JSON::Array;
using Poco::JSON::Object;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Object::Ptr ParseObject(const std::string& body) {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<Object::Ptr>();
}

// Archives `bytes` with its own envelope (the fixture's AddMessage has a fixed sender).
RecordId IngestFrom(ApiFixture& f, const std::string& bytes, const std::string& mail_from,
                    const std::vector<std::string>& rcpts) {
  DecidedIngest ingest(f.archive(), DefaultPolicy);
  auto spool = ingest.BeginMessage();
  EXPECT_TRUE(spool.ok());
  (*spool)->Write(bytes);
  MessagePayload e;
  e.mail_from = mail_from;
  e.rcpt_to = rcpts;
  e.helo_verb = "EHLO";
  e.helo_name = "client.test";
  e.client_address = "192.0.2.7";
  e.client_port = 40000;
  e.server_address = "127.0.0.1:2525";
  e.tls_protocol = "TLSv1.3";
  e.tls_cipher = "TLS_AES_256_GCM_SHA384";
  e.session_id = std::string(16, '\x02');
  auto id = ingest.Commit(std::move(*spool), e);
  EXPECT_TRUE(id.ok()) << id.status().message();
  return id.ok() ? *id : RecordId();
}

std::string Mail(const std::string& headers, const std::string& body = "body\r\n") { return headers + "\r\n" + body; }

// The ids of a search answer, in order.
std::vector<std::string> Ids(const ApiResponse& r) {
  std::vector<std::string> out;
  if (r.status != 200) return out;
  Array::Ptr items = ParseObject(r.body)->getArray("messages");
  for (size_t i = 0; i < items->size(); ++i) out.push_back(items->getObject(i)->getValue<std::string>("id"));
  return out;
}

std::set<std::string> IdSet(const ApiResponse& r) {
  auto v = Ids(r);
  return {v.begin(), v.end()};
}

// Three messages unlike each other in every searchable way.
struct Corpus {
  ApiFixture f;
  std::string officer, auditor;
  RecordId report, lunch, percent;
  int64_t between_us = 0;  // received after `report`, before `lunch`

  Corpus() {
    officer = f.Token(Role::kOfficer);
    auditor = f.Token(Role::kAuditor);
    report =
        IngestFrom(f,
                   Mail("From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nCc: Carol <carol@example.org>\r\n"
                        "Subject: Quarterly report\r\nMessage-ID: <q1@example.com>\r\n"
                        "Date: Sat, 10 Jan 2026 09:00:00 +0000\r\n"),
                   "<alice@example.com> SIZE=100", {"<journal@archive.test>"});
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    between_us = NowUs();
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    lunch = IngestFrom(f,
                       Mail("From: dave@example.com\r\nTo: erin@example.net\r\nSubject: Lunch\r\n"
                            "Message-ID: <l2@example.com>\r\nDate: Sun, 01 Jun 2025 12:00:00 +0000\r\n",
                            std::string("caf\xc3\xa9 \0 bare\nlf\r\n", 17)),
                       "<dave@example.com>", {"<journal@archive.test>", "<copy@archive.test>"});
    percent = IngestFrom(f,
                         Mail("From: alice@example.com\r\nTo: bob@example.net\r\nSubject: 100%_done\r\n"
                              "Message-ID: <p3@example.com>\r\nDate: Mon, 02 Feb 2026 10:00:00 +0000\r\n",
                              std::string(5000, 'x') + "\r\n"),
                         "<>", {"<journal@archive.test>"});
  }

  ApiResponse Search(const Params& q, const std::string& token = "") {
    return f.Call("GET", "/api/v1/messages", token.empty() ? officer : token, "", q);
  }
};

TEST(MessageSearch, EveryFilterSelectsWhatItNames) {
  Corpus c;
  const std::string r = c.report.ToString(), l = c.lunch.ToString(), p = c.percent.ToString();
  using S = std::set<std::string>;
  EXPECT_EQ(Ids(c.Search({})), (std::vector<std::string>{p, l, r})) << "newest first by default";
  EXPECT_EQ(Ids(c.Search({{"order", "oldest"}})), (std::vector<std::string>{r, l, p}));
  EXPECT_EQ(IdSet(c.Search({{"mail_from", "ALICE@example.com"}})), (S{r}));
  EXPECT_EQ(IdSet(c.Search({{"mail_from", "<>"}})), (S{p}));
  EXPECT_EQ(IdSet(c.Search({{"rcpt_to", "copy@archive.test"}})), (S{l}));
  EXPECT_EQ(IdSet(c.Search({{"rcpt_to", "journal@archive.test"}})), (S{r, l, p}));
  EXPECT_EQ(IdSet(c.Search({{"from", "alice@example.com"}})), (S{r, p}));
  EXPECT_EQ(IdSet(c.Search({{"to", "erin@example.net"}})), (S{l}));
  EXPECT_EQ(IdSet(c.Search({{"cc", "carol@example.org"}})), (S{r}));
  EXPECT_EQ(IdSet(c.Search({{"cc", "bob@example.net"}})), (S{})) << "To is not Cc";
  EXPECT_EQ(IdSet(c.Search({{"subject", "QUARTERLY"}})), (S{r}));
  EXPECT_EQ(IdSet(c.Search({{"subject", "%"}})), (S{p})) << "% is literal";
  EXPECT_EQ(IdSet(c.Search({{"subject", "0%_d"}})), (S{p}));
  EXPECT_EQ(IdSet(c.Search({{"subject", "_"}})), (S{p})) << "_ is literal";
  EXPECT_EQ(IdSet(c.Search({{"message_id", "<l2@example.com>"}})), (S{l}));
  EXPECT_EQ(IdSet(c.Search({{"message_id", "l2@example.com"}})), (S{l}));
  EXPECT_EQ(IdSet(c.Search({{"received_before", FormatRfc3339(c.between_us)}})), (S{r}));
  EXPECT_EQ(IdSet(c.Search({{"received_since", FormatRfc3339(c.between_us)}})), (S{l, p}));
  EXPECT_EQ(IdSet(c.Search({{"date_since", "2026-01-01T00:00:00Z"}})), (S{r, p}));
  EXPECT_EQ(IdSet(c.Search({{"date_since", "2026-01-10T09:00:00Z"}, {"date_before", "2026-01-10T09:00:01Z"}})), (S{r}));
  EXPECT_EQ(IdSet(c.Search({{"date_before", "2026-01-10T10:00:00+01:00"}})), (S{l})) << "before is exclusive";
  EXPECT_EQ(IdSet(c.Search({{"min_size", "5000"}})), (S{p}));
  EXPECT_EQ(IdSet(c.Search({{"max_size", "4999"}})), (S{r, l}));
  EXPECT_EQ(IdSet(c.Search({{"flags", "nul"}})), (S{l}));
  EXPECT_EQ(IdSet(c.Search({{"flags", "nul,bare_lf,eight_bit"}})), (S{l}));
  EXPECT_EQ(IdSet(c.Search({{"flags", "nul,bare_cr"}})), (S{}));
  EXPECT_EQ(IdSet(c.Search({{"decision", "accept"}})), (S{r, l, p}));
  EXPECT_EQ(IdSet(c.Search({{"decision", "reject"}})), (S{}));
  EXPECT_EQ(IdSet(c.Search({{"from", "alice@example.com"}, {"subject", "report"}})), (S{r})) << "filters combine";

  ASSERT_EQ(c.f.Call("PUT", "/api/v1/messages/" + l + "/labels/case-17", c.officer).status, 201);
  EXPECT_EQ(IdSet(c.Search({{"label", "case-17"}})), (S{l}));
  EXPECT_EQ(IdSet(c.Search({{"label", "case-18"}})), (S{}));

  Object::Ptr first =
      ParseObject(c.Search({{"message_id", "l2@example.com"}}).body)->getArray("messages")->getObject(0);
  EXPECT_EQ(first->getValue<std::string>("subject"), "Lunch");
  EXPECT_EQ(first->getValue<std::string>("mail_from"), "dave@example.com");
  EXPECT_EQ(first->getArray("rcpt_to")->size(), 2u);
  EXPECT_EQ(first->getValue<std::string>("decision"), "accept");
  EXPECT_EQ(first->getArray("labels")->getElement<std::string>(0), "case-17");
  std::set<std::string> flags;
  for (size_t i = 0; i < first->getArray("flags")->size(); ++i)
    flags.insert(first->getArray("flags")->getElement<std::string>(i));
  EXPECT_TRUE(flags.count("nul") && flags.count("bare_lf") && flags.count("eight_bit"));
}

TEST(MessageSearch, PagesNeitherRepeatNorSkipWhileMailArrives) {
  ApiFixture f(7);
  const std::string officer = f.Token(Role::kOfficer);
  std::vector<std::string> before;
  for (const RecordId& id : f.ids()) before.push_back(id.ToString());

  for (const char* order : {"newest", "oldest"}) {
    std::vector<std::string> seen;
    std::string cursor;
    int pages = 0;
    for (;; ++pages) {
      Params q = {{"limit", "3"}, {"order", order}};
      if (!cursor.empty()) q.emplace_back("cursor", cursor);
      ApiResponse r = f.Call("GET", "/api/v1/messages", officer, "", q);
      ASSERT_EQ(r.status, 200) << r.body;
      for (const std::string& id : Ids(r)) seen.push_back(id);
      Object::Ptr o = ParseObject(r.body);
      if (o->isNull("next_cursor")) break;
      cursor = o->getValue<std::string>("next_cursor");
      f.AddMessage(SampleMessage(100 + pages));  // arrives between pages
      ASSERT_LT(pages, 20);
    }
    std::set<std::string> unique(seen.begin(), seen.end());
    EXPECT_EQ(unique.size(), seen.size()) << order << ": a message was shown twice";
    for (const std::string& id : before) EXPECT_TRUE(unique.count(id)) << order << ": skipped " << id;
    if (std::string(order) == "newest") {
      std::vector<std::string> newest_first(before.rbegin(), before.rend());
      EXPECT_EQ(seen, newest_first) << "mail arriving after the first page is not in later pages";
    } else {
      EXPECT_EQ(std::vector<std::string>(seen.begin(), seen.begin() + 7), before);
      EXPECT_GT(seen.size(), 7u) << "oldest first reaches the mail that arrived meanwhile";
    }
  }
}

TEST(MessageSearch, CursorsAreBoundToTheirSearchAndRefuseAlteration) {
  ApiFixture f(5);
  const std::string officer = f.Token(Role::kOfficer);
  ApiResponse first = f.Call("GET", "/api/v1/messages", officer, "", {{"limit", "2"}});
  ASSERT_EQ(first.status, 200);
  const std::string cursor = ParseObject(first.body)->getValue<std::string>("next_cursor");
  EXPECT_EQ(f.Call("GET", "/api/v1/messages", officer, "", {{"limit", "2"}, {"cursor", cursor}}).status, 200);
  EXPECT_EQ(f.Call("GET", "/api/v1/messages", officer, "", {{"limit", "4"}, {"cursor", cursor}}).status, 200)
      << "the page size may change between pages";
  auto bad = [&](const Params& q) {
    ApiResponse r = f.Call("GET", "/api/v1/messages", officer, "", q);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("\"parameter\":\"cursor\""), std::string::npos) << r.body;
  };
  for (size_t i = 0; i < cursor.size(); ++i) {
    std::string altered = cursor;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    bad({{"cursor", altered}});
  }
  bad({{"cursor", cursor}, {"order", "oldest"}});
  bad({{"cursor", cursor}, {"mail_from", "sender@example.com"}});
  bad({{"cursor", cursor + "A"}});
  bad({{"cursor", cursor.substr(1)}});
  for (const char* junk : {"abc", "'", "\"", "%", "--", "AAAA=", "+/+/"}) bad({{"cursor", junk}});
}

TEST(MessageSearch, AuditorsSeeEnvelopeFieldsOnlyAndMayNotFilterOnHeaders) {
  Corpus c;
  ApiResponse r = c.Search({}, c.auditor);
  ASSERT_EQ(r.status, 200) << r.body;
  Object::Ptr m = ParseObject(r.body)->getArray("messages")->getObject(0);
  for (const char* allowed :
       {"id", "seq", "received", "mail_from", "rcpt_to", "size", "sha256", "leaf_hash", "flags", "decision"})
    EXPECT_TRUE(m->has(allowed)) << allowed;
  for (const char* hidden : {"subject", "from", "to", "cc", "message_id", "date", "labels"})
    EXPECT_FALSE(m->has(hidden)) << hidden;
  EXPECT_EQ(r.body.find("Quarterly"), std::string::npos);
  EXPECT_EQ(IdSet(c.Search({{"mail_from", "dave@example.com"}}, c.auditor)),
            (std::set<std::string>{c.lunch.ToString()}));

  ApiResponse detail = c.f.Call("GET", "/api/v1/messages/" + c.report.ToString(), c.auditor);
  ASSERT_EQ(detail.status, 200) << detail.body;
  Object::Ptr d = ParseObject(detail.body);
  EXPECT_FALSE(d->has("headers"));
  EXPECT_FALSE(d->has("labels"));
  EXPECT_TRUE(d->has("envelope"));
  EXPECT_EQ(detail.body.find("Quarterly"), std::string::npos);
  EXPECT_EQ(c.f.Call("GET", "/api/v1/messages/" + c.report.ToString() + "/raw", c.auditor).status, 403);
  EXPECT_EQ(c.f.Call("PUT", "/api/v1/messages/" + c.report.ToString() + "/labels/x", c.auditor).status, 403);
  EXPECT_EQ(c.f.Call("GET", "/api/v1/messages", c.f.Token(Role::kAdmin)).status, 403) << "admins read no mail";
}

TEST(MessageSearch, AuditorsFilteringOnHeadersAreRefusedWhateverWouldMatch) {
  Corpus c;
  // Header-derived filters are refused whatever they would match: never a yes/no answer.
  for (const auto& [name, value] : Params{{"subject", "Quarterly"},
                                          {"subject", "no such subject"},
                                          {"from", "alice@example.com"},
                                          {"to", "bob@example.net"},
                                          {"cc", "carol@example.org"},
                                          {"message_id", "q1@example.com"},
                                          {"date_since", "2026-01-01T00:00:00Z"},
                                          {"date_before", "2026-01-01T00:00:00Z"},
                                          {"label", "case-1"},
                                          {"subject", "\xc0\xaf"}}) {
    ApiResponse denied = c.Search({{name, value}}, c.auditor);
    EXPECT_EQ(denied.status, 403) << name << "=" << value;
    EXPECT_NE(denied.body.find("\"parameter\":\"" + name + "\""), std::string::npos) << denied.body;
  }
  EXPECT_TRUE(c.f.AuditEvents(auditevent::kMessageSearch).empty()) << "refused searches read nothing";
  c.f.api().FlushDenials(true);
  EXPECT_EQ(c.f.AuditEvents(auditevent::kAuthDenied).size(), 1u) << "the refusals are audited, aggregated";
}

TEST(MessageRead, DetailHasEnvelopeFlagsDecisionAndLeafAndIsAudited) {
  Corpus c;
  const size_t reads = c.f.AuditEvents(auditevent::kMessageRead).size();
  ApiResponse r = c.f.Call("GET", "/api/v1/messages/" + c.lunch.ToString(), c.officer);
  ASSERT_EQ(r.status, 200) << r.body;
  Object::Ptr d = ParseObject(r.body);
  Object::Ptr env = d->getObject("envelope");
  EXPECT_EQ(env->getValue<std::string>("mail_from"), "<dave@example.com>");
  EXPECT_EQ(env->getArray("rcpt_to")->getElement<std::string>(1), "<copy@archive.test>");
  EXPECT_EQ(env->getValue<std::string>("helo_name"), "client.test");
  EXPECT_EQ(env->getValue<std::string>("client_address"), "192.0.2.7");
  EXPECT_EQ(env->getValue<int>("client_port"), 40000);
  EXPECT_EQ(env->getValue<std::string>("tls_protocol"), "TLSv1.3");
  EXPECT_EQ(env->getValue<std::string>("tls_cipher"), "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(env->getValue<std::string>("session_id"), "02020202-0202-0202-0202-020202020202");
  EXPECT_EQ(d->getObject("decision")->getValue<std::string>("action"), "accept");
  EXPECT_EQ(d->getObject("leaf")->getValue<int64_t>("seq"), d->getValue<int64_t>("seq"));
  EXPECT_EQ(d->getObject("leaf")->getValue<std::string>("hash").size(), 64u);
  EXPECT_EQ(d->getObject("headers")->getValue<std::string>("subject"), "Lunch");
  EXPECT_EQ(c.f.AuditEvents(auditevent::kMessageRead).size(), reads + 1);

  // The read event names the message's leaf.
  auto db = OpenDb(c.f.dir());
  Statement t = db->Prepare(
      "SELECT t.log, t.seq FROM audit_event_targets t JOIN audit_events e ON e.record_id = t.record_id "
      "WHERE e.type = ? ORDER BY e.seq DESC LIMIT 1");
  t.Bind(1, static_cast<int64_t>(auditevent::kMessageRead));
  ASSERT_TRUE(t.Step());
  EXPECT_EQ(t.Int(0), 1);
  EXPECT_EQ(t.Int(1), d->getValue<int64_t>("seq"));

  EXPECT_EQ(c.f.Call("GET", "/api/v1/messages/01900000-0000-7000-8000-000000000000", c.officer).status, 404);
  for (const char* id : {"nope", "..", "01900000-0000-7000-8000-00000000000", "01900000-0000-7000-8000-0000000000000",
                         "'; DROP TABLE messages; --", "01900000%2D0000"}) {
    ApiResponse bad = c.f.Call("GET", std::string("/api/v1/messages/") + id, c.officer);
    EXPECT_EQ(bad.status, 400) << id;
    EXPECT_NE(bad.body.find("\"parameter\":\"id\""), std::string::npos) << bad.body;
  }
  EXPECT_EQ(c.f.Call("GET", "/api/v1/messages/" + c.lunch.ToString(), c.officer, "", {{"x", "1"}}).status, 400);
}

TEST(MessageLabels, EveryChangeCommitsWithItsEventAndNoChangeRecordsNothing) {
  Corpus c;
  const std::string base = "/api/v1/messages/" + c.report.ToString() + "/labels/";
  ApiResponse added = c.f.Call("PUT", base + "Case-2026.01:hr_x-1", c.officer);
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(c.f.AuditEvents(auditevent::kMessageLabel).size(), 1u);
  EXPECT_EQ(c.f.Call("PUT", base + "Case-2026.01:hr_x-1", c.officer).status, 200) << "idempotent";
  EXPECT_EQ(c.f.AuditEvents(auditevent::kMessageLabel).size(), 1u) << "no change, no event";
  EXPECT_EQ(c.f.Call("PUT", base + "second", c.officer).status, 201);

  ApiResponse detail = c.f.Call("GET", "/api/v1/messages/" + c.report.ToString(), c.officer);
  Array::Ptr labels = ParseObject(detail.body)->getArray("labels");
  ASSERT_EQ(labels->size(), 2u);
  EXPECT_EQ(labels->getObject(0)->getValue<std::string>("label"), "Case-2026.01:hr_x-1");
  EXPECT_NE(labels->getObject(0)->getValue<std::string>("added_by").find("officer"), std::string::npos);

  ApiResponse removed = c.f.Call("DELETE", base + "second", c.officer);
  EXPECT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.body.find("\"second\""), std::string::npos);
  EXPECT_EQ(c.f.Call("DELETE", base + "second", c.officer).status, 404);
  EXPECT_EQ(c.f.AuditEvents(auditevent::kMessageLabel).size(), 3u);

  // Each event names the message's leaf and carries the row.
  auto db = OpenDb(c.f.dir());
  Statement t = db->Prepare(
      "SELECT t.log, t.seq, p.payload FROM audit_events e JOIN audit_event_targets t ON t.record_id = e.record_id "
      "JOIN payloads p ON p.record_id = e.record_id WHERE e.type = ? ORDER BY e.seq");
  t.Bind(1, static_cast<int64_t>(auditevent::kMessageLabel));
  std::vector<AuditPayload> events;
  while (t.Step()) {
    EXPECT_EQ(t.Int(0), 1);
    EXPECT_EQ(t.Int(1), 0) << "the report is the first message";
    events.push_back(*AuditPayload::Decode(t.Blob(2)));
  }
  ASSERT_EQ(events.size(), 3u);
  EXPECT_NE(events[0].detail.find("\"action\":\"add\""), std::string::npos);
  ASSERT_TRUE(events[0].after.has_value());
  EXPECT_NE(events[0].after->find("\"label\":\"Case-2026.01:hr_x-1\""), std::string::npos);
  EXPECT_NE(events[2].detail.find("\"action\":\"remove\""), std::string::npos);
  ASSERT_TRUE(events[2].before.has_value());
  EXPECT_FALSE(events[2].after.has_value());

  for (const std::string& label :
       {std::string("a b"), std::string(65, 'x'), std::string("caf\xc3\xa9"), std::string("x'y"), std::string("x\"y"),
        std::string("x%y"), std::string("x\0y", 3)}) {
    ApiResponse r = c.f.Call("PUT", base + label, c.officer);
    EXPECT_EQ(r.status, 400) << label;
    EXPECT_NE(r.body.find("\"parameter\":\"label\""), std::string::npos) << r.body;
  }
  EXPECT_EQ(c.f.Call("PUT", "/api/v1/messages/01900000-0000-7000-8000-000000000000/labels/x", c.officer).status, 404);
  EXPECT_EQ(c.f.Call("PUT", "/api/v1/messages/x/labels/x", c.officer).status, 400);
  EXPECT_EQ(c.f.Call("PUT", base + "x", c.officer, "{}").status, 400) << "no body expected";
  EXPECT_EQ(c.f.AuditEvents(auditevent::kMessageLabel).size(), 3u);
}

TEST(MessageRaw, IsByteExactStreamedAuditedFirstAndHonoursIfNoneMatch) {
  ApiFixture f;
  const std::string officer = f.Token(Role::kOfficer);
  std::string big;
  uint64_t x = 88172645463325252ull;
  while (big.size() < 3 * 1024 * 1024 + 17) {  // incompressible: several stored chunks
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    big.push_back(static_cast<char>(x));
  }
  const std::vector<std::string> messages = {
      std::string("Subject: nul\r\n\r\na\0b\r\n", 21),
      "Subject: bare lf\n\nline\nline\r\n",
      "Subject: 8bit \xff\xfe\r\n\r\n\x80\x81\r\nno final newline",
      "Subject: bare cr\r\n\r\na\rb\r\n.\r\n..\r\n",
      "Subject: big\r\n\r\n" + big,
  };
  for (const std::string& m : messages) {
    const RecordId id = f.AddMessage(m);
    const size_t reads = f.AuditEvents(auditevent::kMessageRead).size();
    ApiResponse r = f.Call("GET", "/api/v1/messages/" + id.ToString() + "/raw", officer);
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(static_cast<bool>(r.stream)) << "streamed, not buffered";
    EXPECT_EQ(f.AuditEvents(auditevent::kMessageRead).size(), reads + 1) << "audited before the first byte";
    EXPECT_EQ(r.content_type, "message/rfc822");
    const std::string etag = "\"" + ToHex(Sha256::Of(m)) + "\"";
    std::map<std::string, std::string> h(r.headers.begin(), r.headers.end());
    EXPECT_EQ(h["ETag"], etag);
    EXPECT_EQ(h["Content-Disposition"], "attachment; filename=\"" + id.ToString() + ".eml\"");
    size_t pieces = 0, largest = 0;
    std::string got;
    Status s = r.stream([&](std::string_view piece) {
      ++pieces;
      largest = std::max(largest, piece.size());
      got.append(piece);
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_TRUE(got == m) << "not byte-exact: " << got.size() << " vs " << m.size();
    if (m.size() > 2 * kBlobChunkSize) {
      EXPECT_GT(pieces, 2u);
      EXPECT_LE(largest, 2 * kBlobChunkSize) << "memory stays near one chunk";
    }

    for (const std::string& inm : {etag, "W/" + etag, std::string("*"), "\"00\", " + etag}) {
      ApiRequest req;
      req.method = "GET";
      req.path = "/api/v1/messages/" + id.ToString() + "/raw";
      req.client_address = "127.0.0.1";
      req.headers["authorization"] = "Bearer " + officer;
      req.headers["if-none-match"] = inm;
      ApiResponse cached = f.api().Handle(req);
      EXPECT_EQ(cached.status, 304) << inm;
      EXPECT_FALSE(static_cast<bool>(cached.stream));
      EXPECT_TRUE(cached.body.empty());
      req.headers["if-none-match"] = "\"" + std::string(64, '0') + "\"";
      EXPECT_EQ(f.api().Handle(req).status, 200);
    }
  }
}

// HEAD /raw answers GET's head (route.h); the HTTP layer never runs the stream for it, and
// the read is audited before the answer, marked as a HEAD (it disclosed the hash only).
TEST(MessageRaw, HeadIsAuditedAsAReadMarkedHead) {
  ApiFixture f;
  const std::string officer = f.Token(Role::kOfficer);
  const std::string m = "Subject: head\r\n\r\nbody\r\n";
  const RecordId id = f.AddMessage(m);
  ApiResponse get = f.Call("GET", "/api/v1/messages/" + id.ToString() + "/raw", officer);
  ApiResponse head = f.Call("HEAD", "/api/v1/messages/" + id.ToString() + "/raw", officer);
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(head.headers.size(), get.headers.size());
  std::map<std::string, std::string> h(head.headers.begin(), head.headers.end());
  EXPECT_EQ(h["ETag"], "\"" + ToHex(Sha256::Of(m)) + "\"");
  EXPECT_EQ(f.AuditEvents(auditevent::kMessageRead).size(), 2u);
  auto db = OpenDb(f.dir());
  Statement st = db->Prepare(
      "SELECT p.payload FROM audit_events e JOIN payloads p ON p.record_id = e.record_id WHERE e.type = ? "
      "ORDER BY e.seq");
  st.Bind(1, static_cast<int64_t>(auditevent::kMessageRead));
  std::vector<std::string> details;
  while (st.Step()) details.push_back(AuditPayload::Decode(st.Blob(0))->detail);
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0].find("\"head\""), std::string::npos) << details[0];
  EXPECT_NE(details[1].find("\"head\":true"), std::string::npos) << details[1];
}

TEST(MessageRaw, NothingIsServedWhenTheReadCannotBeAudited) {
  Corpus c;
  c.f.archive().Close();  // the writer stops: audit events can no longer commit
  for (const std::string& path : {std::string("/api/v1/messages"), "/api/v1/messages/" + c.report.ToString(),
                                  "/api/v1/messages/" + c.report.ToString() + "/raw"}) {
    ApiResponse r = c.f.Call("GET", path, c.officer);
    EXPECT_EQ(r.status, 503) << path;
    EXPECT_FALSE(static_cast<bool>(r.stream));
    EXPECT_EQ(r.body.find("Quarterly"), std::string::npos);
    EXPECT_EQ(r.body.find("alice"), std::string::npos);
  }
  EXPECT_EQ(c.f.Call("PUT", "/api/v1/messages/" + c.report.ToString() + "/labels/x", c.officer).status, 503);
}

// A checkpoint of the messages log at its current size, signed with `key` as the
// checkpointer would, stored in the archive.
std::string StoreSignedCheckpoint(ApiFixture& f, const Ed25519SigningKey& key, uint64_t* size) {
  auto db = OpenDb(f.dir());
  auto head = ReadLogHead(*db, LogName::kMessages);
  EXPECT_TRUE(head.ok());
  TreeNodeReader nodes(*db, LogName::kMessages);
  Checkpoint cp{f.archive().identity().messages_origin, head->size, *RootAt(nodes, head->size), {}};
  auto note = SignCheckpoint(cp, key);
  EXPECT_TRUE(note.ok());
  EXPECT_TRUE(StoreCheckpoint(*db, {LogName::kMessages, cp.size, cp.root, *note, NowUs()}).ok());
  *size = cp.size;
  return *note;
}

struct ParsedProof {
  std::string leaf;
  uint64_t index = 0;
  std::vector<Hash32> path;
  std::string note;
};

std::optional<ParsedProof> ParseTlogProof(const std::string& text) {
  ParsedProof p;
  size_t at = 0;
  auto line = [&]() -> std::optional<std::string> {
    const size_t nl = text.find('\n', at);
    if (nl == std::string::npos) return std::nullopt;
    std::string l = text.substr(at, nl - at);
    at = nl + 1;
    return l;
  };
  if (line() != "c2sp.org/tlog-proof@v1") return std::nullopt;
  auto extra = line();
  if (!extra || extra->rfind("extra ", 0) != 0) return std::nullopt;
  auto leaf = DecodeCanonicalBase64(extra->substr(6));
  auto index = line();
  if (!leaf || !index || index->rfind("index ", 0) != 0) return std::nullopt;
  p.leaf = *leaf;
  p.index = std::stoull(index->substr(6));
  for (auto l = line(); l && !l->empty(); l = line()) {
    auto h = DecodeCanonicalBase64(*l);
    if (!h || h->size() != 32) return std::nullopt;
    p.path.push_back(Hash32FromBytes(*h));
  }
  p.note = text.substr(at);
  return p;
}

TEST(MessageProof, VerifiesAgainstTheLatestSignedCheckpoint) {
  ApiFixture f(6);
  const std::string officer = f.Token(Role::kOfficer), auditor = f.Token(Role::kAuditor);
  const std::string path0 = "/api/v1/messages/" + f.ids()[0].ToString() + "/proof";
  ApiResponse early = f.Call("GET", path0, auditor);
  EXPECT_EQ(early.status, 503) << "no checkpoint yet: " << early.body;

  auto key = Ed25519SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  uint64_t size = 0;
  StoreSignedCheckpoint(f, *key, &size);
  const std::string origin = f.archive().identity().messages_origin;
  auto pinned = VerifierKey::ForEd25519(origin, key->PublicKey());
  ASSERT_TRUE(pinned.ok());
  f.AddMessage(SampleMessage(99));  // after the checkpoint: not covered yet
  EXPECT_EQ(f.Call("GET", "/api/v1/messages/" + f.ids().back().ToString() + "/proof", officer).status, 503);

  for (size_t i = 0; i < 6; ++i) {
    const size_t reads = f.AuditEvents(auditevent::kMessageRead).size();
    ApiResponse r = f.Call("GET", "/api/v1/messages/" + f.ids()[i].ToString() + "/proof", i % 2 ? officer : auditor);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(f.AuditEvents(auditevent::kMessageRead).size(), reads + 1);
    auto proof = ParseTlogProof(r.body);
    ASSERT_TRUE(proof.has_value()) << r.body;
    auto cp = OpenCheckpoint(proof->note, {*pinned}, origin);
    ASSERT_TRUE(cp.ok()) << cp.status().message();
    EXPECT_EQ(cp->size, size);
    auto leaf = Leaf::Decode(proof->leaf);
    ASSERT_TRUE(leaf.ok());
    EXPECT_EQ(RecordId(leaf->record_id), f.ids()[i]) << "the leaf is this message's";
    EXPECT_EQ(leaf->seq, proof->index);
    const Hash32 leaf_hash = LeafHash(proof->leaf);
    EXPECT_TRUE(VerifyInclusion(proof->index, cp->size, leaf_hash, proof->path, cp->root));
    if (!proof->path.empty()) {
      auto tampered = proof->path;
      tampered[0][0] ^= 1;
      EXPECT_FALSE(VerifyInclusion(proof->index, cp->size, leaf_hash, tampered, cp->root));
    }
    EXPECT_FALSE(VerifyInclusion(proof->index + 1 < cp->size ? proof->index + 1 : 0, cp->size, leaf_hash, proof->path,
                                 cp->root));
  }
  EXPECT_EQ(f.Call("GET", "/api/v1/messages/bad/proof", officer).status, 400);
  EXPECT_EQ(f.Call("GET", "/api/v1/messages/01900000-0000-7000-8000-000000000000/proof", officer).status, 404);
}

TEST(MessageSearch, BadParametersAreNamed400s) {
  Corpus c;
  auto bad = [&](const Params& q, const std::string& name) {
    ApiResponse r = c.Search(q);
    EXPECT_EQ(r.status, 400) << q[0].first << "=" << q[0].second << " -> " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_NE(r.body.find("\"parameter\":\"" + name + "\""), std::string::npos) << r.body;
  };
  for (const char* v : {"0", "501", "-1", "abc", "", "1.5", "10 ", "99999999999999999999"})
    bad({{"limit", v}}, "limit");
  bad({{"nope", "1"}}, "nope");
  bad({{"limit", "5"}, {"limit", "6"}}, "limit");
  for (const char* v : {"yesterday", "2026-13-01T00:00:00Z", "2026-01-01", "", "2026-01-01T00:00:00"})
    bad({{"received_since", v}}, "received_since");
  bad({{"received_since", "2026-02-01T00:00:00Z"}, {"received_before", "2026-01-01T00:00:00Z"}}, "received_since");
  bad({{"min_size", "10"}, {"max_size", "9"}}, "min_size");
  bad({{"min_size", "-1"}}, "min_size");
  bad({{"flags", "nul,unknown"}}, "flags");
  bad({{"flags", "nul,"}}, "flags");
  bad({{"decision", "maybe"}}, "decision");
  bad({{"order", "random"}}, "order");
  bad({{"label", "a b"}}, "label");

  // Injection-shaped text: where the syntax is fixed it is a 400; in free text it is just
  // text that matches nothing, and the service goes on answering.
  const std::vector<std::string> nasty = {"'", "\"", "%", "--", "' OR 1=1 --", "\\", ";"};
  for (const std::string& v : nasty) {
    for (const char* fixed : {"received_since", "received_before", "date_since", "date_before", "min_size", "max_size",
                              "flags", "decision", "order", "limit", "cursor"})
      bad({{fixed, v}}, fixed);
    if (v != "--") bad({{"label", v}}, "label");  // "--" is a well-formed label
    for (const char* text : {"mail_from", "rcpt_to", "from", "to", "cc", "message_id"}) {
      ApiResponse r = c.Search({{text, v}});
      EXPECT_EQ(r.status, 200) << text << "=" << v;
      EXPECT_TRUE(Ids(r).empty()) << text << "=" << v;
    }
  }
  EXPECT_EQ(IdSet(c.Search({{"subject", "'"}})), (std::set<std::string>{})) << "matches literally";
  const std::vector<std::string> invalid = {std::string("a\0b", 3), "\xc0\xaf", "\xe0\x80\xaf", "\xff", "a\x01",
                                            std::string(999, 'a')};
  for (const std::string& v : invalid)
    for (const char* name : {"mail_from", "rcpt_to", "from", "to", "cc", "subject", "message_id", "label", "flags",
                             "cursor", "decision", "order", "received_since"})
      bad({{name, v}}, name);
  EXPECT_EQ(c.Search({}).status, 200) << "still serving";
}

TEST(MessageSearch, SearchesAreAuditedWithTheirParametersAndTheLeavesTheyShow) {
  Corpus c;
  ApiResponse r = c.Search({{"from", "alice@example.com"}, {"limit", "10"}});
  ASSERT_EQ(r.status, 200);
  auto events = c.f.AuditEvents(auditevent::kMessageSearch);
  ASSERT_EQ(events.size(), 1u);
  auto db = OpenDb(c.f.dir());
  Statement st =
      db->Prepare("SELECT p.payload FROM audit_events e JOIN payloads p ON p.record_id = e.record_id WHERE e.type = ?");
  st.Bind(1, static_cast<int64_t>(auditevent::kMessageSearch));
  ASSERT_TRUE(st.Step());
  auto payload = AuditPayload::Decode(st.Blob(0));
  ASSERT_TRUE(payload.ok());
  EXPECT_NE(payload->detail.find("\"from\":\"alice@example.com\""), std::string::npos) << payload->detail;
  EXPECT_NE(payload->detail.find("\"limit\":\"10\""), std::string::npos) << payload->detail;
  EXPECT_NE(payload->detail.find("\"results\":2"), std::string::npos) << payload->detail;
  ASSERT_EQ(payload->targets.size(), 2u);
  std::set<uint64_t> seqs;
  for (const TargetRef& t : payload->targets) seqs.insert(t.seq);
  EXPECT_EQ(seqs, (std::set<uint64_t>{0, 2}));
  EXPECT_NE(payload->actor.find("officer"), std::string::npos);
}

TEST(MessageSearch, ASearchOverItsTimeLimitIsA503WithAHint) {
  ApiFixture f(120);  // enough rows that SQLite's progress handler runs during the scan
  const std::string officer = f.Token(Role::kOfficer);
  ApiLimits limits;
  limits.query_time = std::chrono::milliseconds(0);
  ApiContext ctx(f.archive(), limits);
  Api api(ctx);
  ApiRequest req;
  req.method = "GET";
  req.path = "/api/v1/messages";
  req.query = {{"subject", "no such thing"}};
  req.client_address = "127.0.0.1";
  req.headers["authorization"] = "Bearer " + officer;
  ApiResponse r = api.Handle(req);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("narrow"), std::string::npos);
  EXPECT_TRUE(f.AuditEvents(auditevent::kMessageSearch).empty());
}

TEST(MessageSearch, EveryIndexedFilterIsServedByItsIndex) {
  ApiFixture f(3);
  auto db = OpenDb(f.dir());
  auto plan = [&](const MessageFilter& filter, bool with_position) {
    auto lines = ExplainSearch(*db, filter, with_position);
    EXPECT_TRUE(lines.ok());
    std::string all;
    for (const std::string& l : *lines) all += l + "\n";
    return all;
  };
  auto uses = [&](MessageFilter filter, const std::string& index, bool sorted_by_index) {
    for (bool oldest : {false, true}) {
      for (bool with_position : {false, true}) {
        filter.oldest_first = oldest;
        const std::string p = plan(filter, with_position);
        EXPECT_NE(p.find(index), std::string::npos) << filter.Canonical() << p;
        EXPECT_EQ(p.find("SCAN m\n"), std::string::npos) << "a full scan without an index:\n" << p;
        if (sorted_by_index) {
          EXPECT_EQ(p.find("TEMP B-TREE"), std::string::npos) << "a sort:\n" << p;
        }
      }
    }
  };
  MessageFilter none;
  uses(none, "messages_by_received_seq", true);
  MessageFilter m;
  m.mail_from = "a@b";
  uses(m, "messages_by_mail_from_received", true);
  MessageFilter rcpt;
  rcpt.rcpt_to = "a@b";
  uses(rcpt, "message_addresses_by_address", false);
  MessageFilter to;
  to.to = "a@b";
  to.received_since = 1;
  to.received_before = 2;
  uses(to, "message_addresses_by_address", false);
  MessageFilter id;
  id.message_id = "x@y";
  uses(id, "messages_by_message_id", false);
  MessageFilter label;
  label.label = "case";
  uses(label, "message_labels_by_label", false);
  MessageFilter received;
  received.received_since = 1;
  received.received_before = 2;
  uses(received, "messages_by_received_seq", true);
  MessageFilter date;
  date.date_since = 1;
  date.date_before = 2;
  uses(date, "messages_by_date", false);
  MessageFilter size;
  size.min_size = 1000000;
  size.max_size = 2000000;
  uses(size, "messages_by_size", false);
}

}  // namespace
}  // namespace chainmail::testing
