#include "crypto/signing_key.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "crypto/base64url.hpp"
#include "crypto/hash.hpp"

namespace obauth::crypto {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

constexpr std::size_t kSignatureSize = 64;  // ES256 R‖S and Ed25519 alike
constexpr std::size_t kCoordinateSize = 32;

// The P-256 group order n and n/2, big-endian (SEC 2 §2.4.2). Of an ECDSA signature's two
// valid forms, (r, s) and (r, n - s), only the one with s <= n/2 ("low S") is made or accepted,
// so that a token has one encoding.
constexpr std::array<unsigned char, 32> kOrder = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
constexpr std::array<unsigned char, 32> kHalfOrder = {
    0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xDE, 0x73, 0x7D, 0x56, 0xD3, 0x8B, 0xCF, 0x42, 0x79, 0xDC, 0xE5, 0x61, 0x7E, 0x31, 0x92, 0xA8};

bool IsHighS(const unsigned char* s) { return std::memcmp(s, kHalfOrder.data(), 32) > 0; }

// s = n - s, for 0 < s < n, big-endian.
void NegateModOrder(unsigned char* s) {
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int digit = kOrder[static_cast<std::size_t>(i)] - s[i] - borrow;
    borrow = digit < 0 ? 1 : 0;
    s[i] = static_cast<unsigned char>(digit + 256 * borrow);
  }
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// A P-256 public coordinate, big-endian and left-padded to 32 bytes, base64url (RFC 7518 §6.2.1).
std::string Coordinate(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return {};
  Bignum bn(raw);
  std::string bytes(kCoordinateSize, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size())) < 0) {
    return {};
  }
  return Base64UrlEncode(bytes);
}

bool IsP256(EVP_PKEY* key) {
  char group[64] = {};
  std::size_t len = 0;
  return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
         EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                        &len) == 1 &&
         std::strcmp(group, "prime256v1") == 0;
}

// A per-thread copy of a prepared context, reused for every call on that thread with the same
// key: duplicating the prepared context per call costs about a microsecond. Keyed by the key's
// serial number (never reused), so a copy never outlives its key's identity.
class ThreadContext {
 public:
  EVP_PKEY_CTX* For(std::uint64_t serial, const EVP_PKEY_CTX* prepared) {
    if (serial_ != serial || !ctx_) {
      ctx_.reset(EVP_PKEY_CTX_dup(prepared));
      serial_ = serial;
    }
    return ctx_.get();
  }

 private:
  std::uint64_t serial_ = 0;
  PkeyCtx ctx_;
};

thread_local ThreadContext tls_sign;
thread_local ThreadContext tls_verify;
std::atomic<std::uint64_t> next_serial{1};

}  // namespace

// Everything about one key that the per-call work needs prepared: the OpenSSL contexts are
// initialised once here (key checks, algorithm fetches) and copied per thread (ES256) or per
// call (EdDSA), which is cheaper than initialising a context per signature and keeps
// concurrent calls independent.
struct SigningKey::State {
  SigningAlgorithm algorithm = SigningAlgorithm::kEs256;
  const std::uint64_t serial = next_serial++;
  std::shared_ptr<EVP_PKEY> key;
  std::string jwk;
  std::string kid;
  PkeyCtx ecdsa_sign;    // ES256: EVP_PKEY_sign over a SHA-256 digest
  PkeyCtx ecdsa_verify;  // ES256: EVP_PKEY_verify over a SHA-256 digest
  MdCtx eddsa_sign;      // EdDSA: EVP_DigestSign (PureEdDSA signs the message itself)
  MdCtx eddsa_verify;

  Result<std::string> SignEs256(std::string_view message) const;
  bool VerifyEs256(std::string_view message, std::string_view signature, Form form) const;
};

Result<SigningKey> SigningKey::FromKey(std::shared_ptr<EVP_PKEY> key) {
  auto state = std::make_shared<State>();
  EVP_PKEY* pkey = key.get();
  if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
    state->algorithm = SigningAlgorithm::kEdDsa;
    std::string raw(kCoordinateSize, '\0');
    std::size_t len = raw.size();
    if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(raw.data()), &len) !=
            1 ||
        len != raw.size()) {
      return InternalError("cannot read the Ed25519 public key");
    }
    state->jwk = R"({"crv":"Ed25519","kty":"OKP","x":")" + Base64UrlEncode(raw) + R"("})";
    state->eddsa_sign.reset(EVP_MD_CTX_new());
    state->eddsa_verify.reset(EVP_MD_CTX_new());
    if (!state->eddsa_sign || !state->eddsa_verify ||
        EVP_DigestSignInit(state->eddsa_sign.get(), nullptr, nullptr, nullptr, pkey) != 1 ||
        EVP_DigestVerifyInit(state->eddsa_verify.get(), nullptr, nullptr, nullptr, pkey) != 1) {
      return InternalError("cannot prepare Ed25519 contexts");
    }
  } else if (IsP256(pkey)) {
    state->algorithm = SigningAlgorithm::kEs256;
    const std::string x = Coordinate(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
    const std::string y = Coordinate(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
    if (x.empty() || y.empty()) return InternalError("cannot read the P-256 public key");
    state->jwk = R"({"crv":"P-256","kty":"EC","x":")" + x + R"(","y":")" + y + R"("})";
    state->ecdsa_sign.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    state->ecdsa_verify.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!state->ecdsa_sign || !state->ecdsa_verify ||
        EVP_PKEY_sign_init(state->ecdsa_sign.get()) != 1 ||
        EVP_PKEY_CTX_set_signature_md(state->ecdsa_sign.get(), EVP_sha256()) != 1 ||
        EVP_PKEY_verify_init(state->ecdsa_verify.get()) != 1 ||
        EVP_PKEY_CTX_set_signature_md(state->ecdsa_verify.get(), EVP_sha256()) != 1) {
      return InternalError("cannot prepare P-256 contexts");
    }
  } else {
    return InternalError("stored signing key is neither P-256 nor Ed25519");
  }
  state->kid = Base64UrlEncode(Sha256(state->jwk));
  state->key = std::move(key);
  return SigningKey(std::move(state));
}

