// Idempotency-Key support for the admin API's creating calls: request fingerprints, sealed
// (AES-256-GCM) replay copies of responses, and the set of keys with a request in flight in
// this process. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "store/replay_store.hpp"

namespace obauth::http {

// How long a replay is kept and honoured (defined with the replays, store/replay_store.hpp).
using store::kReplayLifetimeSeconds;

class Idempotency {
 public:
  // `key`: 32 bytes, derived from the server key file; never stored in the database.
  explicit Idempotency(Secret key) : key_(std::move(key)) {}

  // True for 1-255 visible ASCII characters (0x21-0x7E).
  static bool IsValidKey(std::string_view key);

  // SHA-256 over method, path and body: two requests are "the same" when these are equal.
  static std::string Fingerprint(std::string_view method, std::string_view path,
                                 std::string_view body);

  // The replay record for a response, sealed and bound to (partner, key).
  [[nodiscard]] Result<store::Replay> Seal(std::string_view partner_id, std::string_view key,
                                           std::string fingerprint, int status,
                                           std::string_view body, std::int64_t now) const;
  // Status and body of a sealed replay; kInternal if it does not open.
  [[nodiscard]] Result<std::pair<int, std::string>> Open(const store::Replay& replay) const;

  // Marks (partner, key) in flight while the returned guard lives; nullopt if it already is.
  class Claim {
   public:
    Claim(Idempotency* owner, std::pair<std::string, std::string> slot)
        : owner_(owner), slot_(std::move(slot)) {}
    Claim(Claim&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), slot_(other.slot_) {}
    Claim(const Claim&) = delete;
    ~Claim();

   private:
    Idempotency* owner_;
    std::pair<std::string, std::string> slot_;
  };
  [[nodiscard]] std::optional<Claim> TryClaim(std::string_view partner_id, std::string_view key);

 private:
  Secret key_;
  std::mutex mu_;
  std::set<std::pair<std::string, std::string>> in_flight_;
};

}  // namespace obauth::http
