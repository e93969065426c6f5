#include "archive/wal_write_gather.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

#include "archive/database.h"

namespace chainmail {
namespace {

// The default VFS this one forwards to; set once by InstallWalWriteGather.
sqlite3_vfs* g_real = nullptr;

// Our part of a wrapped file; the real VFS's file object follows it in the same block.
struct GatherFile {
  sqlite3_file base;      // pMethods: kWalMethods or kDbMethods
  sqlite3_file* real;     // the default VFS's file, right after this struct
  GatherFile* wal;        // database file: its connection's open WAL, or null
  GatherFile* db;         // WAL file: its connection's database file, or null
  std::string* gathered;  // WAL file: bytes not yet written, starting at file offset `at`
  sqlite3_int64 at;
  // WAL file: the page size from the WAL header (0 until known; -1: unknowable, so no
  // write is gathered), where the commit frame being gathered ends (-1: none), and the
  // latched error of a failed write (SQLITE_OK: none).
  sqlite3_int64 page_size;
  sqlite3_int64 commit_end;
  int failed;
};

constexpr size_t kHeaderSize = (sizeof(GatherFile) + 7) & ~size_t{7};
// The unix VFS writes at most 0x1ffff bytes per call (it masks larger counts), so a run
// goes to it in pieces of 31 pages.
constexpr size_t kMaxRealWrite = 0x1f000;
// WAL format (https://sqlite.org/fileformat2.html#walformat): a 32-byte header (page size
// at byte 8), then frames of a 24-byte header (the database size after a commit at byte
// 4, zero in every other frame) and one page.
constexpr sqlite3_int64 kWalHeaderSize = 32;
constexpr sqlite3_int64 kFrameHeaderSize = 24;
// The shared-memory lock a writer holds for its whole write transaction (wal.c).
constexpr int kWalWriteLock = 0;

sqlite3_file* RealOf(sqlite3_file* f) { return reinterpret_cast<GatherFile*>(f)->real; }

uint32_t BigEndian32(const void* p) {
  const auto* b = static_cast<const unsigned char*>(p);
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}

// Writes the gathered run, if any. A failure is latched: the frames are gone, so nothing
// may commit until the transaction that wrote them has ended (ClearFailure).
int Flush(GatherFile* w) {
  if (w == nullptr || w->gathered == nullptr) return SQLITE_OK;
  if (w->failed != SQLITE_OK) return w->failed;
  if (w->gathered->empty()) return SQLITE_OK;
  int rc = SQLITE_OK;
  const std::string& run = *w->gathered;
  for (size_t done = 0; done < run.size() && rc == SQLITE_OK; done += kMaxRealWrite) {
    const size_t n = std::min(kMaxRealWrite, run.size() - done);
    rc = w->real->pMethods->xWrite(w->real, run.data() + done, static_cast<int>(n),
                                   w->at + static_cast<sqlite3_int64>(done));
  }
  w->gathered->clear();
  w->commit_end = -1;
  w->failed = rc;
  return rc;
}

// The transaction whose frames were lost has ended (rolled back: SQLite forgets frames
// past the last commit), or the WAL restarts from a new header: later frames are sound.
void ClearFailure(GatherFile* w) {
  if (w == nullptr) return;
  w->gathered->clear();
  w->commit_end = -1;
  w->failed = SQLITE_OK;
}

sqlite3_int64 ValidPageSize(uint32_t size) {
  return size >= 512 && size <= 65536 && (size & (size - 1)) == 0 ? size : -1;
}

// The page size in the WAL header already in the file; -1 if it cannot be read.
sqlite3_int64 ReadPageSize(GatherFile* w) {
  unsigned char header[kWalHeaderSize];
  if (w->real->pMethods->xRead(w->real, header, sizeof(header), 0) != SQLITE_OK) return -1;
  return ValidPageSize(BigEndian32(header + 8));
}

// ---- WAL files: gather writes, flush before anything that could observe them.

int WalClose(sqlite3_file* f) {
  auto* w = reinterpret_cast<GatherFile*>(f);
  int rc = Flush(w);
  if (w->db != nullptr) w->db->wal = nullptr;
  int closed = w->real->pMethods->xClose(w->real);
  delete w->gathered;
  w->gathered = nullptr;
  return rc != SQLITE_OK ? rc : closed;
}

int WalRead(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  if (int rc = Flush(reinterpret_cast<GatherFile*>(f)); rc != SQLITE_OK) return rc;
  return RealOf(f)->pMethods->xRead(RealOf(f), out, amount, offset);
}

// Gathers the write; writes the run out at once, and returns how that went, when it
// completes a commit frame, so that COMMIT never succeeds on frames still in memory.
int WalWrite(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  auto* w = reinterpret_cast<GatherFile*>(f);
  const auto* bytes = static_cast<const char*>(data);
  const auto size = static_cast<size_t>(amount);
  if (offset == 0 && amount >= kWalHeaderSize) {  // a new WAL header: the log restarts
    ClearFailure(w);
    w->page_size = ValidPageSize(BigEndian32(bytes + 8));
  }
  if (w->failed != SQLITE_OK) return w->failed;
  sqlite3_int64 page = 0;
  if (offset >= kWalHeaderSize) {
    if (w->page_size == 0) {  // a WAL another connection began: its header is in the file
      if (int rc = Flush(w); rc != SQLITE_OK) return rc;
      w->page_size = ReadPageSize(w);
    }
    page = w->page_size;
  }
  if (page < 0) {  // frames cannot be told apart: nothing is gathered
    if (int rc = Flush(w); rc != SQLITE_OK) return rc;
    return w->failed = w->real->pMethods->xWrite(w->real, data, amount, offset);
  }
  if (page > 0 && amount >= 8 && (offset - kWalHeaderSize) % (page + kFrameHeaderSize) == 0 &&
      BigEndian32(bytes + 4) != 0) {
    w->commit_end = offset + kFrameHeaderSize + page;
  }
  std::string& run = *w->gathered;
  if (run.empty() || offset != w->at + static_cast<sqlite3_int64>(run.size()) ||
      run.size() + size > kMaxGatheredBytes) {
    const sqlite3_int64 commit_end = w->commit_end;
    if (int rc = Flush(w); rc != SQLITE_OK) return rc;
    if (size > kMaxRealWrite) return w->failed = w->real->pMethods->xWrite(w->real, data, amount, offset);
    w->commit_end = commit_end;
    w->at = offset;
  }
  run.append(bytes, size);
  if (w->commit_end >= 0 && w->at + static_cast<sqlite3_int64>(run.size()) >= w->commit_end) return Flush(w);
  return SQLITE_OK;
}

int WalTruncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = Flush(reinterpret_cast<GatherFile*>(f)); rc != SQLITE_OK) return rc;
  return RealOf(f)->pMethods->xTruncate(RealOf(f), size);
}

