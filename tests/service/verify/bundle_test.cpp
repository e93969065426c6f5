// Evidence bundles end to end in-process: export from a real signed archive, verify with
// the shared checker, and the tamper matrix on the bundle's bytes — each edit caught with
// a specific reason.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <functional>

#include "archive/format/audit_listing.h"
#include "archive/format/bundle_layout.h"
#include "archive/format/leaf.h"
#include "archive/format/merkle_compact_range.h"
#include "archive/format/payload_tags.h"
#include "archive/format/record_id.h"
#include "archive/format/sha256.h"
#include "archive/format/signed_note.h"
#include "audit/audit_event.h"
#include "tests/service/verify/bundle_fixture.h"

namespace chainmail::testing {
namespace {

ExportRequest Everything() {
  ExportRequest r;
  r.messages = true;
  r.audit = true;
  return r;
}

class Bundle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    archive_ = new SignedArchive(10);
    files_ = new TarFiles(archive_->Files(Everything()));
  }
  static void TearDownTestSuite() {
    delete files_;
    delete archive_;
  }

  BundleReport Verify(const Bytes& tar, const std::vector<std::string>& held = {}) {
    return VerifyBundle(tar, archive_->keys(), held);
  }
  // Applies `edit` to a copy of the full bundle and returns the first INVALID item.
  std::string Tampered(const std::function<void(TarFiles&)>& edit, bool fix_manifest = true) {
    TarFiles copy = *files_;
    edit(copy);
    return FirstInvalid(Verify(Pack(copy, fix_manifest, archive_)));
  }
  static std::string Id(int i) { return archive_->ids()[i].ToString(); }

  static SignedArchive* archive_;
  static TarFiles* files_;
};
SignedArchive* Bundle::archive_ = nullptr;
TarFiles* Bundle::files_ = nullptr;

void Flip(Bytes& b, size_t at) { b[at] = static_cast<char>(b[at] ^ 0x01); }

TEST_F(Bundle, RoundTripIsValid) {
  BundleReport report = Verify(*WriteUstar(*files_));
  EXPECT_TRUE(report.ok()) << FirstInvalid(report);
  EXPECT_EQ(report.Count(BundleItem::Verdict::kNotChecked), 0u);
  EXPECT_TRUE(files_->count(bundle::EmlPath(Id(3))));
  EXPECT_TRUE(files_->count(std::string(bundle::kAuditCsv)));
  bool refs = false;
  for (const auto& item : report.items) refs = refs || item.what.starts_with("audit target refs (10 in the bundle");
  EXPECT_TRUE(refs) << "every policy decision names its message leaf";
}

TEST_F(Bundle, SameStateAndArgumentsGiveSameBytes) {
  ExportRequest r;
  r.messages = true;
  const Bytes a = archive_->Export(r, "a.tar");
  const Bytes b = archive_->Export(r, "b.tar");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_TRUE(Verify(a).ok()) << FirstInvalid(Verify(a));
}

TEST_F(Bundle, ExportIsAuditedWithTheManifestHash) {
  ExportRequest r;
  r.messages = true;
  r.message_ids = std::vector<RecordId>{archive_->ids()[2]};
  const Bytes tar = archive_->Export(r, "one.tar");
  TarFiles files = *ReadUstar(tar);
  EXPECT_EQ(files.count(bundle::PayloadPath(Id(2))), 1u);
  EXPECT_EQ(files.count(bundle::PayloadPath(Id(3))), 0u);
  const std::string manifest_hash = ToHex(Sha256::Of(files[std::string(bundle::kManifest)]));
  // The export event comes after the bundle's state: a later audit export shows it.
  TarFiles later = archive_->Files(Everything());
  EXPECT_NE(later[std::string(bundle::kAuditJsonl)].find(manifest_hash), std::string::npos);
  EXPECT_NE(later[std::string(bundle::kAuditJsonl)].find("\"type\":\"message.export\""), std::string::npos);
}

