// The golden evidence bundle: an archive built from fixed inputs through the real ingest
// path — a fixed signing key seed, and a fixed RecordMint for the base origin's id, record
// ids, salts and every time; fixed message bytes and envelopes — exported as a window with
// held checkpoints, and pinned byte for byte (golden/bundle.tar, whose SHA-256 is also
// pinned here). Any change to what an export writes for the same archive state fails here.
// The committed bundle must also keep verifying, in-process and with chainmail-verify,
// so a verifier that starts rejecting bundles already handed out is caught too.
//
// After a deliberate format change (which bumps a version): CHAINMAIL_WRITE_GOLDEN=1
// rewrites golden/ from the current code; then update kGoldenTarSha256 (golden/README.md).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>

#include "archive/format/bundle_layout.h"
#include "archive/format/bundle_verifier.h"
#include "archive/format/checkpoint.h"
#include "archive/format/file_bytes.h"
#include "archive/format/merkle.h"
#include "archive/format/sha256.h"
#include "archive/record_mint.h"
#include "archive/tree_store.h"
#include "audit/bundle_export.h"
#include "audit/checkpoint_signing.h"
#include "audit/decided_ingest.h"
#include "audit/service_events.h"
#include "tests/archive/archive_test_util.h"
#include "tests/service/verify/run_binary.h"

namespace chainmail::testing {
namespace {

// SHA-256 of golden/bundle.tar.
constexpr char kGoldenTarSha256[] = "60c98900861423526d87dbbec63835c479f67ae147fffc18a17593cd2c09e602";
// SHA-256 of golden/bundle-v1.tar: the same bundle as bundle v1 wrote it (no MANIFEST.note).
constexpr char kGoldenV1TarSha256[] = "9517f90fbc279a9de2ba38d8b3333f098b757579898eeb07ec4ecc938cdf4da0";

const std::string kGoldenDir = CHAINMAIL_GOLDEN_DIR;
const std::string kTarPath = kGoldenDir + "/bundle.tar";
const std::string kV1TarPath = kGoldenDir + "/bundle-v1.tar";
const std::string kKeysPath = kGoldenDir + "/verifier-keys.txt";
const std::string kHeldMessagesPath = kGoldenDir + "/held-messages-2.txt";
const std::string kHeldAuditPath = kGoldenDir + "/held-audit-1.txt";
const std::string kManifestPath = kGoldenDir + "/MANIFEST.sha256";

// Fixed time and randomness: the clock starts at 2026-11-27T12:00:00Z and advances 1 ms
// at each read; random bytes are SHA-256("chainmail golden random <n>") for n = 0, 1, …;
// record ids are UUIDv7 built from both.
class FixedMint : public RecordMint {
 public:
  uint64_t NowUs() override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_us_ += 1000;
  }
  std::string RandomBytes(size_t n) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    while (out.size() < n) {
      const Hash32 h = Sha256::Of("chainmail golden random " + std::to_string(counter_++));
      out.append(reinterpret_cast<const char*>(h.data()), h.size());
    }
    out.resize(n);
    return out;
  }
  RecordId NewRecordId() override {
    const uint64_t ms = NowUs() / 1000;
    const std::string r = RandomBytes(10);
    RecordIdBytes b{};
    for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
    b[6] = static_cast<uint8_t>(0x70 | (r[0] & 0x0f));
    b[7] = static_cast<uint8_t>(r[1]);
    b[8] = static_cast<uint8_t>(0x80 | (r[2] & 0x3f));
    for (int i = 9; i < 16; ++i) b[i] = static_cast<uint8_t>(r[i - 6]);
    return RecordId(b);
  }

 private:
  std::mutex mu_;
  uint64_t now_us_ = 1795780800000000ull;  // guarded by mu_
  uint64_t counter_ = 0;                   // guarded by mu_
};

