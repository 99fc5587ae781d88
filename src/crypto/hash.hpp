// SHA-256, HMAC-SHA-256 and constant-time comparison (OpenSSL). Thread-safe.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

namespace obauth::crypto {

// 32-byte raw digests.
std::string Sha256(std::string_view data);
std::array<unsigned char, 32> Sha256Digest(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

// HMAC-SHA-256 under one key, with the OpenSSL context keyed once and copied per call (about
// a third of HmacSha256's cost, which fetches the algorithm and sets the key every time).
class HmacSha256Key {
 public:
  explicit HmacSha256Key(std::string_view key);
  std::string Mac(std::string_view data) const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

// True when `a` and `b` are equal. Time depends only on the lengths, never on the contents.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Lowercase hexadecimal.
std::string ToHex(std::string_view bytes);

}  // namespace obauth::crypto
