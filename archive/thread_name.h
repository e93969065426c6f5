// NameThisThread: gives the calling thread a name that ps, top -H, gdb and /proc show
// (Linux keeps at most 15 bytes; longer names are cut). Operators see which of the
// daemon's threads is the writer, the WAL syncer or an indexer; benchmarks attribute CPU
// time by it. Best effort: a failure changes nothing else.
#pragma once

#include <pthread.h>

#include <string>

namespace chainmail {

inline void NameThisThread(const std::string& name) {
  (void)pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace chainmail
