// RecordingIngest: an in-memory MessageIngest for the socket-loop tests. It keeps every
// committed message (bytes and envelope) so that tests can check what was archived; the
// real archive is tested end to end elsewhere.
//
// Thread-safe, like the interface it implements.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "archive/ingest.h"

namespace chainmail::testing {

class RecordingIngest : public MessageIngest {
 public:
  struct Message {
    std::string bytes;
    MessagePayload envelope;
    RecordId id;
  };

  Result<std::unique_ptr<MessageSpool>> BeginMessage() override;
  Result<RecordId> Commit(std::unique_ptr<MessageSpool> spool, MessagePayload envelope) override;

  std::vector<Message> messages() const;
  size_t begun() const;  // spools handed out, committed or not

 private:
  mutable std::mutex mu_;
  std::vector<Message> messages_;  // guarded by mu_
  size_t begun_ = 0;               // guarded by mu_
};

}  // namespace chainmail::testing
