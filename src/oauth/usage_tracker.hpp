// UsageTracker: remembers which secrets authenticated since they were last written, so the token
// endpoint records "last used" without a database write per request, and a busy secret costs
// one write per `resolution` rather than one per drain. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/client_store.hpp"

namespace obauth::oauth {

class UsageTracker {
 public:
  // A secret whose use was already handed out by Drain is handed out again once it has been
  // used `resolution_seconds` or more after that use, so a stored last-used time may lag by up to
  // that much (docs/decisions.md).
  explicit UsageTracker(std::int64_t resolution_seconds = 60)
      : resolution_seconds_(resolution_seconds) {}

  // Notes that secret `secret_id` of `client_id` authenticated at `now`; `previous` when it was
  // a previous secret in its grace period.
  void Record(std::int64_t secret_id, std::string_view client_id, bool previous, std::int64_t now);
  // The uses that are due, one entry per secret: first uses of a secret, uses `resolution` or more
  // after the last one handed out, and every use of a previous secret (its count is exact).
  // Uses held back stay for a later call.
  std::vector<store::SecretUse> Drain();
  // Everything recorded and not yet handed out, due or not (at shutdown).
  std::vector<store::SecretUse> DrainAll();

 private:
  std::vector<store::SecretUse> Take(bool everything);

  const std::int64_t resolution_seconds_;
  std::mutex mu_;
  std::unordered_map<std::int64_t, store::SecretUse> pending_;
  std::unordered_map<std::int64_t, std::int64_t> handed_out_;  // secret id -> last_used_at
};

}  // namespace obauth::oauth
