// The auditor's evidence routes over the in-process API: the audit log listing (every
// filter, items as their payloads say, pages that stay put while events are appended —
// including the audit.read events the paging itself records — and always end), signed
// checkpoints checked with archive/format's note code and the archive's verifier keys
// (kept ones and ones signed on demand for past sizes), consistency proofs checked by
// archive/format's verifier for every pair of sizes, bad input, and nothing served when
// the read cannot be audited.
#include <gtest/gtest.h>

#include <Poco/JSON/Parser.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "archive/checkpoint_store.h"
#include "archive/format/checkpoint.h"
#include "archive/format/merkle_verify.h"
#include "archive/format/payload_tags.h"
#include "archive/format/rfc3339.h"
#include "archive/tree_store.h"
#include "audit/audit_query.h"
#include "tests/service/api/api_test_util.h"

namespace chainmail::testing {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;
using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr ParseObject(const std::string& body) {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<Object::Ptr>();
}

std::string ProblemParameter(const ApiResponse& r) {
  auto o = ParseObject(r.body);
  return o->has("parameter") ? o->getValue<std::string>("parameter") : "";
}

Hash32 TreeRoot(ApiFixture& f, LogName log, uint64_t size) {
  auto db = OpenDb(f.dir());
  TreeNodeReader nodes(*db, log);
  auto root = RootAt(nodes, size);
  EXPECT_TRUE(root.ok());
  return root.ok() ? *root : Hash32{};
}

uint64_t LogSize(ApiFixture& f, LogName log) {
  auto db = OpenDb(f.dir());
  return ReadLogHead(*db, log)->size;
}

const std::string& Origin(ApiFixture& f, LogName log) {
  return log == LogName::kMessages ? f.archive().identity().messages_origin : f.archive().identity().audit_origin;
}

// One page of the listing: (seqs in order, next_cursor or "").
struct Page {
  std::vector<uint64_t> seqs;
  std::string next;
  Array::Ptr events;
};

Page GetPage(ApiFixture& f, const std::string& token, Params q) {
  ApiResponse r = f.Call("GET", "/api/v1/audit/events", token, "", q);
  EXPECT_EQ(r.status, 200) << r.body;
  Page p;
  if (r.status != 200) return p;
  auto o = ParseObject(r.body);
  p.events = o->getArray("events");
  for (size_t i = 0; i < p.events->size(); ++i)
    p.seqs.push_back(p.events->getObject(static_cast<unsigned>(i))->getValue<uint64_t>("seq"));
  if (!o->isNull("next_cursor")) p.next = o->getValue<std::string>("next_cursor");
  return p;
}

// Every seq of a listing, page by page (bounded: a listing that never ends fails).
std::vector<uint64_t> WalkAll(ApiFixture& f, const std::string& token, Params q, const std::function<void()>& between) {
  std::vector<uint64_t> all;
  std::string cursor;
  for (int pages = 0; pages < 1000; ++pages) {
    Params pq = q;
    if (!cursor.empty()) pq.emplace_back("cursor", cursor);
    Page p = GetPage(f, token, pq);
    all.insert(all.end(), p.seqs.begin(), p.seqs.end());
    if (p.next.empty()) return all;
    cursor = p.next;
    if (between) between();
  }
  ADD_FAILURE() << "the listing did not end";
  return all;
}

std::vector<uint64_t> SeqsOfType(ApiFixture& f, uint16_t type) {
  std::vector<uint64_t> out;
  for (const auto& [seq, actor, outcome] : f.AuditEvents(type)) out.push_back(seq);
  return out;
}

TEST(AuditEvents, FilterByTypeActorTimeAndTarget) {
  ApiFixture f(6);
  const std::string auditor = f.Token(Role::kAuditor);
  const std::string admin = f.Token(Role::kAdmin);
  // A few events of known kinds and actors: a token created over REST by the admin.
  ASSERT_EQ(f.Call("POST", "/api/v1/tokens", admin, R"({"name":"ops"})").status, 201);

  Page decisions = GetPage(f, auditor, {{"type", "policy.decision"}, {"order", "oldest"}});
  EXPECT_EQ(decisions.seqs, SeqsOfType(f, auditevent::kPolicyDecision));
  ASSERT_EQ(decisions.seqs.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    auto e = decisions.events->getObject(static_cast<unsigned>(i));
    EXPECT_EQ(e->getValue<std::string>("type"), "policy.decision");
    auto targets = e->getArray("targets");
    ASSERT_EQ(targets->size(), 1u);
    EXPECT_EQ(targets->getObject(0)->getValue<std::string>("log"), "messages");
    EXPECT_EQ(targets->getObject(0)->getValue<std::string>("record_id"), f.ids()[i].ToString());
  }

  // Several types at once; the REST-created token's event names the admin token as actor.
  Page tokens = GetPage(f, auditor, {{"type", "token.create,token.revoke"}, {"order", "oldest"}});
  EXPECT_EQ(tokens.seqs, SeqsOfType(f, auditevent::kTokenCreate));
  const auto last = tokens.events->getObject(static_cast<unsigned>(tokens.seqs.size() - 1));
  const std::string admin_actor = last->getValue<std::string>("actor");
  EXPECT_EQ(last->getValue<std::string>("auth_method"), "token");
  Page by_actor = GetPage(f, auditor, {{"actor", admin_actor}});
  ASSERT_EQ(by_actor.seqs.size(), 1u);
  EXPECT_EQ(by_actor.seqs[0], last->getValue<uint64_t>("seq"));
  EXPECT_TRUE(GetPage(f, auditor, {{"actor", admin_actor + "x"}}).seqs.empty());

  // Target: the message's id and messages:SEQ select its policy decision (and nothing else).
  for (const std::string& target : {f.ids()[3].ToString(), std::string("messages:3")}) {
    Page about = GetPage(f, auditor, {{"target", target}});
    ASSERT_EQ(about.seqs.size(), 1u) << target;
    EXPECT_EQ(about.seqs[0], decisions.seqs[3]);
  }
  // An audit event as target: the record id of the policy decision names nothing.
  EXPECT_TRUE(GetPage(f, auditor, {{"target", "audit:0"}}).seqs.empty());

  // Time: a window from the 3rd to the 5th decision's time holds exactly those.
  const std::string t2 = decisions.events->getObject(2)->getValue<std::string>("time");
  const std::string t4 = decisions.events->getObject(4)->getValue<std::string>("time");
  Page window = GetPage(f, auditor, {{"type", "policy.decision"}, {"from", t2}, {"to", t4}, {"order", "oldest"}});
  EXPECT_EQ(window.seqs, std::vector<uint64_t>(decisions.seqs.begin() + 2, decisions.seqs.begin() + 5));
  Page after = GetPage(f, auditor, {{"type", "policy.decision"}, {"from", t4}});
  EXPECT_EQ(after.seqs, (std::vector<uint64_t>{decisions.seqs[5], decisions.seqs[4]})) << "newest first by default";
}

// A search names every message it listed (one audit_listings row, schema/006): a target
// query finds the search beside the decision, with every listed message among its targets.
TEST(AuditEvents, TargetFindsTheSearchesThatListedTheMessage) {
  ApiFixture f(6);
  const std::string auditor = f.Token(Role::kAuditor);
  const std::string officer = f.Token(Role::kOfficer);
  ASSERT_EQ(f.Call("GET", "/api/v1/messages", officer, "", {{"limit", "50"}}).status, 200);
  ASSERT_EQ(f.Call("GET", "/api/v1/messages", officer, "", {{"mail_from", "nobody@nowhere.test"}}).status, 200);
  const std::vector<uint64_t> searches = SeqsOfType(f, auditevent::kMessageSearch);
  ASSERT_EQ(searches.size(), 2u);
  const std::vector<uint64_t> decisions = SeqsOfType(f, auditevent::kPolicyDecision);
  for (const std::string& target : {f.ids()[3].ToString(), std::string("messages:3")}) {
    Page about = GetPage(f, auditor, {{"target", target}, {"order", "oldest"}});
    EXPECT_EQ(about.seqs, (std::vector<uint64_t>{decisions[3], searches[0]})) << target << ": not the empty search";
    auto listed = about.events->getObject(1)->getArray("targets");
    ASSERT_EQ(listed->size(), 6u);
    for (unsigned i = 0; i < 6; ++i) EXPECT_EQ(listed->getObject(i)->getValue<std::string>("log"), "messages");
  }
}

TEST(AuditEvents, ItemsShowThePayloadAndTheLeaf) {
  ApiFixture f(2);
  const std::string auditor = f.Token(Role::kAuditor);
  ApiResponse first = f.Call("GET", "/api/v1/audit/events", auditor, "", {{"type", "audit.read"}});
  ASSERT_EQ(first.status, 200);
  std::string request_id;
  for (const auto& [name, value] : first.headers)
    if (name == "X-Request-Id") request_id = value;
  // The listing's own audit.read is outside its snapshot; the next listing shows it.
  EXPECT_TRUE(ParseObject(first.body)->getArray("events")->size() <= 1u);
  Page p = GetPage(f, auditor, {{"type", "audit.read"}, {"limit", "1"}});
  ASSERT_EQ(p.seqs.size(), 1u);
  auto e = p.events->getObject(0);
  EXPECT_EQ(e->getValue<std::string>("type"), "audit.read");
  EXPECT_EQ(e->getValue<std::string>("request_id"), request_id);
  EXPECT_EQ(e->getValue<std::string>("source_address"), "127.0.0.1");
  EXPECT_EQ(e->getValue<std::string>("auth_method"), "token");
  EXPECT_EQ(e->getValue<std::string>("outcome"), "ok");
  EXPECT_TRUE(ParseRfc3339(e->getValue<std::string>("time")).has_value());
  EXPECT_TRUE(e->isNull("payload_problem"));
  auto detail = e->getObject("detail");
  ASSERT_FALSE(detail.isNull()) << "detail is JSON, not a string";
  EXPECT_EQ(detail->getValue<std::string>("read"), "audit.events");
  EXPECT_EQ(detail->getObject("filter")->getArray("type")->getElement<std::string>(0), "audit.read");

  auto db = OpenDb(f.dir());
  Statement st = db->Prepare("SELECT leaf_hash, record_id FROM leaves WHERE log = 2 AND seq = ?");
  st.Bind(1, static_cast<int64_t>(p.seqs[0]));
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(e->getValue<std::string>("leaf_hash"), ToHex(st.Blob(0)));
  EXPECT_EQ(e->getValue<std::string>("record_id"), RecordId::FromBytes(st.Blob(1)).ToString());
}

TEST(AuditEvents, PagesStayPutWhileEventsAreAppendedAndEnd) {
  ApiFixture f(10);
  const std::string auditor = f.Token(Role::kAuditor);
  for (const std::string order : {"newest", "oldest"}) {
    const uint64_t snapshot = LogSize(f, LogName::kAudit);
    int added = 0;
    // Between pages: more mail (policy decisions) arrives, and each page adds its audit.read.
    std::vector<uint64_t> seen = WalkAll(f, auditor, {{"limit", "3"}, {"order", order}}, [&] {
      f.AddMessage(SampleMessage(100 + added++));
    });
    EXPECT_GE(added, 3);
    std::vector<uint64_t> expected;
    for (uint64_t s = 0; s < snapshot; ++s) expected.push_back(s);
    if (order == "newest") std::reverse(expected.begin(), expected.end());
    EXPECT_EQ(seen, expected) << order << ": every event of the snapshot once, in order, nothing appended after it";
  }
  // A one-event page cannot chase its own audit.read: the listing ends.
  const uint64_t snapshot = LogSize(f, LogName::kAudit);
  std::vector<uint64_t> ones = WalkAll(f, auditor, {{"limit", "1"}, {"order", "oldest"}}, nullptr);
  EXPECT_EQ(ones.size(), snapshot);
  EXPECT_GE(f.AuditEvents(auditevent::kAuditRead).size(), snapshot) << "every page was audited";
}

TEST(AuditEvents, EveryPageIsAuditedWithItsFilters) {
  ApiFixture f(3);
  const std::string auditor = f.Token(Role::kAuditor);
  const size_t before = f.AuditEvents(auditevent::kAuditRead).size();
  WalkAll(f, auditor, {{"type", "policy.decision"}, {"limit", "2"}}, nullptr);
  auto reads = f.AuditEvents(auditevent::kAuditRead);
  ASSERT_EQ(reads.size(), before + 2) << "3 decisions in pages of 2";
  Page p = GetPage(f, auditor, {{"type", "audit.read"}, {"order", "oldest"}});
  ASSERT_GE(p.seqs.size(), 2u);
  auto second = p.events->getObject(static_cast<unsigned>(p.seqs.size() - 1))->getObject("detail");
  EXPECT_TRUE(second->getValue<bool>("continued"));
  EXPECT_EQ(second->getValue<int>("limit"), 2);
  EXPECT_GT(second->getValue<uint64_t>("snapshot_size"), 0u);
}

TEST(AuditEvents, BadInputIsAClear4xx) {
  ApiFixture f(2);
  const std::string auditor = f.Token(Role::kAuditor);
  const std::string officer = f.Token(Role::kOfficer);
  struct Case {
    Params q;
    int status;
    std::string parameter;
  };
  const std::string other_cursor = [&] {
    Page p = GetPage(f, auditor, {{"limit", "1"}, {"type", "policy.decision"}});
    return p.next;
  }();
  ASSERT_FALSE(other_cursor.empty());
  const std::vector<Case> cases = {
      {{{"type", "message.reed"}}, 400, "type"},
      {{{"type", ""}}, 400, "type"},
      {{{"type", "policy.decision,'; DROP TABLE audit_events; --"}}, 400, "type"},
      {{{"from", "yesterday"}}, 400, "from"},
      {{{"from", "2026-01-02T00:00:00Z"}, {"to", "2026-01-01T00:00:00Z"}}, 400, "from"},
      {{{"target", "42"}}, 400, "target"},
      {{{"target", "mail:1"}}, 400, "target"},
      {{{"target", "messages:-1"}}, 400, "target"},
      {{{"target", "messages:99"}}, 422, "target"},
      {{{"target", RecordId::Generate().ToString()}}, 422, "target"},
      {{{"limit", "0"}}, 400, "limit"},
      {{{"limit", "501"}}, 400, "limit"},
      {{{"limit", "ten"}}, 400, "limit"},
      {{{"order", "up"}}, 400, "order"},
      {{{"cursor", "not a cursor"}}, 400, "cursor"},
      {{{"cursor", "MS4yLjMuNC5hYmNk"}}, 400, "cursor"},
      {{{"cursor", other_cursor}}, 400, "cursor"},
      {{{"cursor", other_cursor}, {"type", "policy.decision"}, {"order", "oldest"}}, 400, "cursor"},
      // Well-formed, with the right fingerprint, but a snapshot the log never reached.
      {{{"cursor", EncodeAuditCursor({UINT64_MAX, {0, 0}, AuditListingFingerprint({}, true)})}}, 400, "cursor"},
      {{{"cursor", EncodeAuditCursor({1000000, {0, 0}, AuditListingFingerprint({}, true)})}}, 400, "cursor"},
      {{{"actor", std::string("a\0b", 3)}}, 400, "actor"},
      {{{"limit", "1"}, {"limit", "2"}}, 400, "limit"},
      {{{"subject", "x"}}, 400, "subject"},
  };
  for (const Case& c : cases) {
    ApiResponse r = f.Call("GET", "/api/v1/audit/events", auditor, "", c.q);
    EXPECT_EQ(r.status, c.status) << c.q[0].first << "=" << c.q[0].second << ": " << r.body;
    EXPECT_EQ(ProblemParameter(r), c.parameter) << r.body;
  }
  // The right cursor with the right filters works.
  EXPECT_EQ(f.Call("GET", "/api/v1/audit/events", auditor, "", {{"cursor", other_cursor}, {"type", "policy.decision"}})
                .status,
            200);
  EXPECT_EQ(f.Call("GET", "/api/v1/audit/events", officer).status, 403);
  EXPECT_EQ(f.Call("GET", "/api/v1/audit/events").status, 401);
}

TEST(AuditQuery, DeadlineCutsTheQueryOffAndLeavesTheConnectionClean) {
  ApiFixture f(40);
  auto db = Database::Open(DatabasePath(f.dir()), Database::Mode::kReadOnly);
  ASSERT_TRUE(db.ok());
  AuditPageRequest page;
  page.snapshot_size = LogSize(f, LogName::kAudit);
  page.limit = 500;
  page.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  AuditFilter filter;
  filter.types = {auditevent::kPolicyDecision, auditevent::kTokenCreate};  // a full sort: many steps
  auto late = QueryAuditEvents(**db, filter, page);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), Status::Code::kLimitExceeded) << late.status().message();
  EXPECT_NE(sqlite3_get_autocommit((*db)->handle()), 0) << "the read transaction ended";
  page.deadline = std::chrono::steady_clock::time_point::max();
  auto fine = QueryAuditEvents(**db, filter, page);
  ASSERT_TRUE(fine.ok()) << fine.status().message();
  EXPECT_EQ(fine->events.size(), 40u);
}