Result<SigningKey> SigningKey::Generate(SigningAlgorithm algorithm) {
  EVP_PKEY* raw = algorithm == SigningAlgorithm::kEs256
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (raw == nullptr) return InternalError("signing key generation failed");
  return FromKey(std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free));
}

Result<SigningKey> SigningKey::FromPkcs8Pem(const Secret& pem) {
  Bio bio(BIO_new_mem_buf(pem.Expose().data(), static_cast<int>(pem.Expose().size())));
  if (!bio) return InternalError("BIO_new_mem_buf failed");
  // A null callback would make OpenSSL prompt for a passphrase on the terminal and block when the
  // PEM is encrypted; refusing any passphrase makes an encrypted key an ordinary failure.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return -1; };
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (raw == nullptr) return InternalError("stored signing key is not a PEM private key");
  return FromKey(std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free));
}

Secret SigningKey::ToPkcs8Pem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), state_->key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return Secret(std::string(data, static_cast<std::size_t>(len)));
}

std::string_view SigningKey::Algorithm() const {
  return state_->algorithm == SigningAlgorithm::kEs256 ? "ES256" : "EdDSA";
}
const std::string& SigningKey::PublicJwk() const { return state_->jwk; }
const std::string& SigningKey::KeyId() const { return state_->kid; }

Result<std::string> SigningKey::State::SignEs256(std::string_view message) const {
  const auto digest = Sha256Digest(message);
  EVP_PKEY_CTX* ctx = tls_sign.For(serial, ecdsa_sign.get());
  unsigned char der[80];  // a P-256 ECDSA-Sig-Value is at most 72 bytes
  std::size_t der_len = sizeof der;
  if (ctx == nullptr || EVP_PKEY_sign(ctx, der, &der_len, digest.data(), digest.size()) != 1) {
    return InternalError("ES256 signing failed");
  }
  const unsigned char* p = der;
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) return InternalError("ES256 signature is not DER");
  // RFC 7518 §3.4: the JWS signature is R and S, each a 32-byte big-endian integer.
  std::string out(kSignatureSize, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), bytes, kCoordinateSize) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), bytes + kCoordinateSize, kCoordinateSize) < 0) {
    return InternalError("ES256 signature does not fit");
  }
  if (IsHighS(bytes + kCoordinateSize)) NegateModOrder(bytes + kCoordinateSize);
  return out;
}

bool SigningKey::State::VerifyEs256(std::string_view message, std::string_view signature,
                                    Form form) const {
  if (form == Form::kCanonical && IsHighS(Bytes(signature) + kCoordinateSize)) return false;
  EcdsaSig sig(ECDSA_SIG_new());
  Bignum r(BN_bin2bn(Bytes(signature), kCoordinateSize, nullptr));
  Bignum s(BN_bin2bn(Bytes(signature) + kCoordinateSize, kCoordinateSize, nullptr));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return false;
  r.release();  // owned by sig now
  s.release();
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return false;
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> owned(
      der, [](unsigned char* p) { OPENSSL_free(p); });
  const auto digest = Sha256Digest(message);
  EVP_PKEY_CTX* ctx = tls_verify.For(serial, ecdsa_verify.get());
  return ctx != nullptr && EVP_PKEY_verify(ctx, der, static_cast<std::size_t>(der_len),
                                           digest.data(), digest.size()) == 1;
}

Result<std::string> SigningKey::Sign(std::string_view message) const {
  if (state_->algorithm == SigningAlgorithm::kEs256) return state_->SignEs256(message);
  MdCtx ctx(EVP_MD_CTX_new());
  std::string sig(kSignatureSize, '\0');
  std::size_t len = sig.size();
  if (!ctx || EVP_MD_CTX_copy_ex(ctx.get(), state_->eddsa_sign.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, Bytes(message),
                     message.size()) != 1) {
    return InternalError("Ed25519 signing failed");
  }
  sig.resize(len);
  return sig;
}

bool SigningKey::Verify(std::string_view message, std::string_view signature, Form form) const {
  if (signature.size() != kSignatureSize) return false;
  if (state_->algorithm == SigningAlgorithm::kEs256) {
    return state_->VerifyEs256(message, signature, form);
  }
  MdCtx ctx(EVP_MD_CTX_new());
  return ctx && EVP_MD_CTX_copy_ex(ctx.get(), state_->eddsa_verify.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message),
                          message.size()) == 1;
}

}  // namespace obauth::crypto