std::string GoldenMessage(int i) {
  std::string m = "From: Alice <alice@example.com>\r\nTo: Bob <bob@example.net>\r\n"
                  "Subject: golden " + std::to_string(i) + "\r\nMessage-ID: <golden" + std::to_string(i) +
                  "@example.com>\r\nDate: Fri, 27 Nov 2026 12:00:0" + std::to_string(i) + " +0000\r\n\r\n";
  for (int line = 0; line < 12; ++line)
    m += "Line " + std::to_string(line) + " of golden message " + std::to_string(i) + ".\r\n";
  return m;
}

void IngestGolden(MessageIngest& ingest, int i) {
  auto spool = ingest.BeginMessage();
  ASSERT_TRUE(spool.ok()) << spool.status().message();
  (*spool)->Write(GoldenMessage(i));
  MessagePayload e;
  e.mail_from = "<alice@example.com> BODY=8BITMIME";
  e.rcpt_to = {"<bob@example.net>", "<journal@golden.example>"};
  e.helo_verb = "EHLO";
  e.helo_name = "gw.example.com";
  e.client_address = "192.0.2.10";
  e.client_port = static_cast<uint16_t>(40000 + i);
  e.server_address = "198.51.100.5:25";
  e.tls_protocol = i % 2 ? "TLSv1.3" : "";
  e.tls_cipher = i % 2 ? "TLS_AES_256_GCM_SHA384" : "";
  e.session_id = std::string(16, static_cast<char>(0x10 + i));
  auto id = ingest.Commit(std::move(*spool), e);
  ASSERT_TRUE(id.ok()) << id.status().message();
}

std::string SignedNoteAt(Database& db, const std::string& origin, LogName log, uint64_t size,
                         const Ed25519SigningKey& key) {
  TreeNodeReader nodes(db, log);
  return *SignCheckpoint(Checkpoint{origin, size, *RootAt(nodes, size), {}}, key);
}

int64_t ReceivedUs(Database& db, uint64_t seq) {
  Statement st = db.Prepare("SELECT received_us FROM messages WHERE seq = ?");
  st.Bind(1, static_cast<int64_t>(seq));
  EXPECT_TRUE(st.Step());
  return st.Int(0);
}

struct Golden {
  TarFiles files;
  Bytes tar;
  std::vector<VerifierKey> keys;
  std::string held_messages, held_audit;  // what the auditor holds: messages at 2, audit at 1
};

// The archive: service.start, then five messages, each with its policy decision. The
// export: both logs, messages received from message 1 to message 3 — so messages [1, 4)
// and audit [2, 4), each a window with a compact range, and each log's latest checkpoint
// (kept at its full size) beyond the window's end with a consistency proof to it.
Golden BuildGolden() {
  Golden g;
  TempDir dir;
  auto key = std::make_shared<Ed25519SigningKey>(std::move(*Ed25519SigningKey::FromSeed(
      "chainmail golden bundle key seed")));
  ArchiveOptions o;
  o.data_dir = dir.path();
  o.origin_name = "golden.example";
  o.min_free_bytes = 0;
  o.compression_contexts = 1;
  o.mint = std::make_shared<FixedMint>();
  o.checkpoint_signer = CheckpointSigner(key);
  // Nothing is signed before Close(), which signs each log at its full size: which
  // checkpoints are kept does not depend on timing.
  o.checkpoint_interval = std::chrono::hours(24);
  auto archive = Archive::Open(o);
  EXPECT_TRUE(archive.ok()) << archive.status().message();
  if (!archive.ok()) return g;
  EXPECT_TRUE(RecordServiceStart(**archive, "archive.data_dir = /var/lib/chainmail\n", "golden").ok());
  DecidedIngest ingest(**archive, DefaultPolicy);
  for (int i = 0; i < 5; ++i) IngestGolden(ingest, i);
  (*archive)->Close();

  const Identity& id = (*archive)->identity();
  auto db = OpenDb(dir.path());
  g.keys = *LogVerifierKeys(id, *key);
  g.held_messages = SignedNoteAt(*db, id.messages_origin, LogName::kMessages, 2, *key);
  g.held_audit = SignedNoteAt(*db, id.audit_origin, LogName::kAudit, 1, *key);
  ExportRequest r;
  r.messages = true;
  r.audit = true;
  r.from_us = ReceivedUs(*db, 1);
  r.to_us = ReceivedUs(*db, 3);
  r.known_notes = {g.held_messages, g.held_audit};
  r.keys = g.keys;
  auto files = BuildBundleFiles(*db, id, CheckpointSigner(key), r);
  EXPECT_TRUE(files.ok()) << files.status().message();
  if (!files.ok()) return g;
  g.files = std::move(*files);
  g.tar = *WriteUstar(g.files);
  return g;
}

