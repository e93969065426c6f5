#include "service/api/metrics.h"

#include <array>
#include <cstdio>

#include "archive/format/rfc3339.h"
#include "archive/histogram.h"

namespace chainmail {
namespace {

// Methods an unmatched request is reported under; anything else is "other", so a client
// cannot grow the label set.
constexpr std::array<std::string_view, 7> kUnmatchedMethods = {"GET", "HEAD", "POST", "PUT",
                                                               "DELETE", "PATCH", "OPTIONS"};
constexpr size_t kUnmatchedRows = kUnmatchedMethods.size() + 1;

// A label value, escaped as the format requires (backslash, double quote, newline).
std::string Label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// Seconds from microseconds, in the shortest form that is exact to the microsecond.
std::string Seconds(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%llu.%06llu", static_cast<unsigned long long>(us / 1000000),
                static_cast<unsigned long long>(us % 1000000));
  std::string s(buf);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// Writes families one after the other: each its HELP and TYPE lines, then its samples.
class Exposition {
 public:
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    text_ += help;
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += type;
    text_ += '\n';
  }
  void Sample(std::string_view name, std::string_view labels, std::string_view value) {
    text_ += name;
    if (!labels.empty()) {
      text_ += '{';
      text_ += labels;
      text_ += '}';
    }
    text_ += ' ';
    text_ += value;
    text_ += '\n';
  }
  void Sample(std::string_view name, std::string_view labels, uint64_t value) {
    Sample(name, labels, std::to_string(value));
  }
  // A histogram from per-bucket counts (buckets[i]: values <= bounds[i] and above
  // bounds[i-1]; the last: above every bound) as the format wants it: cumulative.
  template <size_t N>
  void Histogram(std::string_view name, std::string_view help, const std::array<uint64_t, N>& bounds,
                 const std::array<uint64_t, N + 1>& buckets, std::string (*bound_text)(uint64_t),
                 std::string_view sum) {
    Family(name, "histogram", help);
    HistogramSamples(name, "", bounds, buckets, bound_text, sum);
  }
  // One labelled series of a histogram family (`labels` without le; empty for none).
  template <size_t N>
  void HistogramSamples(std::string_view name, const std::string& labels, const std::array<uint64_t, N>& bounds,
                        const std::array<uint64_t, N + 1>& buckets, std::string (*bound_text)(uint64_t),
                        std::string_view sum) {
    const std::string bucket = std::string(name) + "_bucket";
    const std::string prefix = labels.empty() ? "" : labels + ",";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < N; ++i) {
      cumulative += buckets[i];
      Sample(bucket, prefix + "le=\"" + bound_text(bounds[i]) + "\"", cumulative);
    }
    cumulative += buckets[N];
    Sample(bucket, prefix + "le=\"+Inf\"", cumulative);
    Sample(std::string(name) + "_sum", labels, sum);
    Sample(std::string(name) + "_count", labels, cumulative);
  }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
};

std::string Count(uint64_t n) { return std::to_string(n); }

void WriteWriter(Exposition& out, const WriterStats& w) {
  out.Family("chainmail_commits_total", "counter",
             "Group commits of the single writer (one transaction each; see chainmail_commit_syncs_total).");
  out.Sample("chainmail_commits_total", "", w.batches);
  out.Family("chainmail_commit_submissions_total", "counter",
             "Submissions committed (a message with its policy decision, an audit event, ...).");
  out.Sample("chainmail_commit_submissions_total", "", w.appends);
  out.Histogram("chainmail_commit_batch_size",
                "Submissions per group commit (its _sum is chainmail_commit_submissions_total).",
                kBatchSizeBounds, w.batch_size_buckets, Count, Count(w.appends));
  out.Histogram("chainmail_commit_duration_seconds",
                "Time of one group commit, BEGIN IMMEDIATE to synced (its submitters are answered then).",
                kCommitTimeBoundsUs, w.commit_time_buckets, Seconds, Seconds(w.durable_us));
  out.Histogram("chainmail_wal_sync_duration_seconds",
                "Time of one fdatasync of the write-ahead log: the disk's share of every commit "
                "(its _count is chainmail_commit_syncs_total).",
                kSyncTimeBoundsUs, w.sync_time_buckets, Seconds, Seconds(w.sync_us));
  out.Family("chainmail_commit_syncs_total", "counter",
             "fdatasyncs of the write-ahead log; one makes every commit before it durable.");
  out.Sample("chainmail_commit_syncs_total", "", w.syncs);
  out.Family("chainmail_commit_sync_seconds_total", "counter",
             "Time spent writing commits to the WAL and syncing it, summed.");
  out.Sample("chainmail_commit_sync_seconds_total", "", Seconds(w.commit_us + w.sync_us));
  out.Family("chainmail_commit_pages_written_total", "counter", "Database pages the writer wrote to the WAL.");
  out.Sample("chainmail_commit_pages_written_total", "", w.pages_written);
}

