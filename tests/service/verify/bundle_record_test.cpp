// The record files of an evidence bundle: body.zst is the stored zstd frame byte for byte
// (nothing rides along it), and each record's problem is reported once, not again for
// each of its files.
#include <gtest/gtest.h>

#include <zstd.h>

#include <cstdint>

#include "archive/format/bundle_layout.h"
#include "archive/format/leaf.h"
#include "tests/service/verify/bundle_fixture.h"

namespace chainmail::testing {
namespace {

class BundleRecords : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    archive_ = new SignedArchive(4);
    ExportRequest r;
    r.messages = true;
    r.audit = true;
    files_ = new TarFiles(archive_->Files(r));
  }
  static void TearDownTestSuite() {
    delete files_;
    delete archive_;
  }

  // The edited files re-packed (their manifest no longer matches its signature).
  static BundleReport Verify(const TarFiles& files) { return VerifyBundle(Pack(files, true), archive_->keys(), {}); }
  static std::string Id(int i) { return archive_->ids()[i].ToString(); }

  static SignedArchive* archive_;
  static TarFiles* files_;
};
SignedArchive* BundleRecords::archive_ = nullptr;
TarFiles* BundleRecords::files_ = nullptr;

std::string SkippableFrame(const std::string& data) {
  std::string out;
  for (uint32_t v : {uint32_t{ZSTD_MAGIC_SKIPPABLE_START}, static_cast<uint32_t>(data.size())})
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out + data;
}

std::string ZstdFrame(const std::string& raw) {
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 3));
  return out;
}

// The report's line for the item named exactly `what`, or "" when it has none. (The
// manifest's signature fails too after an edit: these tests look past it.)
std::string LineFor(const BundleReport& report, const std::string& what) {
  for (const BundleItem& item : report.items)
    if (item.what == what) return BundleReport::Line(item);
  return "";
}

// The INVALID items whose `what` names record `id` or one of its files.
std::vector<std::string> ItemsAbout(const BundleReport& report, const std::string& id) {
  std::vector<std::string> out;
  for (const BundleItem& item : report.items)
    if (item.verdict == BundleItem::Verdict::kInvalid && item.what.find(id) != std::string::npos)
      out.push_back(BundleReport::Line(item));
  return out;
}

TEST_F(BundleRecords, UntouchedBundleIsValid) {
  BundleReport report = Verify(*files_);
  EXPECT_TRUE(report.ok()) << FirstInvalid(report);
}

TEST_F(BundleRecords, SkippableFrameAfterBodyIsInvalid) {
  TarFiles f = *files_;
  f[bundle::BodyPath(Id(1))] += SkippableFrame("arbitrary hidden data appended to a verified body.zst");
  EXPECT_EQ(LineFor(Verify(f), "record " + Id(1)),
            "record " + Id(1) + ": INVALID: body.zst: zstd: data after the end of the frame");
}

TEST_F(BundleRecords, SkippableFrameBeforeBodyIsInvalid) {
  TarFiles f = *files_;
  Bytes& body = f[bundle::BodyPath(Id(2))];
  body = SkippableFrame("hidden") + body;
  EXPECT_EQ(LineFor(Verify(f), "record " + Id(2)),
            "record " + Id(2) + ": INVALID: body.zst: zstd: does not start with a zstd data frame");
}

TEST_F(BundleRecords, SecondFrameAfterBodyIsInvalid) {
  TarFiles f = *files_;
  f[bundle::BodyPath(Id(0))] += ZstdFrame("");  // adds no bytes to the body
  EXPECT_EQ(LineFor(Verify(f), "record " + Id(0)),
            "record " + Id(0) + ": INVALID: body.zst: zstd: data after the end of the frame");
}

TEST_F(BundleRecords, RecordsOfAnUnverifiedLogAreReportedOnceEach) {
  TarFiles f = *files_;
  Bytes& leaves = f[bundle::LeavesPath("messages")];
  leaves[2 * kLeafSize + 90] = static_cast<char>(leaves[2 * kLeafSize + 90] ^ 1);
  BundleReport report = Verify(f);
  ASSERT_FALSE(report.ok());
  for (int i = 0; i < 4; ++i) {
    const auto items = ItemsAbout(report, Id(i));
    ASSERT_EQ(items.size(), 1u) << ::testing::PrintToString(items);
    EXPECT_EQ(items[0], "record " + Id(i) + ": INVALID: no verified leaf in the bundle for this record");
  }
}

TEST_F(BundleRecords, RecordWithABadCommitmentIsReportedOnce) {
  TarFiles f = *files_;
  Bytes& payload = f[bundle::PayloadPath(Id(3))];
  payload.back() = static_cast<char>(payload.back() ^ 1);
  const auto items = ItemsAbout(Verify(f), Id(3));
  ASSERT_EQ(items.size(), 1u) << ::testing::PrintToString(items);
  EXPECT_EQ(items[0], "record " + Id(3) + ": INVALID: payload and salt do not match the leaf's commitment");
}

TEST_F(BundleRecords, BodyFileOfAnAuditRecordIsStillUnnamed) {
  // Only the files the layout names for the record's kind are accounted for by it.
  TarFiles f = *files_;
  std::string audit_id;
  for (const auto& [path, data] : f)
    if (path.starts_with("records/") && path.ends_with("/payload.bin") && !f.count(path.substr(0, path.size() - 11) + "body.zst"))
      audit_id = path.substr(8, path.size() - 8 - 12);
  ASSERT_FALSE(audit_id.empty());
  f[bundle::BodyPath(audit_id)] = ZstdFrame("x");
  EXPECT_EQ(LineFor(Verify(f), "'" + bundle::BodyPath(audit_id) + "'"),
            "'" + bundle::BodyPath(audit_id) + "': INVALID: a file the bundle layout does not name");
  EXPECT_EQ(LineFor(Verify(f), "record " + audit_id), "record " + audit_id + ": valid");
}

}  // namespace
}  // namespace chainmail::testing