std::string KeysText(const std::vector<VerifierKey>& keys) {
  std::string out;
  for (const VerifierKey& k : keys) out += k.ToString() + "\n";
  return out;
}

std::string ReadGolden(const std::string& path) {
  auto bytes = ReadFileBytes(path);
  EXPECT_TRUE(bytes.has_value()) << "missing " << path << " (CHAINMAIL_WRITE_GOLDEN=1 writes it)";
  return bytes.value_or("");
}

void WriteGolden(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

std::vector<VerifierKey> GoldenKeys() {
  std::vector<VerifierKey> keys;
  const std::string text = ReadGolden(kKeysPath);
  for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
    auto k = VerifierKey::Parse(text.substr(at, nl - at));
    EXPECT_TRUE(k.ok()) << k.status().message();
    if (k.ok()) keys.push_back(*k);
  }
  return keys;
}

// The first INVALID item as chainmail-verify prints it, or "".
std::string FirstInvalidLine(const BundleReport& report) {
  for (const BundleItem& item : report.items)
    if (item.verdict == BundleItem::Verdict::kInvalid) return BundleReport::Line(item);
  return "";
}

// The paths whose bytes differ between two bundles (or that only one has).
std::vector<std::string> DifferingFiles(const TarFiles& a, const TarFiles& b) {
  std::vector<std::string> out;
  for (const auto& [path, data] : a)
    if (!b.count(path) || b.at(path) != data) out.push_back(path);
  for (const auto& [path, data] : b)
    if (!a.count(path)) out.push_back(path);
  return out;
}

TEST(GoldenBundle, RebuildsByteForByte) {
  const Golden g = BuildGolden();
  ASSERT_FALSE(g.tar.empty());
  if (std::getenv("CHAINMAIL_WRITE_GOLDEN")) {
    WriteGolden(kTarPath, g.tar);
    WriteGolden(kManifestPath, g.files.at(std::string(bundle::kManifest)));
    WriteGolden(kKeysPath, KeysText(g.keys));
    WriteGolden(kHeldMessagesPath, g.held_messages);
    WriteGolden(kHeldAuditPath, g.held_audit);
    std::cout << "wrote " << kGoldenDir << "; pin kGoldenTarSha256 = " << ToHex(Sha256::Of(g.tar)) << "\n";
  }
  EXPECT_EQ(ToHex(Sha256::Of(g.tar)), kGoldenTarSha256);
  const Bytes committed = ReadGolden(kTarPath);
  EXPECT_TRUE(g.tar == committed) << "the rebuilt bundle differs from golden/bundle.tar";
  if (auto files = ReadUstar(committed); files.ok())
    for (const std::string& path : DifferingFiles(g.files, *files)) ADD_FAILURE() << "differs: " << path;
  // The readable twins: every file's hash, the keys and the held checkpoints.
  EXPECT_EQ(g.files.at(std::string(bundle::kManifest)), ReadGolden(kManifestPath));
  EXPECT_EQ(KeysText(g.keys), ReadGolden(kKeysPath));
  EXPECT_EQ(g.held_messages, ReadGolden(kHeldMessagesPath));
  EXPECT_EQ(g.held_audit, ReadGolden(kHeldAuditPath));
}

