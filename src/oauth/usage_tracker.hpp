// UsageTracker: remembers which secrets authenticated since the last drain, so the token
// endpoint records "last used" without a database write per request. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.hpp"

namespace obauth::oauth {

class UsageTracker {
 public:
  // Notes that secret `secret_id` of `client_id` authenticated at `now`; `previous` when it was
  // a previous secret in its grace period.
  void Record(std::int64_t secret_id, std::string_view client_id, bool previous, std::int64_t now);
  // Everything recorded since the last call, one entry per secret.
  std::vector<store::SecretUse> Drain();

 private:
  std::mutex mu_;
  std::unordered_map<std::int64_t, store::SecretUse> pending_;
};

}  // namespace obauth::oauth