TEST(Checkpoints, LatestIsAKeptNoteThatVerifiesWithTheArchiveKeys) {
  ApiFixture f(5, /*signed_checkpoints=*/true);
  const std::string auditor = f.Token(Role::kAuditor);
  for (LogName log : {LogName::kMessages, LogName::kAudit}) {
    const std::string name = log == LogName::kMessages ? "messages" : "audit";
    std::optional<StoredCheckpoint> kept;
    for (int i = 0; i < 500 && !kept; ++i) {  // the checkpointer signs shortly after commits
      auto db = OpenDb(f.dir());
      kept = *LatestCheckpoint(*db, log);
      if (!kept) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(kept) << name;
    ApiResponse r = f.Call("GET", "/api/v1/checkpoints/" + name + "/latest", auditor);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
    auto cp = OpenCheckpoint(r.body, f.keys(), Origin(f, log));
    ASSERT_TRUE(cp.ok()) << cp.status().message() << "\n" << r.body;
    EXPECT_GE(cp->size, kept->size);
    EXPECT_EQ(cp->root, TreeRoot(f, log, cp->size));
    if (cp->size == kept->size) {
      EXPECT_EQ(r.body, kept->note) << "served exactly as stored";
    }
    // Pinned keys of another log or another key do not open it.
    auto other = Ed25519SigningKey::Generate();
    EXPECT_FALSE(OpenCheckpoint(r.body, {*VerifierKey::ForEd25519(Origin(f, log), other->PublicKey())},
                                Origin(f, log)).ok());
  }
}

TEST(Checkpoints, AnyPastSizeIsSignedOnDemand) {
  ApiFixture f(8, /*signed_checkpoints=*/true);
  const std::string auditor = f.Token(Role::kAuditor);
  for (LogName log : {LogName::kMessages, LogName::kAudit}) {
    const std::string name = log == LogName::kMessages ? "messages" : "audit";
    const uint64_t size = LogSize(f, log);
    std::map<uint64_t, std::string> kept;  // size -> note, as stored before the requests
    {
      auto db = OpenDb(f.dir());
      auto list = ListCheckpoints(*db, log);
      ASSERT_TRUE(list.ok());
      for (const auto& c : *list) kept[c.size] = c.note;
    }
    int on_demand = 0;
    for (uint64_t n = 1; n <= size; ++n) {
      ApiResponse r = f.Call("GET", "/api/v1/checkpoints/" + name, auditor, "", {{"size", std::to_string(n)}});
      ASSERT_EQ(r.status, 200) << name << " " << n << ": " << r.body;
      auto cp = OpenCheckpoint(r.body, f.keys(), Origin(f, log));
      ASSERT_TRUE(cp.ok()) << cp.status().message();
      EXPECT_EQ(cp->size, n);
      EXPECT_EQ(cp->root, TreeRoot(f, log, n)) << name << " " << n;
      std::string how;
      for (const auto& [h, v] : r.headers)
        if (h == "Chainmail-Checkpoint") how = v;
      // The checkpointer may keep one at the newest size meanwhile: the same bytes (Ed25519 is deterministic).
      if (kept.count(n)) {
        EXPECT_EQ(how, "kept") << name << " " << n;
        EXPECT_EQ(r.body, kept[n]) << "served exactly as stored";
      } else {
        EXPECT_TRUE(how == "signed-on-demand" || (how == "kept" && n == size)) << name << " " << n << ": " << how;
        on_demand += how == "signed-on-demand";
      }
      // Signing is deterministic: asking again gives the same bytes.
      EXPECT_EQ(f.Call("GET", "/api/v1/checkpoints/" + name, auditor, "", {{"size", std::to_string(n)}}).body, r.body);
    }
    EXPECT_GT(on_demand, 0) << name << ": some sizes had no kept checkpoint";
  }
}

TEST(Checkpoints, BadSizesAndLogs) {
  ApiFixture f(3, /*signed_checkpoints=*/true);
  const std::string auditor = f.Token(Role::kAuditor);
  const uint64_t size = LogSize(f, LogName::kMessages);
  auto get = [&](const std::string& path, Params q) { return f.Call("GET", path, auditor, "", q); };
  EXPECT_EQ(get("/api/v1/checkpoints/messages", {{"size", "0"}}).status, 400);
  EXPECT_EQ(ProblemParameter(get("/api/v1/checkpoints/messages", {{"size", "0"}})), "size");
  EXPECT_EQ(get("/api/v1/checkpoints/messages", {{"size", "-1"}}).status, 400);
  EXPECT_EQ(get("/api/v1/checkpoints/messages", {{"size", "1e3"}}).status, 400);
  EXPECT_EQ(get("/api/v1/checkpoints/messages", {{"size", "99999999999999999999"}}).status, 400);
  EXPECT_EQ(get("/api/v1/checkpoints/messages", {}).status, 400);
  EXPECT_EQ(get("/api/v1/checkpoints/messages", {{"size", std::to_string(size + 1)}}).status, 404);
  EXPECT_EQ(get("/api/v1/checkpoints/messages", {{"size", std::to_string(size)}}).status, 200);
  EXPECT_EQ(get("/api/v1/checkpoints/mail", {{"size", "1"}}).status, 404);
  EXPECT_EQ(get("/api/v1/checkpoints/..%2Fmessages/latest", {}).status, 404);
  EXPECT_EQ(get("/api/v1/checkpoints/messages/latest", {{"size", "1"}}).status, 400);
  EXPECT_EQ(f.Call("GET", "/api/v1/checkpoints/messages/latest", f.Token(Role::kOfficer)).status, 403);
  EXPECT_EQ(f.Call("POST", "/api/v1/checkpoints/messages/latest", auditor).status, 405);

  ApiFixture empty(0, /*signed_checkpoints=*/true);
  const std::string a2 = empty.Token(Role::kAuditor);
  EXPECT_EQ(empty.Call("GET", "/api/v1/checkpoints/messages/latest", a2).status, 404) << "the empty log";
  EXPECT_EQ(empty.Call("GET", "/api/v1/checkpoints/messages", a2, "", {{"size", "1"}}).status, 404);
}

// The proof as chainmail-verify consistency takes it: comma-separated hex.
std::vector<Hash32> ProofHashes(const std::string& text) {
  std::vector<Hash32> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    auto h = Hash32FromHex(text.substr(start, comma - start));
    EXPECT_TRUE(h.has_value()) << text;
    if (h) out.push_back(*h);
    start = comma + 1;
  }
  return out;
}