void WriteSmtp(Exposition& out, const SmtpCounters& s) {
  out.Family("chainmail_messages_archived_total", "counter",
             "Messages received over SMTP and durably archived by this process.");
  out.Sample("chainmail_messages_archived_total", "", s.messages_archived());
  out.Family("chainmail_archived_bytes_total", "counter",
             "Raw bytes of those messages (as received, before compression).");
  out.Sample("chainmail_archived_bytes_total", "", s.bytes_archived());
  if (const int64_t last = s.last_archived_us(); last > 0) {
    out.Family("chainmail_last_archived_timestamp_seconds", "gauge",
               "When this process last archived a message (Unix time); absent before the first.");
    out.Sample("chainmail_last_archived_timestamp_seconds", "", Seconds(static_cast<uint64_t>(last)));
  }
  out.Family("chainmail_smtp_sessions_active", "gauge", "SMTP connections being served now.");
  out.Sample("chainmail_smtp_sessions_active", "", std::to_string(s.active_sessions()));
  out.Family("chainmail_smtp_sessions_total", "counter",
             "SMTP connections served (including those refused before the banner).");
  out.Sample("chainmail_smtp_sessions_total", "", s.sessions());
  out.Family("chainmail_smtp_replies_total", "counter", "SMTP replies sent, by reply code.");
  for (int code = SmtpCounters::kMinCode; code <= SmtpCounters::kMaxCode; ++code)
    if (const uint64_t n = s.replies(code); n > 0)
      out.Sample("chainmail_smtp_replies_total", "code=\"" + std::to_string(code) + "\"", n);
}

void WriteFulltext(Exposition& out, const FulltextIndexerStatus& f) {
  out.Family("chainmail_fulltext_lag_messages", "gauge",
             "Committed messages not yet searchable by text (q=): the indexer's backlog.");
  out.Sample("chainmail_fulltext_lag_messages", "", f.lag_messages);
  out.Family("chainmail_fulltext_lag_seconds", "gauge",
             "Age of the oldest message not yet searchable by text; 0 when the index is caught up.");
  out.Sample("chainmail_fulltext_lag_seconds", "", std::to_string(f.lag_seconds));
  out.Family("chainmail_fulltext_indexed_through_seq", "gauge",
             "Every message up to this seq of the messages log is indexed (-1: none).");
  out.Sample("chainmail_fulltext_indexed_through_seq", "", std::to_string(f.indexed_through_seq));
  out.Family("chainmail_fulltext_documents", "gauge", "Messages in the full-text index.");
  out.Sample("chainmail_fulltext_documents", "", f.indexed_total);
  out.Family("chainmail_fulltext_indexed_total", "counter",
             "Messages indexed by this process, by where their text came from: handed over by the receiving "
             "session, or read back from the archive (backfill, restart, a full hand-off queue).");
  out.Sample("chainmail_fulltext_indexed_total", "source=\"handoff\"", f.from_handoff);
  out.Sample("chainmail_fulltext_indexed_total", "source=\"archive\"", f.from_archive);
  out.Family("chainmail_fulltext_dropped_offers_total", "counter",
             "Hand-offs that did not fit the indexer's queue (those messages are read back later).");
  out.Sample("chainmail_fulltext_dropped_offers_total", "", f.dropped_offers);
  out.Family("chainmail_fulltext_unreadable_total", "counter",
             "Messages the indexer could not read back from the archive (not indexed; see chainmail verify).");
  out.Sample("chainmail_fulltext_unreadable_total", "", f.unreadable);
  out.Family("chainmail_fulltext_backfilling", "gauge",
             "1 while the indexer reads messages back from the archive and is not caught up.");
  out.Sample("chainmail_fulltext_backfilling", "", std::string(f.backfilling ? "1" : "0"));
  out.Family("chainmail_fulltext_deferring", "gauge",
             "1 while the indexer waits out a peak of ingest (fulltext.defer_above_msgs_per_s).");
  out.Sample("chainmail_fulltext_deferring", "", std::string(f.deferring ? "1" : "0"));
}

}  // namespace

