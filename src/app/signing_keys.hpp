// The token signing keys as stored: setting "signing_keys", one line per key, oldest first:
// "SIGNING_FROM sealed-v1:BASE64URL", the PKCS#8 key sealed (AES-256-GCM) under a key derived
// from the server key and bound to the setting and the line's time. Every instance on the
// database reads the setting once a second (KeyRingFollower); `obauth keys rotate` changes it by
// compare-and-set, so concurrent rotations cannot lose a key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "oauth/access_token.hpp"
#include "oauth/key_ring.hpp"
#include "store/setting_store.hpp"

namespace obauth::app {

// A rotation publishes the new key this long before it signs by default: twice the JWKS's
// Cache-Control max-age (300 s), so caches have learnt it first.
inline constexpr std::int64_t kDefaultSigningDelay = 600;

struct StoredKeyRing {
  oauth::KeyRing ring;
  std::string stored;  // the setting's text: a change means another ring
};

// The ring in the database. On a database without one, its first key is the key an earlier
// version stored (settings "signing_key_ed25519", "signing_key"; sealed or not) or a new ES256
// key; the earlier settings are then overwritten, so no copy of a key outlives its place in the
// ring. kInternal when a stored key cannot be opened with `server_key`.
[[nodiscard]] Result<StoredKeyRing> LoadKeyRing(store::SettingStore& store,
                                                const Secret& server_key);

struct RotatedKey {
  std::string kid;
  std::string algorithm;
  std::int64_t signing_from = 0;
  std::size_t removed = 0;  // keys dropped: retired longer than any token can live
};

// Adds a new ES256 key that signs from now + signing_delay, and drops the keys retired before
// now - oauth::kMaxTokenLifetime - clock_skew (no unexpired token can carry them, on a server
// whose clock is at most clock_skew behind; `obauth keys rotate` gives oauth::kMaxClockSkew).
// kConflict while an earlier rotation's key has not started signing yet (the message says when
// it does).
[[nodiscard]] Result<RotatedKey> RotateSigningKey(store::SettingStore& store,
                                                  const Secret& server_key, std::int64_t now,
                                                  std::int64_t signing_delay,
                                                  std::int64_t clock_skew);

// One key of a ring as an operator sees it at some time.
struct KeyStatus {
  std::string kid;
  std::string algorithm;
  std::string state;              // "retired", "signing" or "next" (published, signs later)
  std::int64_t signing_from = 0;  // when it started or starts signing (0: since set-up)
  std::int64_t retired_at = 0;    // "retired": when the next key took over
};
std::vector<KeyStatus> DescribeKeys(const oauth::KeyRing& ring, std::int64_t now);
// One line for the log, e.g. "signing kid=… (ES256); next kid=… from 2026-…Z".
std::string SummarizeKeys(const oauth::KeyRing& ring, std::int64_t now);

// Keeps an AccessTokens on the stored ring: Poll() reads the setting and hands a changed ring
// over. Not thread-safe (one caller: the housekeeping thread).
class KeyRingFollower {
 public:
  KeyRingFollower(store::SettingStore& store, const Secret& server_key, oauth::AccessTokens& tokens,
                  std::string stored)
      : store_(store), server_key_(server_key), tokens_(tokens), stored_(std::move(stored)) {}

  // True when the ring changed and the tokens now use the new one.
  [[nodiscard]] Result<bool> Poll();
  std::shared_ptr<const oauth::KeyRing> keys() const { return tokens_.keys(); }

 private:
  store::SettingStore& store_;
  const Secret& server_key_;
  oauth::AccessTokens& tokens_;
  std::string stored_;
};

}  // namespace obauth::app
