#include "tests/service/verify/bundle_fixture.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "archive/format/bundle_layout.h"
#include "archive/format/checkpoint.h"
#include "archive/tree_store.h"
#include "audit/checkpoint_signing.h"
#include "audit/decided_ingest.h"

namespace chainmail::testing {

SignedArchive::SignedArchive(int messages) {
  key_ = std::make_shared<Ed25519SigningKey>(std::move(*Ed25519SigningKey::Generate()));
  ArchiveOptions o;
  o.data_dir = dir_.path();
  o.origin_name = "bundle.test";
  o.min_free_bytes = 0;
  o.checkpoint_interval = std::chrono::milliseconds(1);
  o.checkpoint_signer = CheckpointSigner(key_);
  auto a = Archive::Open(o);
  EXPECT_TRUE(a.ok()) << a.status().message();
  archive_ = std::move(*a);
  keys_ = *LogVerifierKeys(archive_->identity(), *key_);
  AddMessages(messages);
}

SignedArchive::~SignedArchive() { archive_->Close(); }

void SignedArchive::AddMessages(int n) {
  DecidedIngest ingest(*archive_, DefaultPolicy);
  for (int i = 0; i < n; ++i) ids_.push_back(Ingest(ingest, SampleMessage(static_cast<int>(ids_.size()), 3000)));
}

TarFiles SignedArchive::Files(const ExportRequest& request) {
  auto db = OpenDb(dir());
  auto files = BuildBundleFiles(*db, archive_->identity(), archive_->options().checkpoint_signer, request);
  EXPECT_TRUE(files.ok()) << files.status().message();
  return files.ok() ? *files : TarFiles{};
}

Bytes SignedArchive::Export(const ExportRequest& request, const std::string& name) {
  const std::string path = dir() + "/" + name;
  auto r = ExportBundle(*archive_, request, LocalUserEvent(0, "", ""), path);
  EXPECT_TRUE(r.ok()) << r.status().message();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string SignedArchive::NoteAt(LogName log, uint64_t size, const Hash32* root) {
  auto db = OpenDb(dir());
  TreeNodeReader nodes(*db, log);
  const Identity& id = archive_->identity();
  Checkpoint c{log == LogName::kMessages ? id.messages_origin : id.audit_origin, size,
               root ? *root : *RootAt(nodes, size), {}};
  return *SignCheckpoint(c, *key_);
}

uint64_t SignedArchive::LogSize(LogName log) {
  auto db = OpenDb(dir());
  return ReadLogHead(*db, log)->size;
}

int64_t SignedArchive::ReceivedUs(uint64_t message_seq) {
  auto db = OpenDb(dir());
  Statement st = db->Prepare("SELECT received_us FROM messages WHERE seq = ?");
  st.Bind(1, static_cast<int64_t>(message_seq));
  EXPECT_TRUE(st.Step());
  return st.Int(0);
}

std::string SignedArchive::ManifestNote(const TarFiles& files, const std::vector<std::string>& origins) const {
  std::vector<std::string> names = origins;
  if (names.empty()) {
    if (files.count(bundle::RangePath(bundle::kMessagesLog))) names.push_back(archive_->identity().messages_origin);
    if (files.count(bundle::RangePath(bundle::kAuditLog))) names.push_back(archive_->identity().audit_origin);
  }
  return *SignManifest(CheckpointSigner(key_), files.at(std::string(bundle::kManifest)), names);
}

Bytes Pack(TarFiles files, bool fix_manifest, const SignedArchive* signer) {
  if (fix_manifest) files[std::string(bundle::kManifest)] = bundle::BuildManifest(files);
  if (fix_manifest && signer) files[std::string(bundle::kManifestNote)] = signer->ManifestNote(files);
  return *WriteUstar(files);
}

std::string FirstInvalid(const BundleReport& report) {
  for (const auto& item : report.items)
    if (item.verdict == BundleItem::Verdict::kInvalid) return item.what + ": " + item.reason;
  return "";
}

}  // namespace chainmail::testing
