#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "archive/archive.h"
#include "archive/mbox_reader.h"
#include "audit/decided_ingest.h"
#include "service/config/archive_options.h"
#include "service/cli/commands.h"

namespace chainmail {
namespace {

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

// Archives one message through the same path as SMTP; prints its id.
class Importer {
 public:
  explicit Importer(MessageIngest& ingest) : ingest_(ingest) {}

  Status Begin(const std::string& name, const std::string& mail_from) {
    name_ = name;
    mail_from_ = mail_from;
    auto spool = ingest_.BeginMessage();
    if (!spool.ok()) return spool.status();
    spool_ = std::move(*spool);
    return Status::Ok();
  }
  void Write(std::string_view bytes) { spool_->Write(bytes); }
  Status End() {
    auto id = ingest_.Commit(std::move(spool_), ImportEnvelope(name_, mail_from_));
    if (!id.ok()) return Status::IoError(name_ + ": " + id.status().message());
    std::cout << "imported " << name_ << " as " << id->ToString() << "\n";
    ++count_;
    return Status::Ok();
  }
  size_t count() const { return count_; }

 private:
  MessageIngest& ingest_;
  std::unique_ptr<MessageSpool> spool_;
  std::string name_, mail_from_;
  size_t count_ = 0;
};

Status ImportFile(Importer& importer, const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> in(std::fopen(path.c_str(), "rb"));
  if (!in) return Status::NotFound("cannot open " + path);
  char head[5] = {0};
  size_t got = std::fread(head, 1, sizeof(head), in.get());
  std::rewind(in.get());
  const std::string name = std::filesystem::path(path).filename().string();
  if (LooksLikeMbox(std::string_view(head, got))) {
    return ReadMbox(
        in.get(),
        [&](const MboxMessageStart& m) {
          return importer.Begin(name + "#" + std::to_string(m.index), MboxSender(m.from_line));
        },
        [&](std::string_view bytes) { importer.Write(bytes); }, [&] { return importer.End(); });
  }
  if (Status s = importer.Begin(name, ""); !s.ok()) return s;
  char buf[64 * 1024];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), in.get())) > 0) importer.Write(std::string_view(buf, n));
  if (std::ferror(in.get())) return Status::IoError("read error in " + path);
  return importer.End();
}

}  // namespace

int ImportCommand(const Config& config, const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << "usage: chainmail import FILE...   (.eml files and mbox files)\n";
    return 2;
  }
  auto options = ArchiveOptionsFrom(config, SigningKeyUse::kIfReadable);
  if (!options.ok()) {
    std::cerr << "chainmail: " << options.status().message() << "\n";
    return 1;
  }
  auto archive = Archive::Open(*options);
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
  return rc;
}

}  // namespace chainmail