TEST(Consistency, ProofsVerifyAgainstSignedCheckpointsForEveryPair) {
  ApiFixture f(13, /*signed_checkpoints=*/true);
  const std::string auditor = f.Token(Role::kAuditor);
  const uint64_t size = LogSize(f, LogName::kMessages);
  ASSERT_EQ(size, 13u);
  // The roots come from signed checkpoints, opened with the pinned keys — not from the proof response.
  std::vector<Hash32> roots(size + 1);
  for (uint64_t n = 1; n <= size; ++n) {
    ApiResponse r = f.Call("GET", "/api/v1/checkpoints/messages", auditor, "", {{"size", std::to_string(n)}});
    auto cp = OpenCheckpoint(r.body, f.keys(), Origin(f, LogName::kMessages));
    ASSERT_TRUE(cp.ok());
    roots[n] = cp->root;
  }
  int checked = 0;
  for (uint64_t m = 1; m <= size; ++m) {
    for (uint64_t n = m; n <= size; ++n) {
      ApiResponse r = f.Call("GET", "/api/v1/logs/messages/consistency", auditor, "",
                             {{"from", std::to_string(m)}, {"to", std::to_string(n)}});
      ASSERT_EQ(r.status, 200) << m << " " << n << ": " << r.body;
      auto o = ParseObject(r.body);
      EXPECT_EQ(o->getValue<uint64_t>("size1"), m);
      EXPECT_EQ(o->getValue<uint64_t>("size2"), n);
      EXPECT_EQ(o->getValue<std::string>("root1"), ToHex(roots[m]));
      EXPECT_EQ(o->getValue<std::string>("root2"), ToHex(roots[n]));
      std::vector<Hash32> proof = ProofHashes(o->getValue<std::string>("proof"));
      EXPECT_TRUE(VerifyConsistency(m, n, roots[m], roots[n], proof)) << m << " " << n;
      if (m == n) {
        EXPECT_TRUE(proof.empty());
      }
      if (!proof.empty()) {
        proof.back()[7] ^= 0x01;
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], proof)) << "a flipped bit fails";
        proof.pop_back();
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], proof)) << "a missing hash fails";
      }
      if (m < n) {
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n - 1], ProofHashes(o->getValue<std::string>("proof"))))
            << "another root fails";
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 13 * 14 / 2);
  // The audit log too (it grows with every request above: the proof is of its state then).
  ApiResponse r = f.Call("GET", "/api/v1/logs/audit/consistency", auditor, "", {{"from", "3"}, {"to", "40"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = ParseObject(r.body);
  EXPECT_EQ(o->getValue<std::string>("origin"), Origin(f, LogName::kAudit));
  EXPECT_TRUE(VerifyConsistency(3, 40, TreeRoot(f, LogName::kAudit, 3), TreeRoot(f, LogName::kAudit, 40),
                                ProofHashes(o->getValue<std::string>("proof"))));
}

TEST(Consistency, EdgeRulesAreClear4xx) {
  ApiFixture f(4, /*signed_checkpoints=*/true);
  const std::string auditor = f.Token(Role::kAuditor);
  auto get = [&](Params q) { return f.Call("GET", "/api/v1/logs/messages/consistency", auditor, "", q); };
  EXPECT_EQ(ProblemParameter(get({{"from", "0"}, {"to", "0"}})), "from") << "size1 = 0 is invalid even with size2 = 0";
  EXPECT_EQ(get({{"from", "0"}, {"to", "3"}}).status, 400);
  EXPECT_EQ(get({{"from", "3"}, {"to", "2"}}).status, 400);
  EXPECT_EQ(ProblemParameter(get({{"from", "3"}, {"to", "2"}})), "to");
  EXPECT_EQ(get({{"to", "2"}}).status, 400);
  EXPECT_EQ(get({{"from", "2"}}).status, 400);
  EXPECT_EQ(get({{"from", "1"}, {"to", "5"}}).status, 404);
  EXPECT_EQ(get({{"from", "x"}, {"to", "2"}}).status, 400);
  EXPECT_EQ(get({{"from", "1"}, {"to", "2"}, {"proof", "1"}}).status, 400);
  ApiResponse same = get({{"from", "4"}, {"to", "4"}});
  ASSERT_EQ(same.status, 200);
  auto o = ParseObject(same.body);
  EXPECT_EQ(o->getValue<std::string>("proof"), "");
  EXPECT_EQ(o->getValue<std::string>("root1"), o->getValue<std::string>("root2"));
  EXPECT_EQ(f.Call("GET", "/api/v1/logs/other/consistency", auditor, "", {{"from", "1"}, {"to", "1"}}).status, 404);
}

TEST(AuditorRoutes, NothingIsServedWhenTheReadCannotBeAudited) {
  ApiFixture f(3, /*signed_checkpoints=*/true);
  const std::string auditor = f.Token(Role::kAuditor);
  const size_t reads = f.AuditEvents(auditevent::kAuditRead).size();
  f.archive().Close();  // the writer stops: audit events can no longer commit
  const std::vector<std::pair<std::string, Params>> calls = {
      {"/api/v1/audit/events", {}},
      {"/api/v1/checkpoints/messages/latest", {}},
      {"/api/v1/checkpoints/messages", {{"size", "2"}}},
      {"/api/v1/logs/messages/consistency", {{"from", "1"}, {"to", "3"}}},
  };
  for (const auto& [path, q] : calls) {
    ApiResponse r = f.Call("GET", path, auditor, "", q);
    EXPECT_EQ(r.status, 503) << path << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json") << path;
    EXPECT_EQ(r.body.find("test.example"), std::string::npos) << "no note text in " << path;
  }
  EXPECT_EQ(f.AuditEvents(auditevent::kAuditRead).size(), reads);
}

}  // namespace
}  // namespace chainmail::testing
