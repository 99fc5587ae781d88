// SigningKey: an Ed25519 key pair for JWS "EdDSA" (RFC 8037), held in an OpenSSL EVP_PKEY.
// Const methods are thread-safe: each call uses its own signing context.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/secret.hpp"

struct evp_pkey_st;

namespace obauth::crypto {

class SigningKey {
 public:
  // A new key from the CSPRNG, or kInternal.
  [[nodiscard]] static Result<SigningKey> Generate();
  // The key stored by ToPkcs8Pem(), or kInternal if the text is not an Ed25519 private key.
  [[nodiscard]] static Result<SigningKey> FromPkcs8Pem(const Secret& pem);

  Secret ToPkcs8Pem() const;
  // JWS "alg" value.
  static constexpr std::string_view kAlgorithm = "EdDSA";
  // RFC 7638 JWK thumbprint of the public key, base64url: the "kid" of tokens it signs.
  const std::string& KeyId() const { return key_id_; }
  // 32-byte raw public key.
  const std::string& PublicKey() const { return public_key_; }

  // 64-byte signature over `message`, or kInternal if OpenSSL fails.
  [[nodiscard]] Result<std::string> Sign(std::string_view message) const;
  // True only for a valid signature of `message` by this key.
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  explicit SigningKey(std::shared_ptr<evp_pkey_st> key);
  std::shared_ptr<evp_pkey_st> key_;
  std::string public_key_;
  std::string key_id_;
};

}  // namespace obauth::crypto
