#include "crypto/random.hpp"

#include <openssl/rand.h>

namespace obauth::crypto {

Result<std::string> RandomBytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return InternalError("RAND_bytes failed");
  }
  return out;
}

Result<std::string> RandomString(std::size_t length, std::string_view alphabet) {
  if (alphabet.empty() || alphabet.size() > 256) return InternalError("bad alphabet");
  // Accept only bytes below the largest multiple of the alphabet size, so every character is
  // equally likely.
  const unsigned limit = 256 - (256 % alphabet.size());
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    auto bytes = RandomBytes(length - out.size() + 8);
    if (!bytes) return bytes.error();
    for (unsigned char b : *bytes) {
      if (b < limit && out.size() < length) out.push_back(alphabet[b % alphabet.size()]);
    }
  }
  return out;
}

}  // namespace obauth::crypto
