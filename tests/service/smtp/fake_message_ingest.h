// FakeMessageIngest: an in-memory MessageIngest for SMTP session tests. It records every
// committed message (bytes, envelope, id) and every spool write, and can be told to fail
// BeginMessage, spool writes or Commit with a given Status, or make Commit throw. The
// real archive path is tested end to end elsewhere; this seam lets the state machine be
// tested alone.
//
// Not thread-safe: one test thread.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "archive/ingest.h"

namespace chainmail::testing {

struct CommittedMessage {
  std::string bytes;
  MessagePayload envelope;
  RecordId id;
};

class FakeMessageIngest : public MessageIngest {
 public:
  // Non-OK: what the next BeginMessage / spool write / Commit fails with.
  Status begin_status;
  Status write_status;
  uint64_t fail_writes_after = 0;  // with write_status: bytes accepted before failing
  Status commit_status;
  bool commit_throws = false;  // Commit throws std::logic_error, as a payload encoder can

  std::vector<CommittedMessage> committed;
  std::vector<size_t> write_sizes;  // every Write() call, in order
  int spools_begun = 0;
  int spools_destroyed = 0;

  Result<std::unique_ptr<MessageSpool>> BeginMessage() override {
    if (!begin_status.ok()) return begin_status;
    ++spools_begun;
    return std::unique_ptr<MessageSpool>(std::make_unique<Spool>(this));
  }

  Result<RecordId> Commit(std::unique_ptr<MessageSpool> spool, MessagePayload envelope) override {
    if (commit_throws) throw std::logic_error("payload list too long");
    if (!commit_status.ok()) return commit_status;
    auto* fake = static_cast<Spool*>(spool.get());
    RecordId id = RecordId::Generate();
    committed.push_back({fake->bytes, std::move(envelope), id});
    return id;
  }

  uint64_t bytes_written() const {
    uint64_t total = 0;
    for (size_t n : write_sizes) total += n;
    return total;
  }

 private:
  class Spool : public MessageSpool {
   public:
    explicit Spool(FakeMessageIngest* owner) : owner_(owner) {}
    ~Spool() override { ++owner_->spools_destroyed; }

    void Write(std::string_view data) override {
      owner_->write_sizes.push_back(data.size());
      if (!status_.ok()) return;
      if (!owner_->write_status.ok() && bytes.size() + data.size() > owner_->fail_writes_after) {
        status_ = owner_->write_status;
        return;
      }
      bytes.append(data);
    }
    uint64_t size() const override { return bytes.size(); }
    Status status() const override { return status_; }

    std::string bytes;

   private:
    FakeMessageIngest* owner_;
    Status status_;
  };
};

}  // namespace chainmail::testing
