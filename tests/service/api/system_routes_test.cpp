// GET /healthz and GET /metrics over the in-process API: public, no content, the health
// states and their status codes, and metrics that parse as Prometheus text with
// consistent histograms and the counts of what actually happened.
#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "service/api/health.h"
#include "service/api/metrics.h"
#include "tests/service/api/api_test_util.h"

namespace chainmail::testing {
namespace {

Poco::JSON::Object::Ptr Json(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

std::string CheckStatus(const Poco::JSON::Object::Ptr& report, const std::string& check) {
  return report->getObject("checks")->getObject(check)->getValue<std::string>("status");
}

// --- Prometheus text format 0.0.4, parsed strictly ---------------------------------------

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram
  std::vector<Sample> samples;

  double Value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const Sample& s : samples)
      if (s.name == name && s.labels == labels) return s.value;
    ADD_FAILURE() << "no sample " << name;
    return -1;
  }
  bool Has(const std::string& name) const {
    for (const Sample& s : samples)
      if (s.name == name) return true;
    return false;
  }
};

// The family a sample belongs to (histogram samples carry a suffix).
std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      if (types.count(base) && types.at(base) == "histogram") return base;
    }
  }
  return "";
}

Exposition Parse(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  static const std::regex kSample(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.eE+-]+|\+Inf))");
  static const std::regex kLabel(R"(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)\"(,|$))");
  Exposition e;
  std::set<std::string> helped;
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "the text ends with a newline";
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    const std::string line = text.substr(start, nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "HELP twice for " << m[1];
      continue;
    }
    if (std::regex_match(line, m, kType)) {
      EXPECT_TRUE(helped.count(m[1])) << "TYPE before HELP for " << m[1];
      EXPECT_TRUE(e.types.emplace(m[1], m[2]).second) << "TYPE twice for " << m[1];
      if (m[2] == "counter") {
        EXPECT_TRUE(std::string(m[1]).ends_with("_total")) << m[1] << ": a counter ends in _total";
      }
      continue;
    }
    if (!std::regex_match(line, m, kSample)) {
      ADD_FAILURE() << "not a sample line: '" << line << "'";
      continue;
    }
    Sample s;
    s.name = m[1];
    EXPECT_NE(FamilyOf(s.name, e.types), "") << s.name << " has no TYPE before it";
    std::string labels = m[3];
    for (std::smatch l; !labels.empty() && std::regex_search(labels, l, kLabel) && l.position(0) == 0;) {
      s.labels[l[1]] = l[2];
      labels = l.suffix();
    }
    EXPECT_TRUE(labels.empty()) << "bad labels in '" << line << "'";
    s.value = m[4] == "+Inf" ? 1e308 : std::stod(m[4]);
    EXPECT_GE(s.value, 0) << line;
    EXPECT_TRUE(s.name.starts_with("chainmail_")) << s.name;
    e.samples.push_back(std::move(s));
  }
  return e;
}

// A histogram's buckets are cumulative, end with +Inf, and +Inf equals _count.
void ExpectHistogram(const Exposition& e, const std::string& name) {
  ASSERT_EQ(e.types.count(name), 1u) << name;
  EXPECT_EQ(e.types.at(name), "histogram");
  double last = -1, inf = -1;
  int buckets = 0;
  for (const Sample& s : e.samples) {
    if (s.name != name + "_bucket") continue;
    ASSERT_EQ(s.labels.count("le"), 1u);
    EXPECT_GE(s.value, last) << name << " buckets are not cumulative at le=" << s.labels.at("le");
    last = s.value;
    ++buckets;
    if (s.labels.at("le") == "+Inf") inf = s.value;
  }
  EXPECT_GT(buckets, 2) << name;
  EXPECT_EQ(inf, e.Value(name + "_count")) << name;
  EXPECT_TRUE(e.Has(name + "_sum")) << name;
}

// --- /healthz ----------------------------------------------------------------------------

