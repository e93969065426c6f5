// SecureRandom: bytes from OpenSSL's CSPRNG for the per-record randomness of the ingest
// path (a record id's random bits, a payload's salt), drawn 4 KiB at a time into a
// per-thread pool.
//
// Each RAND_bytes call costs about a microsecond whatever its size (OpenSSL 3 looks up the
// DRBG's parameters and rekeys its AES-CTR state per call); a message takes four small
// draws. The pool makes that one call per ~50 messages. Bytes handed out are wiped from
// the pool at once, and the pool is discarded in a child after fork(), so a child never
// repeats its parent's bytes. Long-lived secrets (API tokens, keys) call RAND_bytes
// directly and do not pass through here.
//
// Thread-safe: every thread has its own pool.
#pragma once

#include <cstddef>
#include <cstdint>

namespace chainmail {

// Fills out[0, n) with cryptographically secure random bytes. Throws std::runtime_error
// when the CSPRNG fails (never a silent zero fill: a zero salt would unhide a purged
// record).
void SecureRandom(uint8_t* out, size_t n);

}  // namespace chainmail
