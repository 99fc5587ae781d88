#include "crypto/signing_key.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/base64url.hpp"
#include "crypto/hash.hpp"

namespace obauth::crypto {
namespace {

using Pkey = std::shared_ptr<EVP_PKEY>;
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

}  // namespace

SigningKey::SigningKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {
  public_key_.resize(32);
  std::size_t len = public_key_.size();
  EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(public_key_.data()),
                              &len);
  public_key_.resize(len);
  // RFC 7638 §3.2: required members in lexicographic order, no whitespace.
  const std::string jwk =
      R"({"crv":"Ed25519","kty":"OKP","x":")" + Base64UrlEncode(public_key_) + R"("})";
  key_id_ = Base64UrlEncode(Sha256(jwk));
}

Result<SigningKey> SigningKey::Generate() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (raw == nullptr) return InternalError("Ed25519 key generation failed");
  return SigningKey(Pkey(raw, EVP_PKEY_free));
}

Result<SigningKey> SigningKey::FromPkcs8Pem(const Secret& pem) {
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(pem.Expose().data(), static_cast<int>(pem.Expose().size())));
  if (!bio) return InternalError("BIO_new_mem_buf failed");
  // A null callback would make OpenSSL prompt for a passphrase on the terminal and block when the
  // PEM is encrypted; refusing any passphrase makes an encrypted key an ordinary failure.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return -1; };
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (raw == nullptr) return InternalError("stored signing key is not a PEM private key");
  Pkey key(raw, EVP_PKEY_free);
  if (EVP_PKEY_get_base_id(raw) != EVP_PKEY_ED25519) {
    return InternalError("stored signing key is not Ed25519");
  }
  return SigningKey(std::move(key));
}

Secret SigningKey::ToPkcs8Pem() const {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return Secret(std::string(data, static_cast<std::size_t>(len)));
}

Result<std::string> SigningKey::Sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  std::size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return InternalError("Ed25519 signing failed");
  }
  sig.resize(len);
  return sig;
}

bool SigningKey::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != 64) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace obauth::crypto
