// NamedThread: starts a thread under a name that ps, top -H, gdb and /proc show (Linux
// keeps at most 15 bytes; longer names are cut). Operators see which of the daemon's
// threads is the writer, the WAL syncer or an indexer; benchmarks attribute CPU time by
// it. Naming is best effort: a failure changes nothing else.
#pragma once

#include <pthread.h>

#include <string>
#include <thread>
#include <utility>

namespace chainmail {

template <typename Body>
std::thread NamedThread(std::string name, Body body) {
  return std::thread([name = std::move(name), body = std::move(body)]() mutable {
    (void)pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    body();
  });
}

}  // namespace chainmail