TEST(GoldenBundle, TheWindowCarriesEveryKindOfFile) {
  const TarFiles files = *ReadUstar(ReadGolden(kTarPath));
  EXPECT_EQ(files.at(bundle::RangePath("messages")), bundle::FormatRange({1, 4}));
  EXPECT_EQ(files.at(bundle::RangePath("audit")), bundle::FormatRange({2, 4}));
  for (std::string_view log : {bundle::kMessagesLog, bundle::kAuditLog}) {
    EXPECT_FALSE(files.at(bundle::CompactRangePath(log)).empty()) << log;
    EXPECT_FALSE(files.at(bundle::ConsistencyEndLatestPath(log)).empty()) << log;
    EXPECT_NE(files.at(bundle::CheckpointEndPath(log)), files.at(bundle::CheckpointLatestPath(log))) << log;
    EXPECT_TRUE(files.count(bundle::KeyPath(log))) << log;
  }
  EXPECT_TRUE(files.count(bundle::KnownPath("messages", 2)));
  EXPECT_TRUE(files.count(bundle::KnownPath("audit", 1)));
  size_t emls = 0, payloads = 0;
  for (const auto& [path, data] : files) {
    emls += path.ends_with(".eml");
    payloads += path.ends_with("/payload.bin");
  }
  EXPECT_EQ(emls, 3u);
  EXPECT_EQ(payloads, 5u);  // three messages and their two policy decisions in the window
}