TEST_F(Bundle, FlippedLeafBreaksTheChain) {
  EXPECT_NE(Tampered([](TarFiles& f) { Flip(f[bundle::LeavesPath("messages")], 3 * kLeafSize + 90); })
                .find("chain link broken"), std::string::npos);
}

TEST_F(Bundle, FlippedLastLeafBreaksTheRoot) {
  EXPECT_NE(Tampered([](TarFiles& f) { Flip(f[bundle::LeavesPath("messages")], 9 * kLeafSize + 120); })
                .find("does not equal the signed root"), std::string::npos);
}

TEST_F(Bundle, SwappedDroppedDuplicatedTruncatedLeaves) {
  auto leaves = [](TarFiles& f) -> Bytes& { return f[bundle::LeavesPath("messages")]; };
  EXPECT_NE(Tampered([&](TarFiles& f) {
              Bytes& l = leaves(f);
              std::swap_ranges(l.begin() + 2 * kLeafSize, l.begin() + 3 * kLeafSize, l.begin() + 3 * kLeafSize);
            }).find("out of place"), std::string::npos);
  EXPECT_NE(Tampered([&](TarFiles& f) { leaves(f).erase(4 * kLeafSize, kLeafSize); }).find("not 10 leaves"),
            std::string::npos);
  EXPECT_NE(Tampered([&](TarFiles& f) {
              leaves(f).erase(9 * kLeafSize, kLeafSize);
              f[bundle::RangePath("messages")] = bundle::FormatRange({0, 9});
            }).find("its size is not the range end"), std::string::npos);
  EXPECT_NE(Tampered([&](TarFiles& f) { leaves(f).insert(5 * kLeafSize, leaves(f).substr(5 * kLeafSize, kLeafSize)); })
                .find("not 10 leaves"), std::string::npos);
  EXPECT_NE(Tampered([&](TarFiles& f) { leaves(f).resize(leaves(f).size() - 7); }).find("not 10 leaves"),
            std::string::npos);
}

TEST_F(Bundle, LeafFromTheOtherLogIsCaught) {
  EXPECT_NE(Tampered([](TarFiles& f) {
              f[bundle::LeavesPath("messages")].replace(0, kLeafSize, f[bundle::LeavesPath("audit")].substr(0, kLeafSize));
            }).find("record type of the other log"), std::string::npos);
}

TEST_F(Bundle, FlippedPayloadSaltBodyOrEmlIsCaught) {
  EXPECT_NE(Tampered([](TarFiles& f) { Flip(f[bundle::PayloadPath(Id(1))], 10); }).find("commitment"), std::string::npos);
  EXPECT_NE(Tampered([](TarFiles& f) { Flip(f[bundle::SaltPath(Id(1))], 0); }).find("commitment"), std::string::npos);
  EXPECT_NE(Tampered([](TarFiles& f) { Flip(f[bundle::BodyPath(Id(1))], 20); }).find("record " + Id(1)), std::string::npos);
  EXPECT_NE(Tampered([](TarFiles& f) { Flip(f[bundle::EmlPath(Id(1))], 5); }).find(".eml differs"), std::string::npos);
}

TEST_F(Bundle, FlippedCheckpointIsCaught) {
  const std::string got = Tampered([](TarFiles& f) {
    Bytes& note = f[bundle::CheckpointEndPath("messages")];
    note[note.find('\n', note.find('\n') + 1) + 3] ^= 0x01;  // inside the base64 root
  });
  EXPECT_NE(got.find("messages: checkpoint at range end"), std::string::npos) << got;
}

TEST_F(Bundle, ManifestMismatchIsCaught) {
  EXPECT_NE(Tampered([](TarFiles& f) { Flip(f[bundle::EmlPath(Id(0))], 5); }, false)
                .find("MANIFEST.sha256: does not match the bundle at " + bundle::EmlPath(Id(0))), std::string::npos);
  EXPECT_NE(Tampered([](TarFiles& f) { Flip(f[std::string(bundle::kManifest)], 3); }, false).find("MANIFEST.sha256"),
            std::string::npos);
}

