// Export and verification jobs: the JobRunner's limits, ownership, expiry and shutdown
// with jobs that block on command; then over the in-process API, an officer's message
// export and an auditor's audit export from 202 to a downloaded bundle that
// archive/format's bundle verifier finds valid (and the export and download events), who
// may export and see what, the queue's 409/429/503, a failing export, and verification
// jobs on a clean archive and on one with a flipped blob byte.
#include <gtest/gtest.h>

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "archive/format/bundle_verifier.h"
#include "archive/format/payload_tags.h"
#include "archive/format/sha256.h"
#include "service/api/export_jobs.h"
#include "service/api/jobs.h"
#include "tests/service/api/api_test_util.h"

namespace chainmail::testing {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr ParseObject(const std::string& body) {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<Object::Ptr>();
}

std::string HeaderOf(const ApiResponse& r, const std::string& name) {
  for (const auto& [h, v] : r.headers)
    if (h == name) return v;
  return "";
}

std::string ProblemParameter(const ApiResponse& r) {
  auto o = ParseObject(r.body);
  return o->has("parameter") ? o->getValue<std::string>("parameter") : "";
}

// A job that runs until released, for holding the worker busy.
class BlockingJob : public Job {
 public:
  explicit BlockingJob(std::string owner, std::atomic<int>* discarded = nullptr)
      : Job("test", std::move(owner)), discarded_(discarded) {}
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  void WaitStarted() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return started_; });
  }

 protected:
  Status Run() override {
    std::unique_lock<std::mutex> lock(mu_);
    started_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
    return Status::Ok();
  }
  void Describe(JsonWriter&) const override {}
  void Discard() override {
    if (discarded_) ++*discarded_;
  }

 private:
  std::atomic<int>* discarded_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false, released_ = false;
};

