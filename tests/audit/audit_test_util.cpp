#include "tests/audit/audit_test_util.h"

#include <gtest/gtest.h>

namespace chainmail::testing {

RecordId IngestDecided(Archive& archive, const std::string& bytes, DecidedIngest::Decide decide,
                       std::vector<std::string> rcpt) {
  DecidedIngest ingest(archive, std::move(decide));
  auto spool = ingest.BeginMessage();
  EXPECT_TRUE(spool.ok());
  (*spool)->Write(bytes);
  MessagePayload e;
  e.mail_from = "<a@example.com>";
  e.rcpt_to = std::move(rcpt);
  e.helo_verb = "EHLO";
  e.session_id = std::string(16, '\x02');
  auto id = ingest.Commit(std::move(*spool), e);
  EXPECT_TRUE(id.ok()) << id.status().message();
  return *id;
}

}  // namespace chainmail::testing
