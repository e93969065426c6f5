#include "archive/record_mint.h"

#include <openssl/rand.h>

#include <stdexcept>

#include "archive/format/rfc3339.h"

namespace chainmail {
namespace {

class SystemRecordMint : public RecordMint {
 public:
  uint64_t NowUs() override {
    return static_cast<uint64_t>(UnixNowUs());
  }
  std::string RandomBytes(size_t n) override {
    std::string out(n, '\0');
    // A salt of zeros would silently unhide a purged record: fail loudly, as
    // RecordId::Generate does.
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
      throw std::runtime_error("RAND_bytes failed");
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
