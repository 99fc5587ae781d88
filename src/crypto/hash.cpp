#include "crypto/hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace obauth::crypto {

namespace {

// Fetched once: SHA256() and EVP_sha256() look the algorithm up in the provider on every call.
const EVP_MD* FetchedSha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

std::array<unsigned char, 32> Sha256Digest(std::string_view data) {
  std::array<unsigned char, 32> out{};
  EVP_Digest(data.data(), data.size(), out.data(), nullptr, FetchedSha256(), nullptr);
  return out;
}

std::string Sha256(std::string_view data) {
  const auto digest = Sha256Digest(data);
  return std::string(digest.begin(), digest.end());
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  return HmacSha256Key(key).Mac(data);
}

struct HmacSha256Key::State {
  EVP_MAC_CTX* keyed = nullptr;
  ~State() { EVP_MAC_CTX_free(keyed); }
};

HmacSha256Key::HmacSha256Key(std::string_view key) {
  auto state = std::make_shared<State>();
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  state->keyed = mac ? EVP_MAC_CTX_new(mac) : nullptr;
  EVP_MAC_free(mac);  // the context keeps its own reference
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                               OSSL_PARAM_construct_end()};
  if (state->keyed == nullptr ||
      EVP_MAC_init(state->keyed, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1) {
    throw std::runtime_error("cannot prepare HMAC-SHA-256");
  }
  state_ = std::move(state);
}

std::string HmacSha256Key::Mac(std::string_view data) const {
  std::unique_ptr<EVP_MAC_CTX, void (*)(EVP_MAC_CTX*)> ctx(EVP_MAC_CTX_dup(state_->keyed),
                                                           EVP_MAC_CTX_free);
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  std::size_t len = 0;
  if (!ctx ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1 ||
      EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, out.size()) !=
          1) {
    throw std::runtime_error("HMAC-SHA-256 failed");
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

}  // namespace obauth::crypto
