// base64url without padding (RFC 4648 §5, as JWS uses it, RFC 7515 §2) and standard padded
// base64 (RFC 4648 §4). Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace obauth::crypto {

std::string Base64UrlEncode(std::string_view bytes);

// The decoded bytes, or nullopt for characters outside the alphabet, padding, an impossible
// length, or non-zero unused trailing bits (so every value has exactly one encoding).
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Standard base64 with padding (RFC 4648 §4), as HTTP Basic uses it (RFC 7617). nullopt for
// anything but canonical, padded text.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace obauth::crypto