TEST(Healthz, PublicAndOkWithRecentMailAndNoContent) {
  ApiFixture f(3);
  ApiResponse r = f.Call("GET", "/healthz");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  auto report = Json(r.body);
  EXPECT_EQ(report->getValue<std::string>("status"), "ok") << r.body;
  for (const char* check : {"database", "disk", "writer", "signing", "checkpoint.messages", "checkpoint.audit", "newest_message"})
    EXPECT_EQ(CheckStatus(report, check), "ok") << check << ": " << r.body;
  EXPECT_EQ(report->getObject("checks")->getObject("checkpoint.messages")->getValue<int>("log_size"), 3);
  EXPECT_EQ(r.body.find("example.com"), std::string::npos) << "no address in health: " << r.body;
  EXPECT_EQ(r.body.find("message 0"), std::string::npos) << "no subject in health: " << r.body;
  EXPECT_EQ(f.Call("GET", "/healthz", "", "", {{"verbose", "1"}}).status, 400) << "unknown parameters are refused";
}

TEST(Healthz, NoMailYetIsDegradedButServing) {
  ApiFixture f(0);
  ApiResponse r = f.Call("GET", "/healthz");
  EXPECT_EQ(r.status, 200) << r.body;
  auto report = Json(r.body);
  EXPECT_EQ(report->getValue<std::string>("status"), "degraded");
  EXPECT_EQ(CheckStatus(report, "newest_message"), "degraded");
  EXPECT_EQ(CheckStatus(report, "database"), "ok");
}

TEST(Healthz, QuietFeedAndStaleCheckpointsAreDegraded) {
  ApiFixture f(1);
  HealthMonitor quiet(f.archive(), f.context().readers(), HealthOptions{std::chrono::seconds(1), std::chrono::seconds(300)});
  EXPECT_EQ(quiet.Check().status, Health::kOk);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  HealthReport later = quiet.Check();
  EXPECT_EQ(later.status, Health::kDegraded) << later.json;
  EXPECT_EQ(CheckStatus(Json(later.json), "newest_message"), "degraded") << later.json;
  EXPECT_GE(Json(later.json)->getObject("checks")->getObject("newest_message")->getValue<int>("age_s"), 2);

  // This fixture signs no checkpoints: with no lag allowed, both logs are behind.
  HealthMonitor strict(f.archive(), f.context().readers(), HealthOptions{std::chrono::seconds(0), std::chrono::seconds(0)});
  HealthReport stale = strict.Check();
  EXPECT_EQ(stale.status, Health::kDegraded) << stale.json;
  EXPECT_EQ(CheckStatus(Json(stale.json), "checkpoint.messages"), "degraded") << stale.json;
  EXPECT_EQ(CheckStatus(Json(stale.json), "newest_message"), "ok") << "max age 0 = never alarmed";
}

TEST(Healthz, DiskBelowMinimumIsFailingWith503) {
  TempDir dir;
  ArchiveOptions o;
  o.data_dir = dir.path();
  o.origin_name = "test.example";
  o.min_free_bytes = 1ull << 62;  // more than any disk has
  auto archive = Archive::Open(o);
  ASSERT_TRUE(archive.ok()) << archive.status().message();
  ApiContext ctx(**archive, ApiLimits{});
  Api api(ctx);
  ApiRequest req;
  req.method = "GET";
  req.path = "/healthz";
  req.client_address = "127.0.0.1";
  ApiResponse r = api.Handle(req);
  EXPECT_EQ(r.status, 503) << r.body;
  auto report = Json(r.body);
  EXPECT_EQ(report->getValue<std::string>("status"), "failing");
  EXPECT_EQ(CheckStatus(report, "disk"), "failing");
}

TEST(Healthz, ReportIsReusedWithinASecond) {
  ApiFixture f(1);
  HealthReport a = f.context().health().Check();
  HealthReport b = f.context().health().Check();
  EXPECT_EQ(a.json, b.json) << "same 'checked' time: the second call did not hit the database";
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_NE(f.context().health().Check().json, a.json);
}

// --- /metrics ----------------------------------------------------------------------------

