// ExportJob: one POST /api/v1/exports, run in the background by JobRunner (jobs.h).
//
// The bundle is exactly what `chainmail export` writes: ExportBundle (audit/
// bundle_export.h) builds it from one read snapshot, writes <data_dir>/exports/<job
// id>.tar.partial, commits the message.export or audit.export event carrying the
// manifest's SHA-256, and only then renames it into place — so a bundle is never
// downloadable before its export is in the audit log. The job then hashes the file (the
// download's ETag). ExportBundle holds the whole bundle in memory while building it, so
// the job first estimates the bundle's size and refuses one above kMaxRestBundleBytes
// (LimitExceeded, naming the size); larger exports are for `chainmail export` on the host.
//
// Bundles live only as long as their job (jobs.h): a forgotten job's bundle is deleted,
// and RemoveLeftoverExports() clears what an earlier run of the daemon left.
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "archive/archive.h"
#include "audit/audit_event.h"
#include "audit/bundle_export.h"
#include "service/api/jobs.h"

namespace chainmail {

inline constexpr uint64_t kMaxRestBundleBytes = 256ull << 20;

class ExportJob : public Job {
 public:
  // `actor` carries the creating call's actor fields for the export's audit event;
  // `owner` is its token id.
  ExportJob(Archive& archive, ExportRequest request, AuditEvent actor, std::string owner);

  struct Bundle {
    std::string manifest_sha256;  // hex, as recorded in the audit event
    std::string sha256;           // hex, of the whole tar file
    uint64_t bytes = 0;
    uint64_t records = 0;
  };
  // Set once the job is done.
  std::optional<Bundle> bundle() const;
  // Where the bundle is (exists only once done).
  const std::string& path() const { return path_; }
  // message.export for a messages export, audit.export for an audit export.
  uint16_t event_type() const;

 protected:
  Status Run() override;
  void Describe(JsonWriter& json) const override;
  void Discard() override;
  uint64_t DiskBytes() const override;

 private:
  Archive& archive_;
  const ExportRequest request_;
  const AuditEvent actor_;
  const std::string path_;
  mutable std::mutex mu_;
  std::optional<Bundle> bundle_;  // guarded by mu_
};

// <data_dir>/exports
std::string ExportDir(const std::string& data_dir);
// Removes the bundles (and partial files) a previous run left in ExportDir: their jobs
// are gone, so nobody could download them.
void RemoveLeftoverExports(const std::string& data_dir);
// An upper estimate of the bundle's size for `request`, read in one snapshot of `db`.
Result<uint64_t> EstimateBundleBytes(Database& db, const ExportRequest& request);

}  // namespace chainmail
