// MessageChecker: the RecordChecker for the messages log (see archive_verifier.h): strict
// payload parse, the blob decompressed (bounded) against the committed raw hash and
// length, recomputable flags, and the metadata index re-derived from payload and raw
// bytes; globally, orphan index/payload rows and blob reference counts. Thread-safe.
#pragma once

#include "archive/archive_verifier.h"

namespace chainmail {

class MessageChecker : public RecordChecker {
 public:
  uint64_t Check(Database& db, const Leaf& leaf, const RecordId& id, std::string_view payload,
                 const ProblemSink& report) override;
  void CheckGlobal(Database& db, const std::function<void(VerifyProblem)>& report) override;
};

}  // namespace chainmail
