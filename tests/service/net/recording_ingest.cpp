#include "tests/service/net/recording_ingest.h"

namespace chainmail::testing {
namespace {

class StringSpool : public MessageSpool {
 public:
  void Write(std::string_view bytes) override { data.append(bytes); }
  uint64_t size() const override { return data.size(); }
  Status status() const override { return Status::Ok(); }
  std::string data;
};

}  // namespace

Result<std::unique_ptr<MessageSpool>> RecordingIngest::BeginMessage() {
  std::lock_guard lock(mu_);
  ++begun_;
  return std::unique_ptr<MessageSpool>(new StringSpool);
}

Result<RecordId> RecordingIngest::Commit(std::unique_ptr<MessageSpool> spool,
                                         MessagePayload envelope) {
  auto* strings = dynamic_cast<StringSpool*>(spool.get());
  if (strings == nullptr) return Status::InvalidArgument("not a RecordingIngest spool");
  std::lock_guard lock(mu_);
  messages_.push_back({std::move(strings->data), std::move(envelope), RecordId::Generate()});
  return messages_.back().id;
}

std::vector<RecordingIngest::Message> RecordingIngest::messages() const {
  std::lock_guard lock(mu_);
  return messages_;
}

size_t RecordingIngest::begun() const {
  std::lock_guard lock(mu_);
  return begun_;
}

}  // namespace chainmail::testing
