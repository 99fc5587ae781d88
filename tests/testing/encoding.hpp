// Encodings the tests need to build requests and look inside tokens: base64 (RFC 4648 §4),
// base64url (§5), application/x-www-form-urlencoded. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace obauth::testing {

// Base64 with padding (RFC 4648 §4), as HTTP Basic uses it.
std::string Base64Encode(std::string_view bytes);
// Base64url without padding (RFC 4648 §5), as JWS uses it.
std::string Base64UrlEncode(std::string_view bytes);
// The bytes of unpadded base64url text, or nullopt when it is not valid base64url.
std::optional<std::string> Base64UrlDecode(std::string_view text);

// application/x-www-form-urlencoded: letters, digits and "*-._" kept, space as '+', every
// other byte as %XX.
std::string FormEncode(std::string_view text);
// Percent-encodes every byte that is not a letter or digit ('-' becomes %2D): a legal but
// unusual form encoding that proves the server decodes rather than compares raw text.
std::string PercentEncodeAll(std::string_view text);
// name=value pairs joined with '&', each side FormEncode()d.
std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields);

// The Authorization value for HTTP Basic with RFC 6749 §2.3.1 credentials: "Basic " + base64 of
// user ":" password, where user and password are already form-encoded by the caller.
std::string BasicAuthorization(std::string_view encoded_user, std::string_view encoded_password);

}  // namespace obauth::testing
