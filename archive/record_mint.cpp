#include "archive/record_mint.h"

#include "archive/format/rfc3339.h"
#include "archive/format/secure_random.h"

namespace chainmail {
namespace {

class SystemRecordMint : public RecordMint {
 public:
  uint64_t NowUs() override {
    return static_cast<uint64_t>(UnixNowUs());
  }
  std::string RandomBytes(size_t n) override {
    std::string out(n, '\0');
    // A salt of zeros would silently unhide a purged record: SecureRandom throws rather.
    SecureRandom(reinterpret_cast<uint8_t*>(out.data()), n);
    return out;
  }
  RecordId NewRecordId() override { return RecordId::Generate(); }
};

}  // namespace

std::shared_ptr<RecordMint> SystemMint() {
  static const std::shared_ptr<RecordMint> mint = std::make_shared<SystemRecordMint>();
  return mint;
}

}  // namespace chainmail
