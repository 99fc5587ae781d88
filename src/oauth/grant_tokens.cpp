#include "oauth/grant_tokens.hpp"

#include <string>

#include "crypto/base64url.hpp"
#include "crypto/random.hpp"

namespace obauth::oauth {

Result<Secret> NewGrantToken(std::string_view id) {
  OBAUTH_TRY(random, crypto::RandomBytes(32));
  return Secret(std::string(id) + "." + crypto::Base64UrlEncode(random));
}

std::string_view GrantTokenId(std::string_view token) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == token.size()) return {};
  return token.substr(0, dot);
}

}  // namespace obauth::oauth