// A reviewer's attack on bundle v1: take one message out (its record files and .eml) and
// rebuild MANIFEST.sha256. Every remaining file still verified, since only the logs'
// checkpoints were signed. MANIFEST.note signs the manifest itself.
TEST_F(Bundle, RecordRemovedWithTheManifestRebuiltIsCaughtByTheSignedManifest) {
  TarFiles f = *files_;
  const std::string id = Id(3);
  for (const std::string& path : {bundle::PayloadPath(id), bundle::SaltPath(id), bundle::BodyPath(id), bundle::EmlPath(id)})
    ASSERT_EQ(f.erase(path), 1u) << path;
  EXPECT_EQ(FirstInvalid(Verify(Pack(f, /*fix_manifest=*/true))),
            "MANIFEST.note: signs another manifest: files were added, removed or changed after the export");
  // Control: re-signed with the archive's key, the smaller selection is a valid bundle, as
  // an export of fewer messages is. The signature is what caught the removal.
  EXPECT_EQ(FirstInvalid(Verify(Pack(f, true, archive_))), "");
}

// The range start is no longer free either: moving it changes range.txt, which the signed
// manifest lists.
TEST_F(Bundle, RangeMovedWithTheManifestRebuiltIsCaughtByTheSignedManifest) {
  TarFiles f = *files_;
  f[bundle::RangePath("audit")] = bundle::FormatRange({1, bundle::ParseRange(f[bundle::RangePath("audit")])->end});
  const BundleReport report = Verify(Pack(f, true));
  bool note_invalid = false;
  for (const BundleItem& item : report.items)
    note_invalid = note_invalid || (item.what == "MANIFEST.note" && item.verdict == BundleItem::Verdict::kInvalid);
  EXPECT_TRUE(note_invalid) << FirstInvalid(report);
}

TEST_F(Bundle, MissingManifestNoteIsInvalid) {
  TarFiles f = *files_;
  f.erase(std::string(bundle::kManifestNote));
  const std::string got = FirstInvalid(Verify(Pack(f, false)));
  EXPECT_EQ(got.rfind("MANIFEST.note: missing: what the bundle holds is not signed", 0), 0u) << got;
}

TEST_F(Bundle, ManifestNoteMustBeSignedUnderEveryExportedLogByAPinnedKey) {
  TarFiles f = *files_;
  f[std::string(bundle::kManifestNote)] = archive_->ManifestNote(f, {archive_->archive().identity().messages_origin});
  EXPECT_EQ(FirstInvalid(Verify(Pack(f, false))),
            "MANIFEST.note: not signed under " + archive_->archive().identity().audit_origin + " by a pinned key");

  auto other = Ed25519SigningKey::Generate();
  const std::string body = bundle::ManifestNoteBody(f[std::string(bundle::kManifest)]);
  f[std::string(bundle::kManifestNote)] = *SignNote(body, archive_->archive().identity().messages_origin, *other);
  const std::string got = FirstInvalid(Verify(Pack(f, false)));
  EXPECT_EQ(got.rfind("MANIFEST.note: not signed by a pinned key", 0), 0u) << got;
}

TEST_F(Bundle, EditedListingsAreCaughtEvenWithTheManifestFixed) {
  auto edit = [](Bytes& text) { text.replace(text.find("system"), 6, "nobody"); };
  EXPECT_EQ(Tampered([&](TarFiles& f) { edit(f[std::string(bundle::kAuditCsv)]); }),
            "audit.csv: does not agree with the verified audit events");
  EXPECT_EQ(Tampered([&](TarFiles& f) { edit(f[std::string(bundle::kAuditJsonl)]); }),
            "audit.jsonl: does not agree with the verified audit events");
}

TEST_F(Bundle, UnexpectedFileIsCaught) {
  EXPECT_EQ(Tampered([](TarFiles& f) { f["records/extra.txt"] = "x"; }).find("'records/extra.txt'"), 0u);
}

