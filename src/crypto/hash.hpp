// SHA-256, HMAC-SHA-256 and constant-time comparison (OpenSSL). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace obauth::crypto {

// 32-byte raw digests.
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

// True when `a` and `b` are equal. Time depends only on the lengths, never on the contents.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Lowercase hexadecimal.
std::string ToHex(std::string_view bytes);

}  // namespace obauth::crypto
