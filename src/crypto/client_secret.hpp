// Client secrets: generation, and the keyed hash that is the only form ever stored.
// SecretHasher is immutable after construction and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "crypto/hash.hpp"

namespace obauth::crypto {

// A new secret: 32 CSPRNG bytes (256 bits) as 43 base64url characters; kInternal on RNG failure.
[[nodiscard]] Result<Secret> NewClientSecret();

class SecretHasher {
 public:
  // `key`: the server's hashing key (any length; obauth uses 32 random bytes).
  explicit SecretHasher(const Secret& key) : key_(key.Expose()) {}

  // HMAC-SHA-256 over client id and secret: binding the id means a hash copied to another
  // client's row matches nothing.
  std::string Hash(std::string_view client_id, const Secret& secret) const;

  // The index of the hash in `hashes` that `secret` matches, or -1. Every hash is compared in
  // constant time and none is skipped, so the work does not depend on the secret or on which
  // hash matched.
  int Match(std::string_view client_id, const Secret& secret,
            const std::vector<std::string_view>& hashes) const;

 private:
  HmacSha256Key key_;
};

}  // namespace obauth::crypto
