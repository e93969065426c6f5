#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>

#include "archive/archive.h"
#include "archive/mbox_reader.h"
#include "audit/decided_ingest.h"
#include "service/cli/cli_options.h"
#include "service/cli/commands.h"
#include "service/cli/printable.h"

namespace chainmail {
namespace {

constexpr size_t kBlockBytes = 64 * 1024;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

MessagePayload ImportEnvelope(const std::string& name, const std::string& mail_from) {
  MessagePayload e;
  e.source = MessageSource::kImport;
  e.transfer = Transfer::kImport;
  e.mail_from = mail_from;
  e.import_name = name;
  return e;
}

// True when `head` opens with a header field ("Name:"; RFC 5322 field names are printable
// ASCII but ':', obsolete syntax allows blanks before the colon).
bool BeginsWithHeaderField(std::string_view head) {
  size_t i = 0;
  while (i < head.size() && head[i] > ' ' && head[i] < 127 && head[i] != ':') ++i;
  if (i == 0) return false;
  while (i < head.size() && (head[i] == ' ' || head[i] == '\t')) ++i;
  return i < head.size() && head[i] == ':';
}

// Archives one message through the same path as SMTP; prints its id. An empty message is
// refused (reported, counted, nothing archived); one that does not open with a header
// field is archived as it is, with a warning: a compliance archive keeps odd mail too.
class Importer {
 public:
  explicit Importer(MessageIngest& ingest) : ingest_(ingest) {}

  Status Begin(const std::string& name, const std::string& mail_from) {
    name_ = name;
    mail_from_ = mail_from;
    head_.clear();
    auto spool = ingest_.BeginMessage();
    if (!spool.ok()) return spool.status();
    spool_ = std::move(*spool);
    return Status::Ok();
  }
  void Write(std::string_view bytes) {
    if (head_.size() < kHeadBytes) head_.append(bytes.substr(0, kHeadBytes - head_.size()));
    spool_->Write(bytes);
  }
  Status End() {
    if (spool_->size() == 0) {
      spool_.reset();
      std::cerr << "chainmail: " << Printable(name_) << ": empty, nothing archived\n";
      ++refused_;
      return Status::Ok();
    }
    if (!BeginsWithHeaderField(head_))
      std::cerr << "chainmail: warning: " << Printable(name_) << " does not begin with a mail header; archived as it is\n";
    auto id = ingest_.Commit(std::move(spool_), ImportEnvelope(name_, mail_from_));
    if (!id.ok()) return Status::IoError(Printable(name_) + ": " + id.status().message());
    std::cout << "imported " << Printable(name_) << " as " << id->ToString() << "\n";
    ++count_;
    return Status::Ok();
  }
  size_t count() const { return count_; }
  size_t refused() const { return refused_; }

 private:
  static constexpr size_t kHeadBytes = 1024;
  MessageIngest& ingest_;
  std::unique_ptr<MessageSpool> spool_;
  std::string name_, mail_from_;
  std::string head_;  // the message's first bytes, for the header check
  size_t count_ = 0, refused_ = 0;
};

// Reads `in` to its end in blocks, handing each to `take`.
Status ReadBlocks(std::FILE* in, const std::string& path, const std::function<Status(std::string_view)>& take) {
  std::string buf(kBlockBytes, '\0');
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), in)) > 0;)
    if (Status s = take(std::string_view(buf.data(), n)); !s.ok()) return s;
  if (std::ferror(in)) return Status::IoError("read error in " + Printable(path));
  return Status::Ok();
}

// The file is read once, front to back, so a pipe, a FIFO or /dev/stdin imports like a
// regular file: the first block both decides mbox or .eml and is the start of the input.
Status ImportFile(Importer& importer, const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> in(std::fopen(path.c_str(), "rb"));
  if (!in) return Status::NotFound("cannot open " + Printable(path));
  std::string head(kBlockBytes, '\0');
  head.resize(std::fread(head.data(), 1, head.size(), in.get()));
  if (std::ferror(in.get())) return Status::IoError("read error in " + Printable(path));
  const std::string name = std::filesystem::path(path).filename().string();
  if (LooksLikeMbox(head)) {
    MboxReader mbox(
        [&](const MboxMessageStart& m) {
          return importer.Begin(name + "#" + std::to_string(m.index), MboxSender(m.from_line));
        },
        [&](std::string_view bytes) { importer.Write(bytes); }, [&] { return importer.End(); });
    Status s = mbox.Feed(head);
    if (s.ok()) s = ReadBlocks(in.get(), path, [&](std::string_view bytes) { return mbox.Feed(bytes); });
    return s.ok() ? mbox.Finish() : s;
  }
  if (Status s = importer.Begin(name, ""); !s.ok()) return s;
  importer.Write(head);
  Status s = ReadBlocks(in.get(), path, [&](std::string_view bytes) {
    importer.Write(bytes);
    return Status::Ok();
  });
  return s.ok() ? importer.End() : s;
}

}  // namespace

int ImportCommand(const Config& config, const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << "usage: chainmail import FILE...   (.eml files and mbox files)\n";
    return 2;
  }
  auto archive = OpenExistingArchive(config);
  if (!archive.ok()) {
    std::cerr << "chainmail: " << archive.status().message() << "\n";
    return 1;
  }
  DecidedIngest ingest(**archive, DefaultPolicy);
  Importer importer(ingest);
  int rc = 0;
  for (const auto& path : args) {
    if (Status s = ImportFile(importer, path); !s.ok()) {
      std::cerr << "chainmail: " << s.message() << "\n";
      rc = 1;
    }
  }
  std::cout << importer.count() << " messages imported\n";
  if (importer.refused() > 0) {
    std::cerr << "chainmail: " << importer.refused() << " empty messages not archived\n";
    rc = 1;
  }
  return rc;
}

}  // namespace chainmail
