#include "crypto/client_secret.hpp"

#include "crypto/base64url.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace obauth::crypto {

Result<Secret> NewClientSecret() {
  OBAUTH_TRY(bytes, RandomBytes(32));
  return Secret(Base64UrlEncode(bytes));
}

std::string SecretHasher::Hash(std::string_view client_id, const Secret& secret) const {
  std::string message;
  message.reserve(client_id.size() + 1 + secret.Expose().size());
  message.append(client_id).push_back('\0');
  message.append(secret.Expose());
  return key_.Mac(message);
}

int SecretHasher::Match(std::string_view client_id, const Secret& secret,
                        const std::vector<std::string_view>& hashes) const {
  const std::string candidate = Hash(client_id, secret);
  int matched = -1;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    const bool equal = ConstantTimeEquals(candidate, hashes[i]);
    matched = equal ? static_cast<int>(i) : matched;
  }
  return matched;
}

}  // namespace obauth::crypto
