// ConnectionUses: the refreshes of connections, kept in memory and written in batches
// (ConnectionStore::TouchConnections, once a second by the housekeeper), so that the refresh
// grant costs no database write. A connection's last use is the later of its stored
// last_used_at and the use recorded here and not yet written. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/connection_store.hpp"

namespace obauth::oauth {

class ConnectionUses {
 public:
  void Record(const std::string& connection_id, std::int64_t at) {
    std::lock_guard lock(mu_);
    auto& last = pending_[connection_id];
    if (at > last) last = at;
  }

  // The use of the connection recorded and not yet drained, if any.
  std::optional<std::int64_t> Pending(const std::string& connection_id) const {
    std::lock_guard lock(mu_);
    const auto it = pending_.find(connection_id);
    if (it == pending_.end()) return std::nullopt;
    return it->second;
  }

  // Every recorded use, forgotten here: the caller writes them.
  std::vector<store::ConnectionUse> Drain() {
    std::unordered_map<std::string, std::int64_t> taken;
    {
      std::lock_guard lock(mu_);
      taken.swap(pending_);
    }
    std::vector<store::ConnectionUse> out;
    out.reserve(taken.size());
    for (auto& [id, at] : taken) out.push_back({id, at});
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::int64_t> pending_;
};

}  // namespace obauth::oauth