// A file's name is the bundle's choice: it must not be able to start a line that reads as
// the verifier's own (a clean summary, a valid record).
TEST_F(Bundle, FileNamesCannotStartAReportLine) {
  TarFiles copy = *files_;
  copy["summary: 24 valid, 0 invalid, 0 not checked"] = "x";
  copy["records/" + Id(1) + ": valid/payload.bin"] = "x";
  copy["eml/" + Id(2) + ": valid.eml"] = "x";
  BundleReport report = Verify(Pack(copy, true, archive_));
  std::string printed;
  for (const BundleItem& item : report.items) printed += BundleReport::Line(item) + "\n";
  EXPECT_EQ(printed.find("\nsummary:"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("record " + Id(1) + ": valid:"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("record " + Id(2) + ": valid:"), std::string::npos) << printed;
  EXPECT_EQ(report.Count(BundleItem::Verdict::kInvalid), 3u) << printed;
}

// An unverified file's bytes reach the report through error messages; a terminal control
// sequence there could erase the INVALID lines and draw a clean report in their place.
TEST_F(Bundle, ControlBytesFromTheBundleAreEscapedInTheReport) {
  const std::string forged = "\r\x1b[Kmessages: root recomputed: valid\x1b[8m\xc2\x9b\xe2\x80\xae";
  TarFiles copy = *files_;
  copy[bundle::CompactRangePath("messages")] = forged + "\n";
  Bytes& end = copy[bundle::CheckpointEndPath("audit")];
  end = forged + end.substr(end.find('\n'));  // an origin that is no audit log's
  BundleReport report = Verify(Pack(copy, true, archive_));
  std::string printed;
  for (const BundleItem& item : report.items) printed += BundleReport::Line(item) + "\n";
  for (char c : printed) ASSERT_TRUE((c >= 0x20 && c <= 0x7e) || c == '\n') << printed;
  const std::string shown = "'\\x0d\\x1b[Kmessages: root recomputed: valid\\x1b[8m\\xc2\\x9b\\xe2\\x80\\xae'";
  EXPECT_NE(printed.find("messages: root recomputed at size 10: INVALID: not a lower-case hex SHA-256: " + shown),
            std::string::npos) << printed;
  EXPECT_NE(printed.find("audit: checkpoint at range end: INVALID: origin " + shown), std::string::npos) << printed;
}

TEST_F(Bundle, UnpinnedKeyIsRefused) {
  auto other = Ed25519SigningKey::Generate();
  std::vector<VerifierKey> wrong;
  for (const auto& k : archive_->keys()) wrong.push_back(*VerifierKey::ForEd25519(k.name(), other->PublicKey()));
  const std::string got = FirstInvalid(VerifyBundle(*WriteUstar(*files_), wrong, {}));
  EXPECT_NE(got.find("checkpoint at range end"), std::string::npos) << got;
}

TEST_F(Bundle, HeldForkIsInvalid) {
  const Hash32 wrong{};
  const std::string got = FirstInvalid(Verify(*WriteUstar(*files_), {archive_->NoteAt(LogName::kMessages, 4, &wrong)}));
  EXPECT_NE(got.find("held checkpoint at size 4"), std::string::npos) << got;
  EXPECT_NE(got.find("fork"), std::string::npos) << got;
}

TEST_F(Bundle, WindowExportChecksHeldCheckpointsOnlyWithAProof) {
  ExportRequest r;
  r.messages = true;
  r.from_us = archive_->ReceivedUs(6);
  const std::string held = archive_->NoteAt(LogName::kMessages, 3);
  TarFiles window = archive_->Files(r);
  EXPECT_EQ(window[bundle::RangePath("messages")], bundle::FormatRange({6, 10}));
  BundleReport without = Verify(*WriteUstar(window), {held});
  EXPECT_TRUE(without.ok()) << FirstInvalid(without);
  EXPECT_EQ(without.Count(BundleItem::Verdict::kNotChecked), 1u) << "no proof: never valid";
  r.known_notes = {held};
  BundleReport with = Verify(*WriteUstar(archive_->Files(r)), {held});
  EXPECT_TRUE(with.ok()) << FirstInvalid(with);
  EXPECT_EQ(with.Count(BundleItem::Verdict::kNotChecked), 0u);
}

// Split view: the archive signed two roots at one size, and two auditors each hold one.
// A bundle proving one of them consistent with the log proves the other a fork; a bundle
// whose proof is only about another checkpoint proves nothing about the one held.
TEST_F(Bundle, HeldCheckpointOtherThanTheOneTheExportProvedIsAForkOnlyWithAProof) {
  ExportRequest r;
  r.messages = true;
  r.from_us = archive_->ReceivedUs(6);
  const Hash32 wrong{};
  const std::string genuine = archive_->NoteAt(LogName::kMessages, 3);
  const std::string forked = archive_->NoteAt(LogName::kMessages, 3, &wrong);
  r.known_notes = {genuine};
  const std::string proved = FirstInvalid(Verify(*WriteUstar(archive_->Files(r)), {forked}));
  EXPECT_NE(proved.find("held checkpoint at size 3"), std::string::npos) << proved;
  EXPECT_NE(proved.find("fork"), std::string::npos) << proved;
  r.known_notes = {forked};
  BundleReport unproved = Verify(*WriteUstar(archive_->Files(r)), {genuine});
  EXPECT_TRUE(unproved.ok()) << FirstInvalid(unproved);
  EXPECT_EQ(unproved.Count(BundleItem::Verdict::kNotChecked), 1u);
}

TEST_F(Bundle, AuditEventLeftOutIsCaught) {
  const std::string got = Tampered([](TarFiles& f) {
    TarFiles::iterator it = f.begin();
    while (it != f.end() && !(it->first.ends_with("/payload.bin") && !f.count(it->first.substr(0, it->first.size() - 11) + "body.zst"))) ++it;
    ASSERT_NE(it, f.end());
    const std::string dir = it->first.substr(0, it->first.size() - 11);
    f.erase(dir + "payload.bin");
    f.erase(dir + "salt.bin");
  });
  EXPECT_NE(got.find("an audit export carries every event"), std::string::npos) << got;
}

// A forged purge: what someone without the signing key can do to make a message look
// purged for retention. There is no purge path yet, so no purge event can be genuine.
class ForgedPurge : public Bundle {
 protected:
  static constexpr uint64_t kVictim = 4;  // the message whose content the forger hides

  static std::vector<Leaf> AuditLeaves(const TarFiles& f) {
    const Bytes& bytes = f.at(bundle::LeavesPath("audit"));
    std::vector<Leaf> out;
    for (size_t off = 0; off + kLeafSize <= bytes.size(); off += kLeafSize)
      out.push_back(*Leaf::Decode(std::string_view(bytes).substr(off, kLeafSize)));
    return out;
  }
  // Deletes every file of message kVictim, as a purge would.
  static void RemoveVictim(TarFiles& f) {
    for (const std::string& path : {bundle::PayloadPath(Id(kVictim)), bundle::SaltPath(Id(kVictim)),
                                    bundle::BodyPath(Id(kVictim)), bundle::EmlPath(Id(kVictim))})
      ASSERT_EQ(f.erase(path), 1u) << path;
  }
  // A retention.purge event naming kVictim's leaf, seq `seq`, after the leaf `prev`.
  static std::pair<Leaf, AuditPayload> PurgeClaim(const TarFiles& f, const Leaf& prev, const Bytes& prev_bytes, uint64_t seq) {
    const std::string_view victim = std::string_view(f.at(bundle::LeavesPath("messages"))).substr(kVictim * kLeafSize, kLeafSize);
    AuditPayload p;
    p.actor = "system";
    p.auth_method = "system";
    p.targets = {TargetRef{Leaf::Decode(victim)->log_id, kVictim, LeafHash(victim)}};
    p.outcome = "ok";
    p.detail = "{\"reason\":\"retention period ended\"}";
    p.event_time_us = prev.commit_time_us + 1;
    Leaf leaf = prev;
    leaf.subtype = auditevent::kRetentionPurge;
    leaf.seq = seq;
    leaf.prev_leaf_hash = LeafHash(prev_bytes);
    leaf.commit_time_us = prev.commit_time_us + 2;
    leaf.record_id = RecordId::Generate().bytes();
    return {leaf, p};
  }
  // Puts the forged event into the audit log at its seq (appended, or over the last
  // event), with its own payload and salt, and re-renders the listings from every event
  // the bundle now carries, so that they agree with the forged log.
  static void Forge(TarFiles& f, bool replace_last) {
    std::vector<Leaf> leaves = AuditLeaves(f);
    Bytes& bytes = f[bundle::LeavesPath("audit")];
    if (replace_last) {
      const std::string last = RecordId(leaves.back().record_id).ToString();
      f.erase(bundle::PayloadPath(last));
      f.erase(bundle::SaltPath(last));
      leaves.pop_back();
      bytes.resize(bytes.size() - kLeafSize);
    }
    const Bytes prev_bytes = bytes.substr(bytes.size() - kLeafSize);
    auto [leaf, payload] = PurgeClaim(f, leaves.back(), prev_bytes, leaves.back().seq + 1);
    const std::string salt(kSaltSize, '\x5a');
    leaf.payload_commit = PayloadCommitment(RecordType::kAuditEvent, salt, payload.Encode());
    bytes += leaf.Encode();
    leaves.push_back(leaf);
    const std::string id = RecordId(leaf.record_id).ToString();
    f[bundle::PayloadPath(id)] = payload.Encode();
    f[bundle::SaltPath(id)] = salt;
    AuditListing listing;
    for (const Leaf& l : leaves) listing.Add(l, *AuditPayload::Decode(f.at(bundle::PayloadPath(RecordId(l.record_id).ToString()))));
    f[std::string(bundle::kAuditJsonl)] = listing.jsonl();
    f[std::string(bundle::kAuditCsv)] = listing.csv();
  }
  std::vector<std::string> Invalids(const TarFiles& f) {
    std::vector<std::string> out;
    for (const auto& item : Verify(Pack(f, true, archive_)).items)
      if (item.verdict == BundleItem::Verdict::kInvalid) out.push_back(item.what + ": " + item.reason);
    return out;
  }
};

TEST_F(ForgedPurge, ContentRemovedWithoutAPurgeEventIsCaught) {
  EXPECT_EQ(Tampered([](TarFiles& f) {
              f.erase(bundle::PayloadPath(Id(kVictim)));
              f.erase(bundle::SaltPath(Id(kVictim)));
            }),
            "record " + Id(kVictim) + ": payload.bin or salt.bin missing (a purge needs a verified purge event)");
}

TEST_F(ForgedPurge, PurgeClaimedOnlyInTheListingsIsCaught) {
  // The record's files are all gone and audit.jsonl / audit.csv say it was purged; the
  // listings are re-rendered from the verified events, which hold no such event. (Without
  // the claim, a record with no files at all is one the export did not select: a
  // messages bundle may carry any subset of its range.)
  TarFiles f = *files_;
  RemoveVictim(f);
  const std::vector<Leaf> leaves = AuditLeaves(f);
  const Bytes& bytes = f.at(bundle::LeavesPath("audit"));
  auto [leaf, payload] = PurgeClaim(f, leaves.back(), bytes.substr(bytes.size() - kLeafSize), leaves.back().seq + 1);
  AuditListing claim;
  claim.Add(leaf, payload);
  const std::string& csv = claim.csv();
  f[std::string(bundle::kAuditJsonl)] += claim.jsonl();
  f[std::string(bundle::kAuditCsv)] += csv.substr(csv.find('\n') + 1);  // the row, not the header
  ASSERT_NE(f[std::string(bundle::kAuditCsv)].find("retention.purge"), std::string::npos);
  EXPECT_EQ(Invalids(f), (std::vector<std::string>{"audit.jsonl: does not agree with the verified audit events",
                                                   "audit.csv: does not agree with the verified audit events"}));
}

TEST_F(ForgedPurge, ForgedEventAppendedPastTheSignedCheckpointIsCaught) {
  // A chained retention.purge leaf after the last event, with its payload and salt, the
  // range grown to hold it and the listings agreeing: no signed checkpoint covers it.
  TarFiles f = *files_;
  RemoveVictim(f);
  Forge(f, false);
  const uint64_t end = bundle::ParseRange(f[bundle::RangePath("audit")])->end;
  f[bundle::RangePath("audit")] = bundle::FormatRange({0, end + 1});
  const std::vector<std::string> invalid = Invalids(f);
  ASSERT_FALSE(invalid.empty());
  EXPECT_EQ(invalid[0], "audit: checkpoint at range end: its size is not the range end");
  const std::string forged = RecordId(AuditLeaves(f).back().record_id).ToString();
  EXPECT_NE(std::find(invalid.begin(), invalid.end(), "record " + forged + ": no verified leaf in the bundle for this record"),
            invalid.end());
  // Left at its old end, the range no longer matches the leaves.
  f[bundle::RangePath("audit")] = bundle::FormatRange({0, end});
  EXPECT_EQ(FirstInvalid(Verify(Pack(f, true, archive_))), "audit: leaves [0, " + std::to_string(end) + "): leaves.bin holds " +
                                std::to_string((end + 1) * kLeafSize) + " bytes, not " + std::to_string(end) +
                                " leaves of 132");
}

TEST_F(ForgedPurge, ForgedEventInPlaceOfTheLastEventIsCaught) {
  // Same size as the signed log, chain intact: only the signed root gives it away.
  TarFiles f = *files_;
  RemoveVictim(f);
  Forge(f, true);
  const uint64_t end = bundle::ParseRange(f[bundle::RangePath("audit")])->end;
  const std::vector<std::string> invalid = Invalids(f);
  ASSERT_FALSE(invalid.empty());
  EXPECT_EQ(invalid[0], "audit: root recomputed at size " + std::to_string(end) +
                            ": does not equal the signed root of the end checkpoint");

  // Control: the forgery is otherwise complete. Whoever holds the signing key can sign
  // its root, and then nothing else gives it away: the signature is what caught it.
  CompactRange tree = *CompactRange::FromHashes(0, {});
  const Bytes& leaves = f.at(bundle::LeavesPath("audit"));
  for (size_t off = 0; off < leaves.size(); off += kLeafSize)
    ASSERT_TRUE(tree.Append(LeafHash(std::string_view(leaves).substr(off, kLeafSize))).ok());
  const Hash32 forged_root = tree.Root();
  f[bundle::CheckpointEndPath("audit")] = f[bundle::CheckpointLatestPath("audit")] =
      archive_->NoteAt(LogName::kAudit, end, &forged_root);
  f[bundle::ConsistencyEndLatestPath("audit")] = "";
  EXPECT_EQ(FirstInvalid(Verify(Pack(f, true, archive_))), "");
}

TEST(BundleExport, NoBundleWhenTheExportCannotBeAudited) {
  SignedArchive archive(2);
  archive.archive().Close();  // the audit log no longer takes events
  ExportRequest r;
  r.messages = true;
  const std::string path = archive.dir() + "/refused.tar";
  auto result = ExportBundle(archive.archive(), r, LocalUserEvent(0, "", ""), path);
  EXPECT_FALSE(result.ok());
  EXPECT_NE(access(path.c_str(), F_OK), 0);
  EXPECT_NE(access((path + ".partial").c_str(), F_OK), 0);
}

TEST(BundleRollback, AHeldCheckpointFromALaterStateCatchesAnOldBundle) {
  SignedArchive archive(4);
  ExportRequest r;
  r.messages = true;
  const Bytes old_bundle = *WriteUstar(archive.Files(r));
  archive.AddMessages(3);
  const std::string later = archive.NoteAt(LogName::kMessages, archive.LogSize(LogName::kMessages));
  const std::string got = FirstInvalid(VerifyBundle(old_bundle, archive.keys(), {later}));
  EXPECT_NE(got.find("larger than the log's latest checkpoint"), std::string::npos) << got;
  EXPECT_NE(got.find("rollback"), std::string::npos) << got;
}

}  // namespace
}  // namespace chainmail::testing
