// WAL write gathering: an SQLite VFS over the default one that hands the frames a
// connection appends to its write-ahead log to the kernel in a few large writes per
// commit (pieces of up to 124 KiB, the most the unix VFS takes in one call).
//
// SQLite writes each WAL frame with two system calls (a 24-byte header, then the page).
// A group commit of ten messages appends ~120 pages: ~240 pwrite calls on the single
// writer thread (perf, 20 sessions x 10 KB, on a paravirtualised VM where each system
// call is dear). This VFS keeps consecutive writes to a "-wal" file in memory and hands
// them on as one run:
//   - when the run completes a commit frame (a frame header whose "database size" field
//     is set: the WAL format's mark of a commit), inside that frame's own xWrite, whose
//     result is the run's. So COMMIT returns OK only once every frame of the transaction
//     is in the kernel, and returns the error if any write failed, exactly as without
//     gathering; the writer's fdatasync (wal_syncer.h) then covers all of them;
//   - before anything could observe the gathered bytes: any read, truncate, size query,
//     sync or file control on the WAL, a shared-memory lock or barrier of the same
//     connection, a write that does not continue the run, more than kMaxGatheredBytes
//     gathered, and close.
// A failed write is latched: every later call on the WAL returns the error until the
// write transaction ends (its write lock is released: SQLite has rolled it back and
// forgotten its frames) or the WAL restarts with a new header. So frames that never
// reached the file can never be part of a commit that reports success, even when the
// failure happened in a call that cannot report it (xShmBarrier). When the page size
// cannot be read from the WAL header, frames cannot be told apart and nothing is gathered.
//
// Main database files are wrapped only to find the connection's WAL; every other call,
// and every other kind of file (temp files, rollback journals), goes straight through.
//
// Thread safety: InstallWalWriteGather may be called from any thread, any number of times
// (the VFS is registered once, as the process default, so every connection opened after
// it uses it). Each file object is used by its one connection, as SQLite guarantees.
#pragma once

#include <cstddef>

#include "archive/format/status.h"

namespace chainmail {

inline constexpr const char* kWalWriteGatherVfs = "chainmail-wal-gather";
// A run of buffered WAL bytes is written out once it would grow past this: a group commit
// of 20 small messages (~250 pages) fits; the buffer is allocated once per WAL file, at
// this size, and never grows.
inline constexpr size_t kMaxGatheredBytes = 1u << 20;

// Registers the VFS as SQLite's default. Fails only when SQLite has no default VFS or
// refuses the registration.
Status InstallWalWriteGather();

}  // namespace chainmail
