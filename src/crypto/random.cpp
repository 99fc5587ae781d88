#include "crypto/random.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <chrono>

#include "crypto/base64url.hpp"

namespace obauth::crypto {

Result<std::string> RandomBytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return InternalError("RAND_bytes failed");
  }
  return out;
}

Result<std::string> RandomIdBytes(std::size_t n) {
  struct Buffer {
    unsigned char bytes[4096];
    std::size_t used = sizeof bytes;  // empty until first use
  };
  thread_local Buffer buffer;
  if (n > 256) return InternalError("RandomIdBytes: too many bytes");
  if (sizeof buffer.bytes - buffer.used < n) {
    if (RAND_bytes(buffer.bytes, sizeof buffer.bytes) != 1)
      return InternalError("RAND_bytes failed");
    buffer.used = 0;
  }
  std::string out(reinterpret_cast<const char*>(buffer.bytes + buffer.used), n);
  // Served bytes are wiped so they exist once, in the identifier.
  OPENSSL_cleanse(buffer.bytes + buffer.used, n);
  buffer.used += n;
  return out;
}

Result<std::string> TimeOrderedId() {
  OBAUTH_TRY(random, RandomIdBytes(8));
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return fmt::format("{:011x}{}", millis & 0xFFFFFFFFFFF, Base64UrlEncode(random));
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
