// ReplayStore: sealed answers kept for Idempotency-Key retries. A replay is written by the
// change it answers (RecipientStore::CreateRecipient, RotateSecret), in the same transaction;
// this interface finds and purges them. Implementations are thread-safe; every successful write
// is durable before the call returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace obauth::store {

// How long a replay answers retries of its request. A change whose replay key is held by a
// replay older than this replaces it.
inline constexpr std::int64_t kReplayLifetimeSeconds = 24 * 60 * 60;

// A sealed copy of a response, kept for Idempotency-Key replays.
struct Replay {
  std::string partner_id;
  std::string key;
  std::string fingerprint;  // hash of the request it answers
  std::string sealed;       // AES-256-GCM sealed status and body
  std::int64_t created_at = 0;
};

class ReplayStore {
 public:
  virtual ~ReplayStore() = default;

  // The replay stored for (partner, key) at or after `not_before`, or nullopt.
  [[nodiscard]] virtual Result<std::optional<Replay>> FindReplay(std::string_view partner_id,
                                                                 std::string_view key,
                                                                 std::int64_t not_before) = 0;
  // Deletes replays created before `cutoff`; how many.
  [[nodiscard]] virtual Result<std::int64_t> PurgeReplays(std::int64_t cutoff) = 0;
};

}  // namespace obauth::store
