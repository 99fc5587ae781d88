#include "crypto/aead.hpp"

#include <openssl/evp.h>

#include <memory>

#include "crypto/random.hpp"

namespace obauth::crypto {
namespace {

constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

}  // namespace

Result<std::string> Seal(const Secret& key, std::string_view associated_data,
                         std::string_view plaintext) {
  if (key.Expose().size() != 32) return InternalError("AES-256-GCM needs a 32-byte key");
  OBAUTH_TRY(nonce, RandomBytes(kNonceBytes));
  std::string out = nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int total = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key.Expose()),
                                      Bytes(nonce)) == 1;
  ok = ok && EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(associated_data),
                               static_cast<int>(associated_data.size())) == 1;
  ok = ok && EVP_EncryptUpdate(ctx.get(), Bytes(out) + kNonceBytes, &len, Bytes(plaintext),
                               static_cast<int>(plaintext.size())) == 1;
  total = len;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), Bytes(out) + kNonceBytes + total, &len) == 1;
  total += len;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                 Bytes(out) + kNonceBytes + total) == 1;
  if (!ok) return InternalError("AES-256-GCM encryption failed");
  return out;
}

Result<std::string> Open(const Secret& key, std::string_view associated_data,
                         std::string_view sealed) {
  if (key.Expose().size() != 32) return InternalError("AES-256-GCM needs a 32-byte key");
  if (sealed.size() < kNonceBytes + kTagBytes) return InternalError("sealed record too short");
  const std::string_view nonce = sealed.substr(0, kNonceBytes);
  const std::string_view ciphertext =
      sealed.substr(kNonceBytes, sealed.size() - kNonceBytes - kTagBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  std::string out(ciphertext.size(), '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key.Expose()),
                                      Bytes(nonce)) == 1;
  ok = ok && EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(associated_data),
                               static_cast<int>(associated_data.size())) == 1;
  ok = ok && EVP_DecryptUpdate(ctx.get(), Bytes(out), &len, Bytes(ciphertext),
                               static_cast<int>(ciphertext.size())) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, Bytes(tag)) == 1;
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), Bytes(out) + len, &len) == 1;
  if (!ok) return InternalError("AES-256-GCM record failed authentication");
  return out;
}

}  // namespace obauth::crypto