TEST(Metrics, ParsesAndCountsRequestsByRouteAndStatus) {
  ApiFixture f(5);
  const std::string admin = f.Token(Role::kAdmin);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(f.Call("GET", "/api/v1/tokens", admin).status, 200);
  ASSERT_EQ(f.Call("GET", "/api/v1/tokens").status, 401);
  ASSERT_EQ(f.Call("GET", "/no/such/thing").status, 404);
  ASSERT_EQ(f.Call("PATCH", "/api/v1/tokens", admin).status, 405);
  ApiResponse r = f.Call("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const Exposition e = Parse(r.body);
  const std::string total = "chainmail_http_requests_total";
  EXPECT_EQ(e.Value(total, {{"method", "GET"}, {"route", "/api/v1/tokens"}, {"code", "200"}}), 3);
  EXPECT_EQ(e.Value(total, {{"method", "GET"}, {"route", "/api/v1/tokens"}, {"code", "401"}}), 1);
  EXPECT_EQ(e.Value(total, {{"method", "GET"}, {"route", "(unmatched)"}, {"code", "404"}}), 1);
  EXPECT_EQ(e.Value(total, {{"method", "PATCH"}, {"route", "(unmatched)"}, {"code", "405"}}), 1);
  EXPECT_GT(e.Value("chainmail_process_start_time_seconds"), 1.7e9);
  // Every answer above was timed, whatever its status.
  const std::string duration = "chainmail_http_request_duration_seconds";
  EXPECT_EQ(e.types.at(duration), "histogram");
  EXPECT_EQ(e.Value(duration + "_count", {{"method", "GET"}, {"route", "/api/v1/tokens"}}), 4);
  EXPECT_GT(e.Value(duration + "_sum", {{"method", "GET"}, {"route", "/api/v1/tokens"}}), 0);
  EXPECT_EQ(e.Value(duration + "_count", {{"method", "GET"}, {"route", "(unmatched)"}}), 1);

  // The writer: 5 messages and 2 token events at least, each its own commit here.
  const double commits = e.Value("chainmail_commits_total");
  EXPECT_GE(commits, 6);
  ExpectHistogram(e, "chainmail_commit_batch_size");
  ExpectHistogram(e, "chainmail_commit_duration_seconds");
  EXPECT_EQ(e.Value("chainmail_commit_batch_size_count"), commits);
  EXPECT_EQ(e.Value("chainmail_commit_batch_size_sum"), e.Value("chainmail_commit_submissions_total"));
  EXPECT_EQ(e.Value("chainmail_commit_duration_seconds_count"), commits);
  EXPECT_GT(e.Value("chainmail_commit_duration_seconds_sum"), 0);
  ExpectHistogram(e, "chainmail_wal_sync_duration_seconds");
  EXPECT_GE(e.Value("chainmail_commit_syncs_total"), 1);
  EXPECT_EQ(e.Value("chainmail_wal_sync_duration_seconds_count"), e.Value("chainmail_commit_syncs_total"));
  EXPECT_GT(e.Value("chainmail_wal_sync_duration_seconds_sum"), 0);
  EXPECT_EQ(r.body.find("example.com"), std::string::npos) << "no address in metrics";
  EXPECT_FALSE(e.Has("chainmail_smtp_replies_total")) << "no SMTP receiver watched";
}

TEST(Metrics, UnknownMethodsFoldIntoOther) {
  ApiFixture f;
  for (const char* m : {"BREW", "PROPFIND", "X-EVIL\"{}"}) f.Call(m, "/nowhere");
  const Exposition e = Parse(f.Call("GET", "/metrics").body);
  EXPECT_EQ(e.Value("chainmail_http_requests_total", {{"method", "other"}, {"route", "(unmatched)"}, {"code", "404"}}), 3);
}

TEST(Metrics, SmtpCountersAppearOnceWatched) {
  ApiFixture f;
  SmtpCounters smtp;
  f.context().metrics().WatchSmtp(&smtp);
  smtp.SessionOpened();
  smtp.SessionOpened();
  smtp.SessionClosed();
  smtp.CountReplies("220 hello\r\n");
  smtp.CountReplies("250-chainmail.test\r\n250-SIZE 1000\r\n250 SMTPUTF8\r\n");
  smtp.CountReplies("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n");
  smtp.CountReplies("452 4.3.1 full\r\n");
  smtp.Archived(1234, 1'800'000'000'000'000);
  smtp.Archived(66, 1'800'000'001'500'000);
  const Exposition e = Parse(f.Call("GET", "/metrics").body);
  EXPECT_EQ(e.Value("chainmail_smtp_replies_total", {{"code", "220"}}), 1);
  EXPECT_EQ(e.Value("chainmail_smtp_replies_total", {{"code", "250"}}), 3) << "a multi-line reply counts once";
  EXPECT_EQ(e.Value("chainmail_smtp_replies_total", {{"code", "354"}}), 1);
  EXPECT_EQ(e.Value("chainmail_smtp_replies_total", {{"code", "452"}}), 1);
  EXPECT_EQ(e.Value("chainmail_smtp_sessions_active"), 1);
  EXPECT_EQ(e.Value("chainmail_smtp_sessions_total"), 2);
  EXPECT_EQ(e.Value("chainmail_messages_archived_total"), 2);
  EXPECT_EQ(e.Value("chainmail_archived_bytes_total"), 1300);
  EXPECT_DOUBLE_EQ(e.Value("chainmail_last_archived_timestamp_seconds"), 1800000001.5);
  f.context().metrics().WatchSmtp(nullptr);
}

TEST(Metrics, CountingIsThreadSafe) {
  ApiFixture f;
  Metrics& m = f.context().metrics();
  const Route* tokens = &Routes().front();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) m.CountRequest(tokens, "GET", 200, 1'000);
    });
  for (auto& t : threads) t.join();
  const Exposition e = Parse(m.Render(WriterStats{}));
  EXPECT_EQ(e.Value("chainmail_http_requests_total",
                    {{"method", std::string(tokens->method)}, {"route", std::string(tokens->pattern)}, {"code", "200"}}),
            40000);
  const std::map<std::string, std::string> row = {{"method", std::string(tokens->method)},
                                                  {"route", std::string(tokens->pattern)}};
  EXPECT_EQ(e.Value("chainmail_http_request_duration_seconds_count", row), 40000);
  EXPECT_DOUBLE_EQ(e.Value("chainmail_http_request_duration_seconds_sum", row), 40.0);
}

TEST(Metrics, RequestDurationsAreAHistogramByRoute) {
  ApiFixture f;
  Metrics& m = f.context().metrics();
  const Route* route = &Routes().front();
  m.CountRequest(route, "GET", 200, 300);           // in (0.25, 0.5] ms
  m.CountRequest(route, "GET", 200, 12'000);        // in (10, 25] ms: over the search target
  m.CountRequest(route, "GET", 503, 20'000'000);    // above every bound
  m.CountRequest(nullptr, "BREW", 404, 10'000);     // exactly on a bound: counted in it
  const Exposition e = Parse(m.Render(WriterStats{}));
  const std::string name = "chainmail_http_request_duration_seconds";
  ASSERT_EQ(e.types.count(name), 1u);
  EXPECT_EQ(e.types.at(name), "histogram");
  const std::map<std::string, std::string> row = {{"method", std::string(route->method)},
                                                  {"route", std::string(route->pattern)}};
  auto bucket = [&](const std::map<std::string, std::string>& labels, const std::string& le) {
    std::map<std::string, std::string> with = labels;
    with["le"] = le;
    return e.Value(name + "_bucket", with);
  };
  EXPECT_EQ(bucket(row, "0.00025"), 0);
  EXPECT_EQ(bucket(row, "0.0005"), 1);
  EXPECT_EQ(bucket(row, "0.01"), 1);
  EXPECT_EQ(bucket(row, "0.025"), 2);
  EXPECT_EQ(bucket(row, "10"), 2);
  EXPECT_EQ(bucket(row, "+Inf"), 3);
  EXPECT_EQ(e.Value(name + "_count", row), 3);
  EXPECT_DOUBLE_EQ(e.Value(name + "_sum", row), 20.0123);
  const std::map<std::string, std::string> other = {{"method", "other"}, {"route", "(unmatched)"}};
  EXPECT_EQ(bucket(other, "0.005"), 0);
  EXPECT_EQ(bucket(other, "0.01"), 1);
  // Only routes that answered something have a series.
  size_t series = 0;
  for (const Sample& s : e.samples) series += s.name == name + "_count";
  EXPECT_EQ(series, 2u);
}

}  // namespace
}  // namespace chainmail::testing
