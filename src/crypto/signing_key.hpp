// SigningKey: a JWS signing key pair held in OpenSSL, either ECDSA P-256 (JWS "ES256", RFC 7518
// §3.4; what the server generates, chosen on measurements in bench/RESULTS.md) or Ed25519
// ("EdDSA", RFC 8037; still loaded when stored by an earlier version).
// Const methods are thread-safe: the OpenSSL contexts prepared at load time are only copied.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/secret.hpp"

struct evp_pkey_st;

namespace obauth::crypto {

enum class SigningAlgorithm { kEs256, kEdDsa };

class SigningKey {
 public:
  // A new key from the CSPRNG, or kInternal.
  [[nodiscard]] static Result<SigningKey> Generate(
      SigningAlgorithm algorithm = SigningAlgorithm::kEs256);
  // The key stored by ToPkcs8Pem(), or kInternal if the text is not a P-256 or Ed25519 private
  // key.
  [[nodiscard]] static Result<SigningKey> FromPkcs8Pem(const Secret& pem);

  Secret ToPkcs8Pem() const;
  // JWS "alg" value: "ES256" or "EdDSA".
  std::string_view Algorithm() const;
  // The public key as a JWK with only its required members, in lexicographic order and without
  // whitespace (RFC 7638 §3.2), e.g. {"crv":"P-256","kty":"EC","x":"…","y":"…"}.
  const std::string& PublicJwk() const;
  // RFC 7638 JWK thumbprint of the public key, base64url: the "kid" of tokens it signs.
  const std::string& KeyId() const;

  // Of an ES256 signature's two valid forms, (r, s) and (r, n - s), Sign makes only the one with
  // s <= n/2 ("low S"), so that a token has one encoding; Verify accepts only that one, unless
  // told that either will do (a token of an earlier version, which made either).
  enum class Form { kCanonical, kEither };

  // The JWS signature of `message` (64 bytes for both algorithms; ES256 as R‖S), or kInternal.
  [[nodiscard]] Result<std::string> Sign(std::string_view message) const;
  // True only for a valid JWS signature of `message` by this key, in `form`.
  bool Verify(std::string_view message, std::string_view signature,
              Form form = Form::kCanonical) const;

 private:
  struct State;
  explicit SigningKey(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  static Result<SigningKey> FromKey(std::shared_ptr<evp_pkey_st> key);
  std::shared_ptr<const State> state_;
};

}  // namespace obauth::crypto