TEST(GoldenBundle, CommittedBundleStillVerifies) {
  const Bytes tar = ReadGolden(kTarPath);
  EXPECT_EQ(ToHex(Sha256::Of(tar)), kGoldenTarSha256) << "golden/bundle.tar is not the pinned bundle";
  const std::vector<std::string> held = {ReadGolden(kHeldMessagesPath), ReadGolden(kHeldAuditPath)};
  const std::vector<VerifierKey> keys = GoldenKeys();
  ASSERT_EQ(keys.size(), 2u);
  BundleReport report = VerifyBundle(tar, keys, held);
  for (const BundleItem& item : report.items)
    EXPECT_EQ(item.verdict, BundleItem::Verdict::kValid) << BundleReport::Line(item);

  RunResult run = RunBinary("chainmail-verify", {"bundle", kTarPath, "--key", keys[0].ToString(), "--key",
                                                 keys[1].ToString(), "--known-checkpoint", kHeldMessagesPath,
                                                 "--known-checkpoint", kHeldAuditPath});
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(run.out.find("INVALID"), std::string::npos) << run.out;
  std::vector<std::string> require_all = {"bundle", kTarPath, "--key", keys[0].ToString(), "--key", keys[1].ToString(),
                                          "--known-checkpoint", kHeldMessagesPath, "--known-checkpoint", kHeldAuditPath,
                                          "--require-all"};
  EXPECT_EQ(RunBinary("chainmail-verify", require_all).exit_code, 0) << "everything checked and valid";
  EXPECT_NE(run.out.find("summary: " + std::to_string(report.items.size()) + " valid, 0 invalid, 0 not checked\n"),
            std::string::npos)
      << run.out;
  const TarFiles files = *ReadUstar(tar);
  for (const auto& [path, data] : files)
    if (path.ends_with("/payload.bin")) {
      const std::string id = path.substr(bundle::kRecordsPrefix.size(), path.size() - bundle::kRecordsPrefix.size() - 12);
      EXPECT_NE(run.out.find("record " + id + ": valid\n"), std::string::npos) << id << "\n" << run.out;
    }
  EXPECT_NE(run.out.find("messages: held checkpoint at size 2: valid\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("audit: held checkpoint at size 1: valid\n"), std::string::npos) << run.out;
}

// A bundle v1 handed out before MANIFEST.note still verifies, but only when the auditor
// accepts knowingly that its contents are not signed: stripping the note from a v2
// bundle must not pass silently.
TEST(GoldenBundle, V1BundleVerifiesOnlyWithAllowV1) {
  const Bytes tar = ReadGolden(kV1TarPath);
  EXPECT_EQ(ToHex(Sha256::Of(tar)), kGoldenV1TarSha256);
  const std::vector<std::string> held = {ReadGolden(kHeldMessagesPath), ReadGolden(kHeldAuditPath)};
  const std::vector<VerifierKey> keys = GoldenKeys();
  ASSERT_EQ(keys.size(), 2u);

  const BundleReport strict = VerifyBundle(tar, keys, held);
  EXPECT_EQ(strict.Count(BundleItem::Verdict::kInvalid), 1u);
  EXPECT_EQ(FirstInvalidLine(strict).rfind("MANIFEST.note: INVALID: missing", 0), 0u) << FirstInvalidLine(strict);
  const BundleReport allowed = VerifyBundle(tar, keys, held, /*allow_v1=*/true);
  EXPECT_TRUE(allowed.ok()) << FirstInvalidLine(allowed);
  EXPECT_EQ(allowed.Count(BundleItem::Verdict::kNotChecked), 1u);

  const std::vector<std::string> args = {"bundle", kV1TarPath, "--key", keys[0].ToString(), "--key", keys[1].ToString()};
  EXPECT_EQ(RunBinary("chainmail-verify", args).exit_code, 1);
  std::vector<std::string> with_flag = args;
  with_flag.push_back("--allow-v1");
  const RunResult run = RunBinary("chainmail-verify", with_flag);
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("MANIFEST.note: not checked: absent (a v1 bundle"), std::string::npos) << run.out;

  // --require-all: a clean exit means every item was checked, so the unsigned contents fail.
  with_flag.push_back("--require-all");
  const RunResult strict_run = RunBinary("chainmail-verify", with_flag);
  EXPECT_EQ(strict_run.exit_code, 1) << strict_run.out;
  EXPECT_NE(strict_run.out.find(" valid, 0 invalid, 1 not checked\n--require-all: 1 item(s) not checked: not verified\n"),
            std::string::npos)
      << strict_run.out;
}

TEST(GoldenBundle, AnyChangedByteOfTheCommittedBundleIsCaught) {
  const Bytes tar = ReadGolden(kTarPath);
  const TarFiles files = *ReadUstar(tar);
  const std::vector<std::string> held = {ReadGolden(kHeldMessagesPath), ReadGolden(kHeldAuditPath)};
  const std::vector<VerifierKey> keys = GoldenKeys();
  ASSERT_EQ(keys.size(), 2u);
  // One byte in the middle of each file's data, in place in the tar.
  size_t header = 0;
  for (const auto& [path, data] : files) {
    ASSERT_EQ(tar.compare(header, path.size(), path), 0) << path;
    if (!data.empty()) {
      Bytes changed = tar;
      changed[header + kUstarBlock + data.size() / 2] ^= 0x01;
      EXPECT_NE(ToHex(Sha256::Of(changed)), kGoldenTarSha256);
      EXPECT_FALSE(VerifyBundle(changed, keys, held).ok()) << "a changed byte of " << path << " went unnoticed";
    }
    header += kUstarBlock + (data.size() + kUstarBlock - 1) / kUstarBlock * kUstarBlock;
  }
  // And chainmail-verify says so with its exit code (a byte of the first .eml).
  const size_t body = tar.find("\r\n\r\nLine 0 of golden message 1.");
  ASSERT_NE(body, std::string::npos);
  Bytes changed = tar;
  changed[body + 4] ^= 0x01;
  TempDir dir;
  const std::string path = dir.path() + "/changed.tar";
  WriteGolden(path, changed);
  EXPECT_EQ(RunBinary("chainmail-verify", {"bundle", path, "--key", keys[0].ToString(), "--key", keys[1].ToString()})
                .exit_code, 1);
}

}  // namespace
}  // namespace chainmail::testing
