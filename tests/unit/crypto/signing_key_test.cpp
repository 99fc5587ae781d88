#include "crypto/signing_key.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "crypto/base64url.hpp"

namespace obauth::crypto {
namespace {

// RFC 8037 Appendix A.1 private key ("d"), as PKCS#8 PEM.
constexpr char kRfc8037Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";

// Generated with `openssl genpkey`: valid private keys of other types.
constexpr char kEcP256Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg4/XU0XQFqlP3ezpd\n"
    "/bMWBB5tBeVhTYAwh2ki7eKkgNyhRANCAARGtbgvE+VlXSXI0VZhspDTopI5/bnt\n"
    "3SvAkc7wGbTu2JyNEWqYPmZyvqQpNGjZRNNRh7XJaE6AebuQHx3ykpbe\n"
    "-----END PRIVATE KEY-----\n";
constexpr char kX25519Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VuBCIEIGAec4qne9zwYc0IMRTnVXjR761UbXczOANBYLU65ClG\n"
    "-----END PRIVATE KEY-----\n";
constexpr char kEd448Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MEcCAQAwBQYDK2VxBDsEOdos50q40HyYcpa0W/jGMoS/QYXmukRvmYrzzhS1bVxZ\n"
    "sIDBm8cyJ90oBV4J8jhZ7+V/vnTJI3eXnw==\n"
    "-----END PRIVATE KEY-----\n";
// `openssl genpkey -algorithm ED25519 -aes-128-cbc -pass pass:pw`: a real Ed25519 key, but
// encrypted, so it cannot be used without a passphrase the server never has.
constexpr char kEncryptedEd25519Pem[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiomgfDes5MxAICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEBfqYGJbPEI+s0vzKBds7yIEQKi8\n"
    "2ri1pnLp8MIGkiJmDFOLfLELvA0g9jS9tS4MfvMDeRF33bSoU42t8jwLJ6/uy8LI\n"
    "kPNJk/jleuNh53Nzogk=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";
// An Ed25519 public key: not a private key, so it cannot sign.
constexpr char kEd25519PublicPem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAXd5B33E8Dd/ROt52HkDsoOT7cOWKR68Oll7V0awqhHQ=\n"
    "-----END PUBLIC KEY-----\n";

SigningKey Generate() {
  auto key = SigningKey::Generate();
  EXPECT_TRUE(key);
  return std::move(*key);
}

TEST(SigningKey, GeneratedKeyHas32BytePublicKeyAndThumbprintKid) {
  const SigningKey key = Generate();
  EXPECT_EQ(key.PublicKey().size(), 32u);
  // A base64url SHA-256 thumbprint is 43 characters.
  EXPECT_EQ(key.KeyId().size(), 43u);
  EXPECT_TRUE(Base64UrlDecode(key.KeyId()).has_value());
  EXPECT_EQ(SigningKey::kAlgorithm, "EdDSA");
}

TEST(SigningKey, TwoGeneratedKeysDiffer) { EXPECT_NE(Generate().KeyId(), Generate().KeyId()); }

TEST(SigningKey, KeyIdIsRfc8037Thumbprint) {
  auto key = SigningKey::FromPkcs8Pem(Secret(kRfc8037Pem));
  ASSERT_TRUE(key);
  // RFC 8037 A.2 (public key "x") and A.3 (RFC 7638 thumbprint).
  EXPECT_EQ(Base64UrlEncode(key->PublicKey()), "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  EXPECT_EQ(key->KeyId(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(SigningKey, SignatureMatchesRfc8037Example) {
  auto key = SigningKey::FromPkcs8Pem(Secret(kRfc8037Pem));
  ASSERT_TRUE(key);
  // RFC 8037 A.4: Ed25519 is deterministic, so the signature is fixed.
  const std::string_view input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  auto signature = key->Sign(input);
  ASSERT_TRUE(signature);
  EXPECT_EQ(
      Base64UrlEncode(*signature),
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
  EXPECT_TRUE(key->Verify(input, *signature));
}

TEST(SigningKey, PemRoundTripKeepsKeyId) {
  const SigningKey key = Generate();
  const Secret pem = key.ToPkcs8Pem();
  EXPECT_NE(pem.Expose().find("-----BEGIN PRIVATE KEY-----"), std::string_view::npos);
  auto reloaded = SigningKey::FromPkcs8Pem(pem);
  ASSERT_TRUE(reloaded);
  EXPECT_EQ(reloaded->KeyId(), key.KeyId());
  EXPECT_EQ(reloaded->PublicKey(), key.PublicKey());
  // The reloaded key verifies what the original signed, and the other way round.
  auto signature = key.Sign("message");
  ASSERT_TRUE(signature);
  EXPECT_TRUE(reloaded->Verify("message", *signature));
  auto signature2 = reloaded->Sign("message");
  ASSERT_TRUE(signature2);
  EXPECT_TRUE(key.Verify("message", *signature2));
}

TEST(SigningKey, SignThenVerify) {
  const SigningKey key = Generate();
  auto signature = key.Sign("header.payload");
  ASSERT_TRUE(signature);
  EXPECT_EQ(signature->size(), 64u);
  EXPECT_TRUE(key.Verify("header.payload", *signature));
  auto empty = key.Sign("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(key.Verify("", *empty));
}

TEST(SigningKey, RejectsTamperedMessage) {
  const SigningKey key = Generate();
  auto signature = key.Sign("header.payload");
  ASSERT_TRUE(signature);
  EXPECT_FALSE(key.Verify("header.paylobd", *signature));
  EXPECT_FALSE(key.Verify("header.payload ", *signature));
  EXPECT_FALSE(key.Verify("", *signature));
}

TEST(SigningKey, RejectsTamperedSignature) {
  const SigningKey key = Generate();
  auto signature = key.Sign("header.payload");
  ASSERT_TRUE(signature);
  for (std::size_t i : {0u, 31u, 32u, 63u}) {
    std::string bad = *signature;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(key.Verify("header.payload", bad)) << "flipped byte " << i;
  }
  EXPECT_FALSE(key.Verify("header.payload", signature->substr(0, 63)));
  EXPECT_FALSE(key.Verify("header.payload", *signature + '\0'));
  EXPECT_FALSE(key.Verify("header.payload", ""));
  EXPECT_FALSE(key.Verify("header.payload", std::string(64, '\0')));
}

TEST(SigningKey, RejectsSignatureOfAnotherKey) {
  const SigningKey key = Generate();
  const SigningKey other = Generate();
  auto signature = other.Sign("header.payload");
  ASSERT_TRUE(signature);
  EXPECT_FALSE(key.Verify("header.payload", *signature));
}

TEST(SigningKey, FromPkcs8PemRejectsGarbage) {
  for (const char* text :
       {"", "not a key", "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n-----END PRIVATE KEY-----\n"}) {
    SCOPED_TRACE(text);
    auto key = SigningKey::FromPkcs8Pem(Secret(text));
    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().code, ErrorCode::kInternal);
  }
}

// Regression: OpenSSL's default passphrase callback prompted "Enter PEM pass phrase:" on the
// controlling terminal and read stdin, so loading this key could block start-up.
// Without a terminal it read the passphrase from stdin: the test offers the right one there, so
// the old behaviour shows as a decrypted key instead of a failure.
TEST(SigningKey, FromPkcs8PemRejectsEncryptedKeyWithoutPrompting) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "pw\n", 3), 3);
  ::close(fds[1]);
  const int saved_stdin = ::dup(STDIN_FILENO);
  ASSERT_GE(saved_stdin, 0);
  ASSERT_EQ(::dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
  ::close(fds[0]);

  auto key = SigningKey::FromPkcs8Pem(Secret(kEncryptedEd25519Pem));

  ::dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, ErrorCode::kInternal);
}

TEST(SigningKey, FromPkcs8PemRejectsPublicKey) {
  auto key = SigningKey::FromPkcs8Pem(Secret(kEd25519PublicPem));
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, ErrorCode::kInternal);
}

TEST(SigningKey, FromPkcs8PemRejectsNonEd25519Keys) {
  for (const char* pem : {kEcP256Pem, kX25519Pem, kEd448Pem}) {
    SCOPED_TRACE(pem);
    auto key = SigningKey::FromPkcs8Pem(Secret(pem));
    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().code, ErrorCode::kInternal);
    EXPECT_NE(key.error().internal.find("not Ed25519"), std::string::npos) << key.error().internal;
  }
}

}  // namespace
}  // namespace obauth::crypto
