#include "tests/archive/fulltext/fulltext_test_util.h"

#include <gtest/gtest.h>

#include <thread>

namespace chainmail::testing {
namespace {

std::unique_ptr<Archive> OpenWith(const std::string& dir, bool enabled) {
  ArchiveOptions o;
  o.data_dir = dir;
  o.origin_name = "test.example";
  o.min_free_bytes = 0;
  o.fulltext_enabled = enabled;
  auto a = Archive::Open(o);
  EXPECT_TRUE(a.ok()) << a.status().message();
  return a.ok() ? std::move(*a) : nullptr;
}

class AheadMint : public RecordMint {
 public:
  explicit AheadMint(int64_t offset_us) : offset_us_(offset_us) {}
  uint64_t NowUs() override { return SystemMint()->NowUs() + offset_us_; }
  std::string RandomBytes(size_t n) override { return SystemMint()->RandomBytes(n); }
  RecordId NewRecordId() override { return SystemMint()->NewRecordId(); }

 private:
  int64_t offset_us_;
};

}  // namespace

FulltextArchive::FulltextArchive(FulltextIndexerOptions options, bool start_indexer, bool enabled) {
  archive_ = OpenWith(dir_.path(), enabled);
  if (start_indexer) StartIndexer(options);
  auto reader = Database::Open(DatabasePath(dir_.path()), Database::Mode::kReadOnly);
  EXPECT_TRUE(reader.ok());
  if (reader.ok()) reader_ = std::move(*reader);
}

FulltextArchive::~FulltextArchive() {
  reader_.reset();
  if (archive_) archive_->Close();
  StopIndexer();
}

void FulltextArchive::StartIndexer(FulltextIndexerOptions options, std::shared_ptr<RecordMint> clock) {
  if (clock) {
    auto indexer = FulltextIndexer::Start(dir_.path(), archive_->identity().base_origin, archive_->options().mime_limits,
                                          clock, options);
    ASSERT_TRUE(indexer.ok()) << indexer.status().message();
    indexer_ = *indexer;
    archive_->SetExtractedMessageSink(indexer_);
    return;
  }
  auto indexer = StartFulltextIndexer(*archive_, options);
  ASSERT_TRUE(indexer.ok()) << indexer.status().message();
  indexer_ = *indexer;
}

void FulltextArchive::StopIndexer() {
  if (!indexer_) return;
  indexer_->Stop();
  if (archive_) archive_->SetExtractedMessageSink(nullptr);
  indexer_.reset();
}

void FulltextArchive::Reopen(bool enabled) {
  StopIndexer();
  reader_.reset();
  archive_->Close();
  archive_.reset();
  archive_ = OpenWith(dir_.path(), enabled);
  auto reader = Database::Open(DatabasePath(dir_.path()), Database::Mode::kReadOnly);
  ASSERT_TRUE(reader.ok());
  reader_ = std::move(*reader);
}

uint64_t FulltextArchive::Ingest(const std::string& bytes, const std::string& mail_from,
                                 const std::vector<std::string>& rcpt) {
  auto spool = archive_->BeginMessage();
  EXPECT_TRUE(spool.ok());
  if (!spool.ok()) return 0;
  for (size_t off = 0; off < bytes.size(); off += 777) (*spool)->Write(std::string_view(bytes).substr(off, 777));
  MessagePayload e;
  e.mail_from = mail_from;
  e.rcpt_to = rcpt;
  e.helo_verb = "EHLO";
  e.helo_name = "client.test";
  e.client_address = "127.0.0.1";
  e.client_port = 5555;
  e.server_address = "127.0.0.1:2525";
  e.session_id = std::string(16, '\x01');
  auto id = archive_->Commit(std::move(*spool), e);
  EXPECT_TRUE(id.ok()) << id.status().message();
  if (!id.ok()) return 0;
  auto db = Database::Open(DatabasePath(dir_.path()), Database::Mode::kReadOnly);
  Statement st = (*db)->Prepare("SELECT seq FROM messages WHERE record_id = ?");
  st.BindBlob(1, id->AsBytes());
  EXPECT_TRUE(st.Step());
  const auto seq = static_cast<uint64_t>(st.Int(0));
  last_seq_ = std::max<int64_t>(last_seq_, static_cast<int64_t>(seq));
  return seq;
}

void FulltextArchive::WaitIndexed() {
  ASSERT_TRUE(indexer_);
  auto db = Database::Open(DatabasePath(dir_.path()), Database::Mode::kReadOnly);
  auto head = (*db)->QueryInt("SELECT coalesce(max(seq), -1) FROM leaves WHERE log = 1");
  ASSERT_TRUE(head.ok());
  EXPECT_TRUE(indexer_->WaitIndexed(*head, std::chrono::seconds(10)))
      << "indexed through " << indexer_->status().indexed_through_seq << " of " << *head << ": "
      << indexer_->status().last_error;
}

Result<SearchPage> FulltextArchive::Search(MessageFilter filter, const std::optional<SearchPosition>& after,
                                           uint32_t limit) {
  return SearchMessages(*reader_, filter, after, limit, std::chrono::seconds(10));
}

std::vector<uint64_t> FulltextArchive::Find(const std::string& q) {
  MessageFilter f;
  f.text = q;
  auto page = Search(f);
  EXPECT_TRUE(page.ok()) << q << ": " << page.status().message();
  std::vector<uint64_t> out;
  if (page.ok())
    for (const MessageSummary& m : page->messages) out.push_back(m.seq);
  return out;
}

bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::shared_ptr<RecordMint> ClockAhead(int64_t offset_us) { return std::make_shared<AheadMint>(offset_us); }

}  // namespace chainmail::testing
