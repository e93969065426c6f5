// ConnectionWatchdog: every open REST connection and what it is doing, so that no client
// can hold a server thread for long and a shutdown never waits on an idle one.
//
// A connection is idle (between requests: waiting for the next one, keep-alive), reading
// (a request has begun to arrive; it must be complete, head and body, by its deadline) or
// busy (the API is answering it). A thread looks a few times a second for reading
// connections past their deadline and shuts down their reading side: the blocked read
// returns, and the connection answers 408 and closes. A client trickling its request one
// byte at a time (slowloris) therefore holds a thread for at most http.timeout_s.
//
// Stop: BeginStop() shuts down every idle and reading connection at once (nothing was
// promised to them) and refuses new ones; busy ones finish their answer and then close;
// ShutdownAll() ends whatever is left when the drain time is over.
//
// Thread safety: every member may be called from any thread. A connection's fd is only
// shut down (never closed) here, and only while the connection is registered: it
// unregisters before it closes its socket.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

namespace chainmail {

class ConnectionWatchdog {
 public:
  using Clock = std::chrono::steady_clock;

  ConnectionWatchdog();
  ~ConnectionWatchdog();  // stops the thread; connections must have unregistered
  ConnectionWatchdog(const ConnectionWatchdog&) = delete;
  ConnectionWatchdog& operator=(const ConnectionWatchdog&) = delete;

  // A new connection on socket `fd`, reading its first request (the TLS handshake
  // included) until `deadline`. Returns its id, or 0 when stopping (close it at once).
  uint64_t Register(int fd, Clock::time_point deadline);
  void Unregister(uint64_t id);
  // The next request has begun to arrive: it must be complete by `deadline`. False when
  // stopping (close instead).
  bool Reading(uint64_t id, Clock::time_point deadline);
  // The request has arrived in full; the API is answering.
  void Busy(uint64_t id);
  // The answer is sent; waiting for the next request. False when stopping (close).
  bool Idle(uint64_t id);
  // Whether the connection's reading side was shut down because its deadline passed.
  bool Expired(uint64_t id);

  void BeginStop();
  // True once no connection is registered; false if `deadline` came first.
  bool WaitUntilEmpty(Clock::time_point deadline);
  void ShutdownAll();

 private:
  enum class Phase { kIdle, kReading, kBusy };
  struct Entry {
    int fd = -1;
    Phase phase = Phase::kReading;
    Clock::time_point deadline;
    bool expired = false;
  };
  void Run();
  void ShutdownLocked(Entry& e, int how);

  std::mutex mu_;
  std::condition_variable wake_;   // the thread's sleep; also Stop
  std::condition_variable empty_;  // signalled when the last connection unregisters
  std::map<uint64_t, Entry> entries_;  // guarded by mu_
  uint64_t next_id_ = 1;               // guarded by mu_
  bool stopping_ = false;              // guarded by mu_: no new requests
  bool quit_ = false;                  // guarded by mu_: the thread ends
  std::thread thread_;
};

}  // namespace chainmail
