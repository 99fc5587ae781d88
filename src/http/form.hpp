// Decoders for application/x-www-form-urlencoded bodies and HTTP Basic credentials.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace obauth::http {

// One form component: '+' is a space, %XX a byte. nullopt for a malformed escape.
std::optional<std::string> FormDecode(std::string_view text);

// The name/value pairs of a form body in order (empty pieces between '&' are skipped; a piece
// without '=' has an empty value). nullopt for a malformed escape.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body);

struct BasicCredentials {
  std::string user;
  std::string password;
};

// The value of an Authorization header using the Basic scheme (RFC 7617), with user and
// password form-decoded as RFC 6749 §2.3.1 requires. nullopt when the scheme is Basic but the
// credentials are malformed (bad base64, no ':', bad escape, empty user).
// Call only after HasAuthScheme(value, "Basic").
std::optional<BasicCredentials> ParseBasicAuth(std::string_view header_value);

// True when the Authorization value starts with `scheme` (case-insensitive) and a space.
bool HasAuthScheme(std::string_view header_value, std::string_view scheme);

}  // namespace obauth::http
