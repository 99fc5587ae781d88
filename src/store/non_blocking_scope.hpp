// NonBlockingScope: marks the current thread as one that must not wait on the database (an I/O
// thread trying a request inline). While one lives on a thread, every store call made on that
// thread that would reach the database answers kWouldBlock (WouldBlock() below) before touching
// it: the SQL backends check on every call, and CachingStore answers only what it holds in
// memory. The caller then hands the request to a worker thread, which makes the call again.
#pragma once

#include "core/error.hpp"

namespace obauth::store {

class NonBlockingScope {
 public:
  NonBlockingScope() : previous_(active_) { active_ = true; }
  ~NonBlockingScope() { active_ = previous_; }
  NonBlockingScope(const NonBlockingScope&) = delete;
  NonBlockingScope& operator=(const NonBlockingScope&) = delete;
  static bool Active() { return active_; }

 private:
  bool previous_;
  static inline thread_local bool active_ = false;
};

// The answer of a store call refused under a NonBlockingScope.
inline Error WouldBlock() {
  return MakeError(ErrorCode::kWouldBlock, "Service Unavailable", "database call on an I/O thread");
}

}  // namespace obauth::store
