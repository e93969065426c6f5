// RecordMint: what a new record takes from outside the bytes it is given — the wall clock
// (a message's received time, an audit event's time, every leaf's commit time) and
// randomness (record ids, salts, the base origin's random id). Every clock read and random
// draw of the archive that reaches the evidence goes through the one RecordMint in
// ArchiveOptions, so that an archive — and so an evidence bundle — can be rebuilt byte for
// byte from fixed inputs: the golden bundle test (tests/service/verify/golden/) injects a
// fixed mint. In service it is always SystemMint(); nothing else in the archive behaves
// differently under another mint. (Checkpoint bookkeeping times, which no bundle carries,
// still read the system clock.)
//
// Thread-safe: the archive calls it from sessions and the writer thread at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "archive/format/record_id.h"

namespace chainmail {

class RecordMint {
 public:
  virtual ~RecordMint() = default;
  // UTC microseconds since the epoch.
  virtual uint64_t NowUs() = 0;
  // `n` unpredictable bytes (salts must be secret: they hide what a purged record held).
  virtual std::string RandomBytes(size_t n) = 0;
  // A new record id, a UUIDv7 (RFC 9562) ordered after every earlier one of this mint.
  virtual RecordId NewRecordId() = 0;
};

// The system clock, OpenSSL's CSPRNG and RecordId::Generate (ids ordered process-wide).
// One shared instance.
std::shared_ptr<RecordMint> SystemMint();

}  // namespace chainmail