int WalSync(sqlite3_file* f, int flags) {
  if (int rc = Flush(reinterpret_cast<GatherFile*>(f)); rc != SQLITE_OK) return rc;
  return RealOf(f)->pMethods->xSync(RealOf(f), flags);
}

int WalFileSize(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = Flush(reinterpret_cast<GatherFile*>(f)); rc != SQLITE_OK) return rc;
  return RealOf(f)->pMethods->xFileSize(RealOf(f), size);
}

int WalFileControl(sqlite3_file* f, int op, void* arg) {
  if (int rc = Flush(reinterpret_cast<GatherFile*>(f)); rc != SQLITE_OK) return rc;
  return RealOf(f)->pMethods->xFileControl(RealOf(f), op, arg);
}

// ---- Calls that need no flush, shared by both kinds of file.

int Lock(sqlite3_file* f, int level) { return RealOf(f)->pMethods->xLock(RealOf(f), level); }
int Unlock(sqlite3_file* f, int level) { return RealOf(f)->pMethods->xUnlock(RealOf(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return RealOf(f)->pMethods->xCheckReservedLock(RealOf(f), out);
}
int SectorSize(sqlite3_file* f) { return RealOf(f)->pMethods->xSectorSize(RealOf(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return RealOf(f)->pMethods->xDeviceCharacteristics(RealOf(f));
}

// ---- Database files: pass everything through; publish the WAL's frames first.

int DbClose(sqlite3_file* f) {
  auto* d = reinterpret_cast<GatherFile*>(f);
  int rc = Flush(d->wal);
  if (d->wal != nullptr) d->wal->db = nullptr;
  int closed = d->real->pMethods->xClose(d->real);
  return rc != SQLITE_OK ? rc : closed;
}
int DbRead(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  return RealOf(f)->pMethods->xRead(RealOf(f), out, amount, offset);
}
int DbWrite(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  return RealOf(f)->pMethods->xWrite(RealOf(f), data, amount, offset);
}
int DbTruncate(sqlite3_file* f, sqlite3_int64 size) {
  return RealOf(f)->pMethods->xTruncate(RealOf(f), size);
}
int DbSync(sqlite3_file* f, int flags) { return RealOf(f)->pMethods->xSync(RealOf(f), flags); }
int DbFileSize(sqlite3_file* f, sqlite3_int64* size) {
  return RealOf(f)->pMethods->xFileSize(RealOf(f), size);
}
int DbFileControl(sqlite3_file* f, int op, void* arg) {
  return RealOf(f)->pMethods->xFileControl(RealOf(f), op, arg);
}
int DbShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return RealOf(f)->pMethods->xShmMap(RealOf(f), region, size, extend, out);
}
int DbShmLock(sqlite3_file* f, int offset, int n, int flags) {
  GatherFile* wal = reinterpret_cast<GatherFile*>(f)->wal;
  if ((flags & SQLITE_SHM_UNLOCK) != 0) {
    // Unlocking never fails. Releasing the write lock ends the write transaction: a
    // rolled-back transaction's unwritten frames are dropped, its failure forgotten.
    if (offset <= kWalWriteLock && kWalWriteLock < offset + n) {
      (void)Flush(wal);
      ClearFailure(wal);
    }
  } else if (int rc = Flush(wal); rc != SQLITE_OK) {
    return rc;
  }
  return RealOf(f)->pMethods->xShmLock(RealOf(f), offset, n, flags);
}
void DbShmBarrier(sqlite3_file* f) {
  // No way to report an error here: it is latched, and every later call on the WAL
  // (the commit frame's write among them) returns it until the transaction ends.
  (void)Flush(reinterpret_cast<GatherFile*>(f)->wal);
  RealOf(f)->pMethods->xShmBarrier(RealOf(f));
}
int DbShmUnmap(sqlite3_file* f, int delete_flag) {
  if (int rc = Flush(reinterpret_cast<GatherFile*>(f)->wal); rc != SQLITE_OK) return rc;
  return RealOf(f)->pMethods->xShmUnmap(RealOf(f), delete_flag);
}
int DbFetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return RealOf(f)->pMethods->xFetch(RealOf(f), offset, amount, out);
}
int DbUnfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return RealOf(f)->pMethods->xUnfetch(RealOf(f), offset, page);
}

const sqlite3_io_methods kWalMethods = {
    1,         WalClose, WalRead, WalWrite, WalTruncate, WalSync, WalFileSize, Lock, Unlock,
    CheckReservedLock, WalFileControl, SectorSize, DeviceCharacteristics,
    nullptr,   nullptr,  nullptr, nullptr,  nullptr,     nullptr};

const sqlite3_io_methods kDbMethods = {
    3,        DbClose,      DbRead,       DbWrite,    DbTruncate, DbSync,  DbFileSize, Lock, Unlock,
    CheckReservedLock, DbFileControl, SectorSize, DeviceCharacteristics, DbShmMap, DbShmLock,
    DbShmBarrier, DbShmUnmap, DbFetch, DbUnfetch};

// ---- The VFS.

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  const bool wal = (flags & SQLITE_OPEN_WAL) != 0;
  const bool db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
  // Anything else is the real VFS's file object, methods and all, in the same block.
  if (!wal && !db) return g_real->xOpen(g_real, name, file, flags, out_flags);
  auto* g = reinterpret_cast<GatherFile*>(file);
  std::memset(g, 0, sizeof(GatherFile));
  g->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kHeaderSize);
  int rc = g_real->xOpen(g_real, name, g->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (g->real->pMethods != nullptr) g->real->pMethods->xClose(g->real);
    g->base.pMethods = nullptr;
    return rc;
  }
  if (db && g->real->pMethods->iVersion < 3) {  // shared memory is how WAL readers find frames
    g->real->pMethods->xClose(g->real);
    g->base.pMethods = nullptr;
    return SQLITE_CANTOPEN;
  }
  if (db) {
    g->base.pMethods = &kDbMethods;
    return SQLITE_OK;
  }
  g->gathered = new std::string;
  g->gathered->reserve(kMaxGatheredBytes);
  g->commit_end = -1;
  g->base.pMethods = &kWalMethods;
  sqlite3_file* main = sqlite3_database_file_object(name);
  if (main != nullptr && main->pMethods == &kDbMethods) {
    g->db = reinterpret_cast<GatherFile*>(main);
    g->db->wal = g;
  }
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) { return g_real->xDelete(g_real, name, sync_dir); }
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void DlError(sqlite3_vfs*, int n, char* out) { g_real->xDlError(g_real, n, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return g_real->xDlSym(g_real, handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) { g_real->xDlClose(g_real, handle); }
int Randomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int Sleep(sqlite3_vfs*, int us) { return g_real->xSleep(g_real, us); }
int CurrentTime(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int GetLastError(sqlite3_vfs*, int n, char* out) { return g_real->xGetLastError(g_real, n, out); }
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) { return g_real->xCurrentTimeInt64(g_real, out); }
int SetSystemCall(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr call) {
  return g_real->xSetSystemCall(g_real, name, call);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs*, const char* name) {
  return g_real->xGetSystemCall(g_real, name);
}
const char* NextSystemCall(sqlite3_vfs*, const char* name) { return g_real->xNextSystemCall(g_real, name); }

}  // namespace

Status InstallWalWriteGather() {
  static std::once_flag once;
  static int rc = SQLITE_OK;
  std::call_once(once, [] {
    ConfigureSqliteOnce();
    if (sqlite3_initialize() != SQLITE_OK || (g_real = sqlite3_vfs_find(nullptr)) == nullptr) {
      rc = SQLITE_ERROR;
      return;
    }
    if (g_real->iVersion < 3) {  // every VFS since SQLite 3.7.6 is version 3
      rc = SQLITE_ERROR;
      return;
    }
    static sqlite3_vfs vfs{};
    vfs.iVersion = 3;
    vfs.szOsFile = static_cast<int>(kHeaderSize) + g_real->szOsFile;
    vfs.mxPathname = g_real->mxPathname;
    vfs.zName = kWalWriteGatherVfs;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    vfs.xSetSystemCall = SetSystemCall;
    vfs.xGetSystemCall = GetSystemCall;
    vfs.xNextSystemCall = NextSystemCall;
    rc = sqlite3_vfs_register(&vfs, /*makeDflt=*/1);
  });
  if (rc != SQLITE_OK) return Status::IoError("cannot install the WAL write-gathering SQLite VFS");
  return Status::Ok();
}

}  // namespace chainmail
