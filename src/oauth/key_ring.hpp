// KeyRing: the server's token signing keys over time. A key is published (JWKS) from the moment
// it is added, signs from its `signing_from` time until the next key's, and stays published and
// accepted until every token it can have signed has expired. Immutable; shared by copy.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/signing_key.hpp"

namespace obauth::oauth {

// The longest access token lifetime the server accepts (serve --token-ttl), in seconds. A key
// retired for longer than this plus the clock skew can have signed no unexpired token.
inline constexpr std::int64_t kMaxTokenLifetime = 86400;

struct RingKey {
  crypto::SigningKey key;
  std::int64_t signing_from = 0;  // Unix seconds; 0 for the first key
};

class KeyRing {
 public:
  // `keys` in any order; at least one. Keys sharing a signing_from keep their given order, and
  // the later one signs.
  explicit KeyRing(std::vector<RingKey> keys);

  // The key that signs at `now`: the last one whose signing_from has come (the earliest key if
  // none has, which only a clock set back can cause).
  const crypto::SigningKey& SigningAt(std::int64_t now) const {
    return keys_[SigningIndexAt(now)].key;
  }
  // Its index in keys().
  std::size_t SigningIndexAt(std::int64_t now) const;
  // When the key at `index` stopped signing: the next key's signing_from, or INT64_MAX.
  std::int64_t RetiredAt(std::size_t index) const;
  // The keys a verifier should know at `now`: all except those retired before
  // now - token_lifetime - clock_skew, oldest first.
  std::vector<crypto::SigningKey> PublishedAt(std::int64_t now, std::int64_t token_lifetime,
                                              std::int64_t clock_skew) const;
  // The key whose kid is `kid`, or nullptr.
  const crypto::SigningKey* Find(std::string_view kid) const;

  // Oldest first (by signing_from).
  const std::vector<RingKey>& keys() const { return keys_; }

 private:
  std::vector<RingKey> keys_;
};

}  // namespace obauth::oauth
