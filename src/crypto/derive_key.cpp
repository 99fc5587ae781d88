#include "crypto/derive_key.hpp"

#include <string>

#include "crypto/hash.hpp"

namespace obauth::crypto {

std::string_view DerivationLabel(KeyPurpose purpose) {
  // Changing a label changes the key: stored hashes, seals and checks made under the old one
  // stop opening. A new purpose gets a new label; an existing one never changes.
  switch (purpose) {
    case KeyPurpose::kSecretHashing:
      return {};
    case KeyPurpose::kServerKeyCheck:
      return "obauth server key check";
    case KeyPurpose::kSigningKeySeal:
      return "obauth signing key AES-256-GCM key v1";
    case KeyPurpose::kReplaySeal:
      return "obauth idempotency replay AES-256-GCM key v1";
    case KeyPurpose::kGrantHashing:
      return "obauth authorization code and refresh token HMAC key v1";
    case KeyPurpose::kPairwiseSubject:
      return "obauth pairwise subject HMAC key v1";
    case KeyPurpose::kBrowserSeal:
      return "obauth browser transaction AES-256-GCM key v1";
    case KeyPurpose::kCsrf:
      return "obauth CSRF token HMAC key v1";
    case KeyPurpose::kProviderClientSeal:
      return "obauth provider client secret AES-256-GCM key v1";
    case KeyPurpose::kUpstreamTokenSeal:
      return "obauth upstream provider token AES-256-GCM key v1";
  }
  return "obauth unknown key purpose";
}

Secret DeriveKey(const Secret& server_key, KeyPurpose purpose) {
  if (purpose == KeyPurpose::kSecretHashing) return Secret(std::string(server_key.Expose()));
  return Secret(HmacSha256(server_key.Expose(), DerivationLabel(purpose)));
}

}  // namespace obauth::crypto
