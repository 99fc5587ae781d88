// AES-256-GCM sealing of small records (OpenSSL EVP). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/secret.hpp"

namespace obauth::crypto {

// nonce (12 random bytes) || ciphertext || tag (16 bytes), authenticating `associated_data`
// too. `key` must be 32 bytes. kInternal if OpenSSL fails.
[[nodiscard]] Result<std::string> Seal(const Secret& key, std::string_view associated_data,
                                       std::string_view plaintext);

// The plaintext of a Seal() output made with the same key and associated data; kInternal for
// anything else (wrong key, other associated data, tampering, truncation).
[[nodiscard]] Result<std::string> Open(const Secret& key, std::string_view associated_data,
                                       std::string_view sealed);

}  // namespace obauth::crypto