void WaitFinished(const Job& job) {
  for (int i = 0; i < 3000 && (job.state() == JobState::kQueued || job.state() == JobState::kRunning); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

TEST(JobRunner, QueueAndPerOwnerLimits) {
  JobRunner runner({/*max_queued=*/2, /*max_active_per_owner=*/2, /*max_finished=*/32, std::chrono::seconds(3600)});
  auto blocker = std::make_shared<BlockingJob>("b");
  ASSERT_TRUE(runner.Submit(blocker).ok());
  blocker->WaitStarted();
  auto a1 = std::make_shared<BlockingJob>("a"), a2 = std::make_shared<BlockingJob>("a"),
       a3 = std::make_shared<BlockingJob>("a"), c1 = std::make_shared<BlockingJob>("c");
  ASSERT_TRUE(runner.Submit(a1).ok());
  ASSERT_TRUE(runner.Submit(a2).ok());
  EXPECT_EQ(runner.Submit(a3).code(), Status::Code::kLimitExceeded) << "owner a has 2 unfinished";
  EXPECT_EQ(runner.Submit(c1).code(), Status::Code::kUnavailable) << "2 are waiting: the queue is full";
  EXPECT_EQ(a1->state(), JobState::kQueued);
  EXPECT_EQ(blocker->state(), JobState::kRunning);
  for (auto* j : {blocker.get(), a1.get(), a2.get()}) j->Release();
  WaitFinished(*a2);
  EXPECT_EQ(a2->state(), JobState::kDone);
  EXPECT_TRUE(runner.Submit(a3).ok()) << "room again";
  a3->Release();
  WaitFinished(*a3);
}

TEST(JobRunner, OnlyTheOwnerFindsAJob) {
  JobRunner runner;
  auto job = std::make_shared<BlockingJob>("owner");
  ASSERT_TRUE(runner.Submit(job).ok());
  EXPECT_EQ(runner.Find(job->id(), "owner"), job);
  EXPECT_EQ(runner.Find(job->id(), "someone else"), nullptr);
  EXPECT_EQ(runner.Find("no-such-id", "owner"), nullptr);
  job->Release();
  WaitFinished(*job);
}

TEST(JobRunner, FinishedJobsAreForgottenAndTheirFilesDiscarded) {
  std::atomic<int> discarded{0};
  JobRunner runner({8, 2, /*max_finished=*/1, std::chrono::seconds(3600)});
  auto first = std::make_shared<BlockingJob>("o", &discarded), second = std::make_shared<BlockingJob>("o", &discarded);
  first->Release();
  second->Release();
  ASSERT_TRUE(runner.Submit(first).ok());
  WaitFinished(*first);
  ASSERT_TRUE(runner.Submit(second).ok());
  WaitFinished(*second);
  EXPECT_EQ(runner.Find(first->id(), "o"), nullptr) << "only the newest finished job is kept";
  EXPECT_EQ(runner.Find(second->id(), "o"), second);
  EXPECT_EQ(discarded.load(), 1);

  JobRunner quick({8, 2, 32, std::chrono::seconds(0)});
  auto done = std::make_shared<BlockingJob>("o", &discarded);
  done->Release();
  ASSERT_TRUE(quick.Submit(done).ok());
  WaitFinished(*done);
  EXPECT_EQ(quick.Find(done->id(), "o"), nullptr) << "kept for 0 s";
  EXPECT_EQ(discarded.load(), 2);
}

// A finished job that keeps `bytes` on disk (as an export keeps its bundle).
class SizedJob : public Job {
 public:
  SizedJob(std::string owner, uint64_t bytes, std::atomic<int>* discarded)
      : Job("test", std::move(owner)), bytes_(bytes), discarded_(discarded) {}

 protected:
  Status Run() override { return Status::Ok(); }
  void Describe(JsonWriter&) const override {}
  void Discard() override { ++*discarded_; }
  uint64_t DiskBytes() const override { return bytes_; }

 private:
  const uint64_t bytes_;
  std::atomic<int>* discarded_;
};

TEST(JobRunner, FinishedJobsKeepNoMoreThanTheirDiskAllowance) {
  std::atomic<int> discarded{0};
  JobRunner runner({8, 2, /*max_finished=*/32, std::chrono::seconds(3600), /*max_finished_bytes=*/250});
  std::vector<std::shared_ptr<SizedJob>> jobs;
  for (int i = 0; i < 3; ++i) {
    jobs.push_back(std::make_shared<SizedJob>("o", 100, &discarded));
    ASSERT_TRUE(runner.Submit(jobs.back()).ok());
    WaitFinished(*jobs.back());
  }
  EXPECT_EQ(runner.Find(jobs[0]->id(), "o"), nullptr) << "300 bytes kept would exceed 250: the oldest goes";
  EXPECT_EQ(runner.Find(jobs[1]->id(), "o"), jobs[1]);
  EXPECT_EQ(runner.Find(jobs[2]->id(), "o"), jobs[2]);
  EXPECT_EQ(discarded.load(), 1);
}

TEST(JobRunner, AnIdleRunnerStillForgetsExpiredJobs) {
  std::atomic<int> discarded{0};
  JobRunner runner({8, 2, 32, std::chrono::seconds(0), 1u << 30, /*sweep_every=*/std::chrono::milliseconds(20)});
  auto job = std::make_shared<SizedJob>("o", 100, &discarded);
  ASSERT_TRUE(runner.Submit(job).ok());
  WaitFinished(*job);
  // No Submit or Find from here on: only the worker's sweep can discard the job's files.
  for (int i = 0; i < 400 && discarded.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(discarded.load(), 1);
}

TEST(JobRunner, RefusedAcceptQueuesNothingAndStoppingFailsQueuedJobs) {
  auto blocker = std::make_shared<BlockingJob>("b");
  auto queued = std::make_shared<BlockingJob>("q");
  std::thread release;
  {
    JobRunner runner;
    ASSERT_TRUE(runner.Submit(blocker).ok());
    blocker->WaitStarted();
    auto refused = std::make_shared<BlockingJob>("r");
    EXPECT_EQ(runner.Submit(refused, [] { return Status::Unavailable("cannot audit"); }).code(),
              Status::Code::kUnavailable);
    EXPECT_EQ(runner.Find(refused->id(), "r"), nullptr);
    bool accepted = false;
    ASSERT_TRUE(runner.Submit(queued, [&] {
      accepted = true;
      return Status::Ok();
    }).ok());
    EXPECT_TRUE(accepted);
    release = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      blocker->Release();
    });
  }  // the destructor waits for the blocker and fails the queued job
  release.join();
  EXPECT_EQ(blocker->state(), JobState::kDone);
  EXPECT_EQ(queued->state(), JobState::kFailed);
  EXPECT_NE(queued->error().find("stopped"), std::string::npos);
}

// ---- over the API ----

Object::Ptr WaitDone(ApiFixture& f, const std::string& token, const std::string& location) {
  Object::Ptr o;
  for (int i = 0; i < 6000; ++i) {
    ApiResponse r = f.Call("GET", location, token);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return nullptr;
    o = ParseObject(r.body);
    const std::string state = o->getValue<std::string>("state");
    if (state == "done" || state == "failed") return o;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "job did not finish: " << location;
  return o;
}

// POSTs `body` to `path`; returns the job's location after checking the 202.
std::string Start(ApiFixture& f, const std::string& path, const std::string& token, const std::string& body) {
  ApiResponse r = f.Call("POST", path, token, body);
  EXPECT_EQ(r.status, 202) << r.body;
  if (r.status != 202) return "";
  auto o = ParseObject(r.body);
  const std::string location = HeaderOf(r, "Location");
  EXPECT_EQ(location, path + "/" + o->getValue<std::string>("id"));
  const std::string state = o->getValue<std::string>("state");
  EXPECT_TRUE(state == "queued" || state == "running" || state == "done") << state;
  return location;
}

std::string Download(ApiFixture& f, const std::string& token, const std::string& location, ApiResponse* out = nullptr) {
  ApiResponse r = f.Call("GET", location + "/bundle", token);
  EXPECT_EQ(r.status, 200) << r.body;
  if (out) *out = r;
  return r.status == 200 ? ApiFixture::Body(r) : "";
}

std::string Lines(const BundleReport& report) {
  std::string out;
  for (const auto& item : report.items) out += BundleReport::Line(item) + "\n";
  return out;
}

std::vector<std::string> KeyTexts(const ApiFixture& f) {
  std::vector<std::string> out;
  for (const VerifierKey& k : f.keys()) out.push_back(k.ToString());
  return out;
}

TEST(Exports, OfficerExportsMessagesToABundleThatVerifies) {
  ApiFixture f(6, /*signed_checkpoints=*/true);
  const std::string officer = f.Token(Role::kOfficer), auditor = f.Token(Role::kAuditor);
  const std::string location = Start(f, "/api/v1/exports", officer, R"({"messages":"all"})");
  ASSERT_FALSE(location.empty());
  auto job = WaitDone(f, officer, location);
  ASSERT_TRUE(job);
  ASSERT_EQ(job->getValue<std::string>("state"), "done") << job->getValue<std::string>("error");
  EXPECT_EQ(job->getValue<std::string>("kind"), "export");
  EXPECT_EQ(job->getObject("request")->getValue<std::string>("messages"), "all");
  auto progress = job->getObject("progress");
  EXPECT_EQ(progress->getValue<uint64_t>("done"), 6u);
  EXPECT_EQ(progress->getValue<uint64_t>("total"), 6u);
  auto bundle = job->getObject("bundle");
  EXPECT_EQ(bundle->getValue<uint64_t>("records"), 6u);
  EXPECT_EQ(bundle->getValue<std::string>("href"), location + "/bundle");

  ApiResponse r;
  const std::string tar = Download(f, officer, location, &r);
  EXPECT_EQ(r.content_type, "application/x-tar");
  EXPECT_EQ(HeaderOf(r, "Content-Disposition"),
            "attachment; filename=\"chainmail-export-" + job->getValue<std::string>("id") + ".tar\"");
  EXPECT_EQ(HeaderOf(r, "ETag"), "\"" + bundle->getValue<std::string>("sha256") + "\"");
  EXPECT_EQ(tar.size(), bundle->getValue<uint64_t>("size"));
  EXPECT_EQ(ToHex(Sha256::Of(tar)), bundle->getValue<std::string>("sha256"));
  BundleReport report = VerifyBundle(tar, f.keys(), {});
  EXPECT_TRUE(report.ok());
  for (const auto& item : report.items)
    EXPECT_EQ(item.verdict, BundleItem::Verdict::kValid) << BundleReport::Line(item);
  size_t emls = 0;
  for (const RecordId& id : f.ids()) emls += tar.find("eml/" + id.ToString() + ".eml") != std::string::npos;
  EXPECT_EQ(emls, 6u);

  // The export and the download are both in the audit log, with the manifest's hash.
  ApiResponse listed = f.Call("GET", "/api/v1/audit/events", auditor, "", {{"type", "message.export"}, {"order", "oldest"}});
  auto events = ParseObject(listed.body)->getArray("events");
  ASSERT_EQ(events->size(), 2u) << listed.body;
  auto built = events->getObject(0)->getObject("detail");
  auto fetched = events->getObject(1)->getObject("detail");
  EXPECT_EQ(built->getValue<std::string>("manifest_sha256"), bundle->getValue<std::string>("manifest_sha256"));
  EXPECT_EQ(fetched->getValue<std::string>("action"), "download");
  EXPECT_EQ(fetched->getValue<std::string>("job"), job->getValue<std::string>("id"));
  EXPECT_EQ(events->getObject(1)->getValue<std::string>("actor"), events->getObject(0)->getValue<std::string>("actor"));

  // The bundle file is the job's: gone with the context (jobs do not survive a restart).
  const std::string file = ExportDir(f.dir()) + "/" + job->getValue<std::string>("id") + ".tar";
  EXPECT_TRUE(std::ifstream(file).good());
}

TEST(Exports, ListedMessagesWithAHeldCheckpoint) {
  ApiFixture f(6, /*signed_checkpoints=*/true);
  const std::string officer = f.Token(Role::kOfficer), auditor = f.Token(Role::kAuditor);
  ApiResponse held = f.Call("GET", "/api/v1/checkpoints/messages", auditor, "", {{"size", "3"}});
  ASSERT_EQ(held.status, 200);
  Object body;
  Array::Ptr ids = new Array;
  ids->add(f.ids()[1].ToString());
  ids->add(f.ids()[4].ToString());
  ids->add(f.ids()[1].ToString());  // listed twice: exported once
  Array::Ptr notes = new Array;
  notes->add(held.body);
  body.set("messages", ids);
  body.set("known_checkpoints", notes);
  std::ostringstream text;
  body.stringify(text);
  const std::string location = Start(f, "/api/v1/exports", officer, text.str());
  auto job = WaitDone(f, officer, location);
  ASSERT_EQ(job->getValue<std::string>("state"), "done") << job->getValue<std::string>("error");
  EXPECT_EQ(job->getObject("request")->getValue<int>("message_ids"), 2);
  EXPECT_EQ(job->getObject("request")->getValue<int>("known_checkpoints"), 1);
  const std::string tar = Download(f, officer, location);
  BundleReport report = VerifyBundle(tar, f.keys(), {held.body});
  EXPECT_TRUE(report.ok()) << Lines(report);
  EXPECT_EQ(report.Count(BundleItem::Verdict::kNotChecked), 0u) << "the held checkpoint is proven";
  EXPECT_NE(tar.find("eml/" + f.ids()[4].ToString()), std::string::npos);
  EXPECT_EQ(tar.find("eml/" + f.ids()[2].ToString()), std::string::npos) << "not listed, not exported";
}

TEST(Exports, AuditorExportsTheAuditLog) {
  ApiFixture f(3, /*signed_checkpoints=*/true);
  const std::string auditor = f.Token(Role::kAuditor);
  const std::string location = Start(f, "/api/v1/exports", auditor, R"({"audit":true})");
  auto job = WaitDone(f, auditor, location);
  ASSERT_EQ(job->getValue<std::string>("state"), "done") << job->getValue<std::string>("error");
  const std::string tar = Download(f, auditor, location);
  BundleReport report = VerifyBundle(tar, f.keys(), {});
  EXPECT_TRUE(report.ok()) << Lines(report);
  EXPECT_NE(tar.find("audit.jsonl"), std::string::npos);
  EXPECT_EQ(tar.find("eml/"), std::string::npos) << "no message content for an auditor";
  EXPECT_EQ(f.AuditEvents(auditevent::kAuditExport).size(), 2u) << "the export, then the download";
}

TEST(Exports, WhoMayExportAndSeeWhat) {
  ApiFixture f(2, /*signed_checkpoints=*/true);
  const std::string officer = f.Token(Role::kOfficer), officer2 = f.Token(Role::kOfficer);
  const std::string auditor = f.Token(Role::kAuditor), admin = f.Token(Role::kAdmin);
  EXPECT_EQ(f.Call("POST", "/api/v1/exports", officer, R"({"messages":"all","audit":true})").status, 403);
  EXPECT_EQ(f.Call("POST", "/api/v1/exports", officer, R"({"audit":true})").status, 403);
  EXPECT_EQ(f.Call("POST", "/api/v1/exports", auditor, R"({"messages":"all"})").status, 403);
  EXPECT_EQ(f.Call("POST", "/api/v1/exports", auditor, R"({"audit":true,"messages":"all"})").status, 403);
  EXPECT_EQ(f.Call("POST", "/api/v1/exports", admin, R"({"messages":"all"})").status, 403);
  EXPECT_EQ(f.Call("POST", "/api/v1/verify", officer).status, 403);

  const std::string mine = Start(f, "/api/v1/exports", officer, R"({"messages":"all"})");
  WaitDone(f, officer, mine);
  const std::string verify = Start(f, "/api/v1/verify", auditor, "");
  WaitDone(f, auditor, verify);
  for (const std::string& other : {officer2, auditor}) {
    EXPECT_EQ(f.Call("GET", mine, other).status, 404) << "another token does not see the job";
    EXPECT_EQ(f.Call("GET", mine + "/bundle", other).status, 404);
  }
  EXPECT_EQ(f.Call("GET", mine, admin).status, 403);
  const std::string verify_id = verify.substr(verify.rfind('/') + 1);
  const std::string export_id = mine.substr(mine.rfind('/') + 1);
  EXPECT_EQ(f.Call("GET", "/api/v1/exports/" + verify_id, auditor).status, 404) << "a verify job is no export";
  EXPECT_EQ(f.Call("GET", "/api/v1/verify/" + export_id, auditor).status, 404);
  EXPECT_EQ(f.Call("GET", "/api/v1/exports/../../etc/passwd", officer).status, 404);
  EXPECT_EQ(f.Call("GET", "/api/v1/exports/" + RecordId::Generate().ToString(), officer).status, 404);
}

TEST(Exports, BadRequestsAreClear4xx) {
  ApiFixture f(3, /*signed_checkpoints=*/true);
  const std::string officer = f.Token(Role::kOfficer), auditor = f.Token(Role::kAuditor);
  ApiResponse audit_note = f.Call("GET", "/api/v1/checkpoints/audit", auditor, "", {{"size", "1"}});
  ASSERT_EQ(audit_note.status, 200);
  auto note_json = [](const std::string& note) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(note, out);
    return out.str();
  };
  struct Case {
    std::string body;
    int status;
    std::string parameter;
  };
  std::string many = R"({"messages":[)";
  for (int i = 0; i < 10001; ++i) many += std::string(i ? "," : "") + "\"" + RecordId::Generate().ToString() + "\"";
  many += "]}";
  const std::vector<Case> cases = {
      {"", 400, ""},
      {"{", 400, ""},
      {"[]", 400, ""},
      {R"({"messages":"all","format":"zip"})", 400, "format"},
      // Which of two members of one name counts is a parser's choice: refused, not guessed.
      {R"({"messages":[],"messages":"all"})", 400, "messages"},
      {R"({"messages":"all","audit":false,"audit":true})", 400, "audit"},
      {R"({})", 400, "messages"},
      {R"({"messages":"some"})", 400, "messages"},
      {R"({"messages":7})", 400, "messages"},
      {R"({"messages":[]})", 400, "messages"},
      {R"({"messages":["not-an-id"]})", 400, "messages"},
      {R"({"messages":[7]})", 400, "messages"},
      {R"({"messages":["')--"]})", 400, "messages"},
      {many, 400, "messages"},
      {R"({"messages":[")" + RecordId::Generate().ToString() + R"("]})", 422, "messages"},
      {R"({"messages":"all","from":"last week"})", 400, "from"},
      {R"({"messages":"all","to":5})", 400, "to"},
      {R"({"messages":"all","from":"2026-02-01T00:00:00Z","to":"2026-01-01T00:00:00Z"})", 400, "from"},
      {R"({"messages":"all","from":"2001-01-01T00:00:00Z","to":"2001-01-02T00:00:00Z"})", 422, "from"},
      {R"({"messages":"all","audit":"yes"})", 400, "audit"},
      {R"({"messages":"all","known_checkpoints":"x"})", 400, "known_checkpoints"},
      {R"({"messages":"all","known_checkpoints":[1]})", 400, "known_checkpoints"},
      {R"({"messages":"all","known_checkpoints":["not a note"]})", 400, "known_checkpoints"},
      {R"({"messages":"all","known_checkpoints":[)" + note_json(audit_note.body) + "]}", 422, "known_checkpoints"},
  };
  for (const Case& c : cases) {
    ApiResponse r = f.Call("POST", "/api/v1/exports", officer, c.body);
    EXPECT_EQ(r.status, c.status) << c.body.substr(0, 120) << ": " << r.body;
    EXPECT_EQ(ProblemParameter(r), c.parameter) << c.body.substr(0, 120) << ": " << r.body;
  }
  EXPECT_EQ(f.Call("POST", "/api/v1/exports", auditor, R"({"audit":false})").status, 400);
  EXPECT_EQ(f.Call("POST", "/api/v1/exports", officer, R"({"messages":"all"})").status, 202);
  ApiRequest wrong_type;
  wrong_type.method = "POST";
  wrong_type.path = "/api/v1/exports";
  wrong_type.client_address = "127.0.0.1";
  wrong_type.headers["authorization"] = "Bearer " + officer;
  wrong_type.headers["content-type"] = "text/plain";
  wrong_type.body = R"({"messages":"all"})";
  EXPECT_EQ(f.api().Handle(wrong_type).status, 415);
  EXPECT_EQ(f.Call("POST", "/api/v1/exports", officer, R"({"messages":"all"})", {{"async", "no"}}).status, 400);
}

TEST(Exports, BusyQueueGives409ThenLimits) {
  ApiFixture f(2, /*signed_checkpoints=*/true);
  std::vector<std::string> officers;
  for (int i = 0; i < 5; ++i) officers.push_back(f.Token(Role::kOfficer));
  auto blocker = std::make_shared<BlockingJob>("the test");
  ASSERT_TRUE(f.context().jobs().Submit(blocker).ok());
  blocker->WaitStarted();
  const std::string queued = Start(f, "/api/v1/exports", officers[0], R"({"messages":"all"})");
  ApiResponse early = f.Call("GET", queued + "/bundle", officers[0]);
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_NE(early.body.find("queued"), std::string::npos);
  Start(f, "/api/v1/exports", officers[0], R"({"messages":"all"})");
  ApiResponse third = f.Call("POST", "/api/v1/exports", officers[0], R"({"messages":"all"})");
  EXPECT_EQ(third.status, 429) << "two unfinished jobs per token";
  EXPECT_FALSE(HeaderOf(third, "Retry-After").empty());
  int accepted = 2;
  for (int i = 1; i < 5; ++i)
    for (int j = 0; j < 2; ++j) accepted += f.Call("POST", "/api/v1/exports", officers[i], R"({"messages":"all"})").status == 202;
  EXPECT_EQ(accepted, 8) << "the queue holds 8";
  ApiResponse full = f.Call("POST", "/api/v1/exports", officers[4], R"({"messages":"all"})");
  EXPECT_TRUE(full.status == 503 || full.status == 429) << full.body;
  EXPECT_EQ(f.Call("POST", "/api/v1/verify", f.Token(Role::kAuditor)).status, 503) << "queue full";
  blocker->Release();
  auto done = WaitDone(f, officers[0], queued);
  EXPECT_EQ(done->getValue<std::string>("state"), "done");
}

TEST(Exports, AFailedExportSaysSoWithoutInternals) {
  ApiFixture f(2, /*signed_checkpoints=*/true);
  const std::string officer = f.Token(Role::kOfficer);
  std::ofstream(ExportDir(f.dir())) << "in the way";  // the exports directory cannot be made
  const std::string location = Start(f, "/api/v1/exports", officer, R"({"messages":"all"})");
  auto job = WaitDone(f, officer, location);
  ASSERT_EQ(job->getValue<std::string>("state"), "failed");
  const std::string error = job->getValue<std::string>("error");
  EXPECT_EQ(error.find(f.dir()), std::string::npos) << error;
  EXPECT_TRUE(job->isNull("bundle"));
  ApiResponse r = f.Call("GET", location + "/bundle", officer);
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("failed"), std::string::npos);
  EXPECT_TRUE(f.AuditEvents(auditevent::kMessageExport).empty()) << "no bundle, no export event";
}

TEST(Verify, CleanArchiveReportsValidWithSignaturesChecked) {
  ApiFixture f(5, /*signed_checkpoints=*/true);
  const std::string auditor = f.Token(Role::kAuditor);
  std::string body = "{\"keys\":[";
  for (const std::string& k : KeyTexts(f)) body += (body.back() == '[' ? "\"" : ",\"") + k + "\"";
  body += "]}";
  const std::string location = Start(f, "/api/v1/verify", auditor, body);
  auto job = WaitDone(f, auditor, location);
  ASSERT_EQ(job->getValue<std::string>("state"), "done") << job->getValue<std::string>("error");
  auto report = job->getObject("report");
  EXPECT_TRUE(report->getValue<bool>("valid"));
  EXPECT_EQ(report->getObject("messages")->getValue<uint64_t>("records"), 5u);
  EXPECT_GT(report->getObject("audit")->getValue<uint64_t>("records"), 5u);
  EXPECT_TRUE(report->getObject("checkpoints")->getValue<bool>("signatures_checked"));
  EXPECT_EQ(report->getValue<uint64_t>("problem_count"), 0u);
  EXPECT_EQ(report->getArray("problems")->size(), 0u);
  EXPECT_EQ(job->getObject("request")->getArray("keys")->size(), 2u);
  // The request is in the audit log, accepted exactly once.
  ApiResponse listed = f.Call("GET", "/api/v1/audit/events", auditor, "", {{"type", "audit.read"}, {"order", "oldest"}});
  auto events = ParseObject(listed.body)->getArray("events");
  ASSERT_GE(events->size(), 1u);
  auto detail = events->getObject(0)->getObject("detail");
  EXPECT_EQ(detail->getValue<std::string>("read"), "verify");
  EXPECT_EQ(detail->getValue<std::string>("job"), job->getValue<std::string>("id"));

  ApiResponse unpinned = f.Call("POST", "/api/v1/verify", auditor);
  ASSERT_EQ(unpinned.status, 202);
  auto plain = WaitDone(f, auditor, HeaderOf(unpinned, "Location"));
  EXPECT_FALSE(plain->getObject("report")->getObject("checkpoints")->getValue<bool>("signatures_checked"));
}

TEST(Verify, FlippedBlobByteIsReportedWithItsRecord) {
  ApiFixture f(4, /*signed_checkpoints=*/true);
  const std::string auditor = f.Token(Role::kAuditor);
  {
    auto db = OpenDb(f.dir());
    std::vector<std::string> triggers;
    Statement st = db->Prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'");
    while (st.Step()) triggers.emplace_back(st.Text(0));
    for (const auto& t : triggers) ASSERT_TRUE(db->Exec("DROP TRIGGER " + t).ok());
    Statement get = db->Prepare(
        "SELECT data FROM blob_chunks WHERE sha256 = (SELECT raw_sha256 FROM messages WHERE record_id = ?) AND idx = 0");
    get.BindBlob(1, f.ids()[2].AsBytes());
    ASSERT_TRUE(get.Step());
    std::string data(get.Blob(0));
    data[20] ^= 0x5a;
    Statement put = db->Prepare(
        "UPDATE blob_chunks SET data = ? WHERE sha256 = (SELECT raw_sha256 FROM messages WHERE record_id = ?) AND idx = 0");
    ASSERT_TRUE(put.BindBlob(1, data).BindBlob(2, f.ids()[2].AsBytes()).Run().ok());
  }
  const std::string location = Start(f, "/api/v1/verify", auditor, "{}");
  auto job = WaitDone(f, auditor, location);
  ASSERT_EQ(job->getValue<std::string>("state"), "done") << job->getValue<std::string>("error");
  auto report = job->getObject("report");
  EXPECT_FALSE(report->getValue<bool>("valid"));
  EXPECT_EQ(report->getValue<uint64_t>("problem_count"), 1u);
  EXPECT_EQ(report->getObject("problems_by_log")->getValue<uint64_t>("messages"), 1u);
  auto problem = report->getArray("problems")->getObject(0);
  EXPECT_EQ(problem->getValue<std::string>("log"), "messages");
  EXPECT_EQ(problem->getValue<std::string>("record_id"), f.ids()[2].ToString());
  EXPECT_EQ(problem->getValue<uint64_t>("seq"), 2u);
  EXPECT_NE(problem->getValue<std::string>("what").find("message body"), std::string::npos);
}

TEST(Verify, BadRequestsAreClear4xx) {
  ApiFixture f(1, /*signed_checkpoints=*/true);
  const std::string auditor = f.Token(Role::kAuditor);
  auto wrong_name = VerifierKey::ForEd25519("elsewhere.example/chainmail-00000000/messages", f.keys()[0].public_key());
  struct Case {
    std::string body;
    int status;
    std::string parameter;
  };
  const std::vector<Case> cases = {
      {R"({"keys":"x"})", 400, "keys"},
      {R"({"keys":["not a key"]})", 400, "keys"},
      {R"({"keys":["a","b","c","d","e"]})", 400, "keys"},
      {R"({"keys":[")" + wrong_name->ToString() + R"("]})", 422, "keys"},
      {R"({"threads":4})", 400, "threads"},
      {"nonsense", 400, ""},
  };
  for (const Case& c : cases) {
    ApiResponse r = f.Call("POST", "/api/v1/verify", auditor, c.body);
    EXPECT_EQ(r.status, c.status) << c.body << ": " << r.body;
    EXPECT_EQ(ProblemParameter(r), c.parameter) << c.body;
  }
  EXPECT_EQ(f.AuditEvents(auditevent::kAuditRead).size(), 0u) << "refused requests record nothing";
}

}  // namespace
}  // namespace chainmail::testing
