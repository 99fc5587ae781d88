// The Idempotency-Key protocol of the admin API's creating calls (POST /api/v1/recipients and
// POST .../secret): a retry with the same key gets the first answer again, sealed (AES-256-GCM)
// in the database in the same transaction as the change; a key reused for another request, or
// still in flight in this process, is refused. ReplaySealer and InFlightKeys are its parts.
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "admin/caller.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "store/replay_store.hpp"

namespace obauth::admin {

// How long a replay is kept and honoured (defined with the replays).
using store::kReplayLifetimeSeconds;

// Seals responses into replay records and opens them again.
class ReplaySealer {
 public:
  // `key`: 32 bytes, derived from the server key (crypto::KeyPurpose::kReplaySeal); never stored.
  explicit ReplaySealer(Secret key) : key_(std::move(key)) {}

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

 private:
  Secret key_;
};

// The (partner, key) pairs with a request in flight in this process.
class InFlightKeys {
 public:
  // Marks (partner, key) in flight while the returned guard lives; nullopt if it already is.
  class Claim {
   public:
    Claim(InFlightKeys* owner, std::pair<std::string, std::string> slot)
        : owner_(owner), slot_(std::move(slot)) {}
    Claim(Claim&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), slot_(other.slot_) {}
    Claim(const Claim&) = delete;
    ~Claim();

   private:
    InFlightKeys* owner_;
    std::pair<std::string, std::string> slot_;
  };
  [[nodiscard]] std::optional<Claim> TryClaim(std::string_view partner_id, std::string_view key);

 private:
  std::mutex mu_;
  std::set<std::pair<std::string, std::string>> in_flight_;
};

// A creating request as the protocol sees it.
struct IdempotentRequest {
  std::optional<std::string_view> key;  // the Idempotency-Key header; nullopt when absent
  std::string_view method;
  std::string_view path;  // without the query
  std::string_view body;
};

// What to answer: the JSON body with its status, and whether it is a replay of an earlier one.
struct IdempotentAnswer {
  int status = 200;
  std::string body;
  bool replayed = false;
};

class Idempotency {
 public:
  // `replays` keeps the sealed answers; `key` seals them (see ReplaySealer).
  Idempotency(Secret key, store::ReplayStore& replays, const Clock& clock)
      : sealer_(std::move(key)), replays_(replays), clock_(clock) {}

  // Runs `run(sealer)` — a call that stores the sealed replay the sealer makes with its change —
  // under the request's key, and answers `encode(result)` with status 200:
  //  - no key: runs without a sealer (nullptr);
  //  - a stored answer (younger than kReplayLifetimeSeconds) to the same request (method, path,
  //    body): that answer, replayed, and nothing runs;
  //  - kValidation for a malformed key; kKeyReused when the key answered another request;
  //    kKeyInUse while a request with the key is in flight in this process (one in flight on
  //    another instance makes the store's insert of the replay fail with kKeyInUse);
  //  - `run`'s own errors, and the store's.
  template <class T, class Run, class Encode>
  [[nodiscard]] Result<IdempotentAnswer> Answer(const Caller& caller,
                                                const IdempotentRequest& request, Run&& run,
                                                Encode&& encode);

  // The keys in flight in this process (a test holds one to see a concurrent retry refused).
  InFlightKeys& in_flight() { return in_flight_; }

 private:
  // The stored answer to `request` under `key`, if any; kKeyReused for another request's.
  Result<std::optional<IdempotentAnswer>> Replay(const Caller& caller, std::string_view key,
                                                 const std::string& fingerprint, std::int64_t now);

  ReplaySealer sealer_;
  InFlightKeys in_flight_;
  store::ReplayStore& replays_;
  const Clock& clock_;
};

template <class T, class Run, class Encode>
Result<IdempotentAnswer> Idempotency::Answer(const Caller& caller, const IdempotentRequest& request,
                                             Run&& run, Encode&& encode) {
  if (!request.key) {
    OBAUTH_TRY(result, run(nullptr));
    return IdempotentAnswer{200, encode(result), false};
  }
  const std::string_view key = *request.key;
  if (!ReplaySealer::IsValidKey(key)) {
    return MakeError(ErrorCode::kValidation,
                     "Idempotency-Key must be 1 to 255 visible ASCII characters");
  }
  std::string fingerprint = ReplaySealer::Fingerprint(request.method, request.path, request.body);
  const std::int64_t now = clock_.NowSeconds();
  OBAUTH_TRY(stored, Replay(caller, key, fingerprint, now));
  if (stored) return std::move(*stored);
  auto claim = in_flight_.TryClaim(caller.partner_id, key);
  if (!claim) {
    return MakeError(ErrorCode::kKeyInUse,
                     "A request with this Idempotency-Key is already in progress");
  }
  // The first request with this key may have finished between the lookup and the claim.
  OBAUTH_TRY(finished, Replay(caller, key, fingerprint, now));
  if (finished) return std::move(*finished);
  std::string body;
  OBAUTH_TRY(result, run([&](const T& value) -> Result<store::Replay> {
               body = encode(value);
               return sealer_.Seal(caller.partner_id, key, fingerprint, 200, body, now);
             }));
  (void)result;
  return IdempotentAnswer{200, std::move(body), false};
}

}  // namespace obauth::admin