Metrics::Metrics()
    : start_us_(UnixNowUs()),
      routes_(Routes().size()),
      requests_(new std::atomic<uint64_t>[(routes_ + kUnmatchedRows) * kStatuses]),
      durations_(new std::atomic<uint64_t>[(routes_ + kUnmatchedRows) * kDurationBuckets]),
      duration_sums_us_(new std::atomic<uint64_t>[routes_ + kUnmatchedRows]) {
  const size_t rows = routes_ + kUnmatchedRows;
  for (size_t i = 0; i < rows * kStatuses; ++i) requests_[i].store(0, std::memory_order_relaxed);
  for (size_t i = 0; i < rows * kDurationBuckets; ++i) durations_[i].store(0, std::memory_order_relaxed);
  for (size_t i = 0; i < rows; ++i) duration_sums_us_[i].store(0, std::memory_order_relaxed);
}

size_t Metrics::Row(const Route* route, std::string_view method) const {
  const std::vector<Route>& table = Routes();
  if (route != nullptr && route >= table.data() && route < table.data() + table.size())
    return static_cast<size_t>(route - table.data());
  for (size_t i = 0; i < kUnmatchedMethods.size(); ++i)
    if (kUnmatchedMethods[i] == method) return routes_ + i;
  return routes_ + kUnmatchedMethods.size();
}

void Metrics::CountRequest(const Route* route, std::string_view method, int status, uint64_t duration_us) {
  if (status < kMinStatus || status > kMaxStatus) return;
  const size_t row = Row(route, method);
  requests_[row * kStatuses + static_cast<size_t>(status - kMinStatus)].fetch_add(1, std::memory_order_relaxed);
  durations_[row * kDurationBuckets + BucketOf(kRequestTimeBoundsUs, duration_us)].fetch_add(
      1, std::memory_order_relaxed);
  duration_sums_us_[row].fetch_add(duration_us, std::memory_order_relaxed);
}

std::string Metrics::RowLabels(size_t row) const {
  if (row < routes_) {
    const Route& r = Routes()[row];
    return "method=\"" + Label(r.method) + "\",route=\"" + Label(r.pattern) + "\"";
  }
  const size_t m = row - routes_;
  return std::string("method=\"") + (m < kUnmatchedMethods.size() ? std::string(kUnmatchedMethods[m]) : "other") +
         "\",route=\"(unmatched)\"";
}

std::string Metrics::Render(const WriterStats& writer) const {
  Exposition out;
  out.Family("chainmail_process_start_time_seconds", "gauge", "When chainmaild started (Unix time).");
  out.Sample("chainmail_process_start_time_seconds", "", Seconds(static_cast<uint64_t>(start_us_)));

  out.Family("chainmail_http_requests_total", "counter",
             "REST responses, by route pattern (\"(unmatched)\" when no route answered), method and status.");
  for (size_t row = 0; row < routes_ + kUnmatchedRows; ++row) {
    const std::string labels = RowLabels(row);
    for (int s = 0; s < kStatuses; ++s)
      if (const uint64_t n = requests_[row * kStatuses + static_cast<size_t>(s)].load(std::memory_order_relaxed); n > 0)
        out.Sample("chainmail_http_requests_total", labels + ",code=\"" + std::to_string(kMinStatus + s) + "\"", n);
  }
  const std::string_view duration = "chainmail_http_request_duration_seconds";
  out.Family(duration, "histogram",
             "Time to answer a REST request, by route pattern and method: from routing to the answer being ready "
             "(authorization, the work, the wait for its audit event to be durable; not the body's transfer).");
  for (size_t row = 0; row < routes_ + kUnmatchedRows; ++row) {
    std::array<uint64_t, kDurationBuckets> buckets{};
    uint64_t n = 0;
    for (size_t b = 0; b < kDurationBuckets; ++b)
      n += buckets[b] = durations_[row * kDurationBuckets + b].load(std::memory_order_relaxed);
    if (n == 0) continue;
    out.HistogramSamples(duration, RowLabels(row), kRequestTimeBoundsUs, buckets, Seconds,
                         Seconds(duration_sums_us_[row].load(std::memory_order_relaxed)));
  }

  WriteWriter(out, writer);
  if (const SmtpCounters* smtp = smtp_.load(std::memory_order_acquire)) WriteSmtp(out, *smtp);
  if (const FulltextIndexer* indexer = fulltext_.load(std::memory_order_acquire)) WriteFulltext(out, indexer->status());
  return out.Take();
}

}  // namespace chainmail
