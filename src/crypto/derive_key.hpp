// DeriveKey: every key obauth derives from the server (master) key, from one table of labels, so
// no two uses can share a key by accident and the labels live in one place. Pure functions;
// thread-safe.
#pragma once

#include <string_view>

#include "core/secret.hpp"

namespace obauth::crypto {

// What a derived key is for. Adding a purpose means adding its label to the table in
// derive_key.cpp (the switch has no default, so the build fails until it is there).
enum class KeyPurpose {
  kSecretHashing,    // HMAC-SHA-256 key of the stored client secret hashes
  kServerKeyCheck,   // a value the database records to recognise its server key
  kSigningKeySeal,   // AES-256-GCM key sealing the stored token signing keys
  kReplaySeal,       // AES-256-GCM key sealing Idempotency-Key replays of responses
  kGrantHashing,     // HMAC-SHA-256 key of the stored authorization code and refresh token hashes
  kPairwiseSubject,  // HMAC-SHA-256 key making a customer's `sub` for one recipient and provider
  kBrowserSeal,      // AES-256-GCM key sealing the authorize transaction a browser carries
  kCsrf,             // HMAC-SHA-256 key making a form's CSRF token from the session cookie
  kProviderClientSeal,  // AES-256-GCM key sealing obauth's client secrets at upstream providers
  kUpstreamTokenSeal,   // AES-256-GCM key sealing upstream providers' tokens of a connection
};

// The label the derivation uses for `purpose`; empty for kSecretHashing, which uses the server
// key itself (the first versions hashed secrets under it, and stored hashes must keep matching).
std::string_view DerivationLabel(KeyPurpose purpose);

// HMAC-SHA-256(server_key, label) — 32 bytes — or the server key itself for kSecretHashing.
Secret DeriveKey(const Secret& server_key, KeyPurpose purpose);

}  // namespace obauth::crypto
