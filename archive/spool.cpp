#include "archive/spool.h"

#include <algorithm>

#include "archive/mime/header_scanner.h"

namespace chainmail {

ArchiveSpool::ArchiveSpool(const std::string& spool_dir, size_t memory_limit)
    : body_(spool_dir, memory_limit) {}

void ArchiveSpool::Write(std::string_view bytes) {
  if (!body_.status().ok()) return;
  hash_.Update(bytes);
  flags_.Update(bytes);
  if (prefix_.size() < kHeaderScanLimit)
    prefix_.append(bytes.substr(0, std::min(bytes.size(), kHeaderScanLimit - prefix_.size())));
  body_.Append(bytes);
}

Status ArchiveSpool::Finish() {
  sha256_ = hash_.Finish();
  content_flags_ = flags_.Finish();
  return body_.Finish();
}

}  // namespace chainmail
