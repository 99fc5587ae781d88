#include "crypto/signing_key.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "crypto/base64url.hpp"
#include "crypto/hash.hpp"

namespace obauth::crypto {
namespace {

// RFC 8037 Appendix A.1 private key ("d"), as PKCS#8 PEM.
constexpr char kRfc8037Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";

// RFC 7515 Appendix A.3 P-256 key (its JWK "d", "x", "y"), as PKCS#8 PEM.
constexpr char kRfc7515Es256Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjpsQnnGQmL+YBIff\n"
    "H1136cspYG6+0iY7X1fCE9+E9LKhRANCAAR/zc4ncPbEXUGDy+5v20t7WAczNXvp\n"
    "7xO6z248e9FURcfxRM0bvZt+hyzf7bnuufSzaV1uqQskrYpGIyiFiOWt\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::string_view kRfc7515Es256Input =
    "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ";

// Generated with `openssl genpkey`: valid private keys of other types.
constexpr char kEcP384Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDCYTHwqP2crrpkQUwdM\n"
    "LXSyEoQ6Rc8gUX2UYdxh1zab8kceZQLFxbefv+N8hVkiKY6hZANiAATos8bIAFEj\n"
    "bpmrsZ3v7zafWbI9a9vMqjliAgg0+AwdH37J1QzTLFE7Amr8ZlyhgqFke+/tx3Bm\n"
    "tJ4izoS2arwRs2GGeWAUwrNwaA2s3TS5/P1HezMy73G/fLDWa+TgCNI=\n"
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

SigningKey Generate(SigningAlgorithm algorithm) {
  auto key = SigningKey::Generate(algorithm);
  EXPECT_TRUE(key);
  return std::move(*key);
}

// The behaviour every algorithm shares runs for both.
class SigningKeyTest : public testing::TestWithParam<SigningAlgorithm> {
 protected:
  SigningKey Generate() const { return crypto::Generate(GetParam()); }
};
INSTANTIATE_TEST_SUITE_P(Algorithms, SigningKeyTest,
                         testing::Values(SigningAlgorithm::kEs256, SigningAlgorithm::kEdDsa),
                         [](const auto& info) {
                           return info.param == SigningAlgorithm::kEs256 ? "ES256" : "EdDSA";
                         });

TEST(SigningKey, GeneratesEs256ByDefault) {
  auto key = SigningKey::Generate();
  ASSERT_TRUE(key);
  EXPECT_EQ(key->Algorithm(), "ES256");
  EXPECT_TRUE(key->PublicJwk().starts_with(R"({"crv":"P-256","kty":"EC","x":")"))
      << key->PublicJwk();
  // A base64url SHA-256 thumbprint is 43 characters.
  EXPECT_EQ(key->KeyId().size(), 43u);
  EXPECT_EQ(key->KeyId(), Base64UrlEncode(Sha256(key->PublicJwk())));
}

TEST_P(SigningKeyTest, TwoGeneratedKeysDiffer) {
  EXPECT_NE(Generate().KeyId(), Generate().KeyId());
}

TEST(SigningKey, KeyIdIsRfc8037Thumbprint) {
  auto key = SigningKey::FromPkcs8Pem(Secret(kRfc8037Pem));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->Algorithm(), "EdDSA");
  // RFC 8037 A.2 (public key "x") and A.3 (RFC 7638 thumbprint).
  EXPECT_EQ(key->PublicJwk(),
            R"({"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
  EXPECT_EQ(key->KeyId(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(SigningKey, Es256PublicJwkAndKeyIdMatchRfc7515Example) {
  auto key = SigningKey::FromPkcs8Pem(Secret(kRfc7515Es256Pem));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->Algorithm(), "ES256");
  // RFC 7515 A.3.1's "x" and "y", in RFC 7638 order.
  const std::string jwk =
      R"({"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
      R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
  EXPECT_EQ(key->PublicJwk(), jwk);
  EXPECT_EQ(key->KeyId(), Base64UrlEncode(Sha256(jwk)));
}

TEST(SigningKey, VerifiesRfc7515Es256Example) {
  auto key = SigningKey::FromPkcs8Pem(Secret(kRfc7515Es256Pem));
  ASSERT_TRUE(key);
  // RFC 7515 A.3.1: ECDSA is randomized, so the example can only be verified, and our own
  // signature of the same input must verify as well.
  auto signature = Base64UrlDecode(
      "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q");
  ASSERT_TRUE(signature);
  // The example's s is the high one of the two forms (Es256MakesAndAcceptsOnlyTheLowSForm).
  constexpr auto kEither = SigningKey::Form::kEither;
  EXPECT_TRUE(key->Verify(kRfc7515Es256Input, *signature, kEither));
  EXPECT_FALSE(key->Verify(std::string(kRfc7515Es256Input) + "x", *signature, kEither));
  auto ours = key->Sign(kRfc7515Es256Input);
  ASSERT_TRUE(ours);
  EXPECT_EQ(ours->size(), 64u);
  EXPECT_NE(*ours, *signature);
  EXPECT_TRUE(key->Verify(kRfc7515Es256Input, *ours));
}

TEST(SigningKey, Es256MakesAndAcceptsOnlyTheLowSForm) {
  auto key = SigningKey::FromPkcs8Pem(Secret(kRfc7515Es256Pem));
  ASSERT_TRUE(key);
  // RFC 7515 A.3.1's signature has s > n/2; its twin has n - s.
  const auto high = Base64UrlDecode(
      "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q");
  const auto low = Base64UrlDecode(
      "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmU69fgrc8OPGycO0lD3tat_FoFp57SETepkeks4eL_QfA");
  ASSERT_TRUE(high && low);
  EXPECT_FALSE(key->Verify(kRfc7515Es256Input, *high));
  EXPECT_TRUE(key->Verify(kRfc7515Es256Input, *high, SigningKey::Form::kEither));
  EXPECT_TRUE(key->Verify(kRfc7515Es256Input, *low));
  // n/2, big-endian: every signature made has s at most that (half would be high by chance).
  const std::string half_order =
      "\x7f\xff\xff\xff\x80\x00\x00\x00\x7f\xff\xff\xff\xff\xff\xff\xff"
      "\xde\x73\x7d\x56\xd3\x8b\xcf\x42\x79\xdc\xe5\x61\x7e\x31\x92\xa8";
  for (int i = 0; i < 64; ++i) {
    auto signature = key->Sign("message " + std::to_string(i));
    ASSERT_TRUE(signature);
    EXPECT_LE(signature->substr(32), half_order) << i;
    EXPECT_TRUE(key->Verify("message " + std::to_string(i), *signature));
  }
}

TEST(SigningKey, Es256RejectsZeroAndOutOfRangeSignatureHalves) {
  auto key = SigningKey::FromPkcs8Pem(Secret(kRfc7515Es256Pem));
  ASSERT_TRUE(key);
  auto signature = key->Sign("header.payload");
  ASSERT_TRUE(signature);
  // r or s of zero, and of 2^256 - 1 (above the group order n), are invalid (SEC 1 §4.1.4).
  for (auto half : {std::string(32, '\0'), std::string(32, '\xff')}) {
    EXPECT_FALSE(key->Verify("header.payload", half + signature->substr(32)));
    EXPECT_FALSE(key->Verify("header.payload", signature->substr(0, 32) + half));
  }
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

TEST_P(SigningKeyTest, PemRoundTripKeepsKeyId) {
  const SigningKey key = Generate();
  const Secret pem = key.ToPkcs8Pem();
  EXPECT_NE(pem.Expose().find("-----BEGIN PRIVATE KEY-----"), std::string_view::npos);
  auto reloaded = SigningKey::FromPkcs8Pem(pem);
  ASSERT_TRUE(reloaded);
  EXPECT_EQ(reloaded->KeyId(), key.KeyId());
  EXPECT_EQ(reloaded->PublicJwk(), key.PublicJwk());
  EXPECT_EQ(reloaded->Algorithm(), key.Algorithm());
  // The reloaded key verifies what the original signed, and the other way round.
  auto signature = key.Sign("message");
  ASSERT_TRUE(signature);
  EXPECT_TRUE(reloaded->Verify("message", *signature));
  auto signature2 = reloaded->Sign("message");
  ASSERT_TRUE(signature2);
  EXPECT_TRUE(key.Verify("message", *signature2));
}

TEST_P(SigningKeyTest, SignThenVerify) {
  const SigningKey key = Generate();
  auto signature = key.Sign("header.payload");
  ASSERT_TRUE(signature);
  EXPECT_EQ(signature->size(), 64u);
  EXPECT_TRUE(key.Verify("header.payload", *signature));
  auto empty = key.Sign("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(key.Verify("", *empty));
}

TEST_P(SigningKeyTest, RejectsTamperedMessage) {
  const SigningKey key = Generate();
  auto signature = key.Sign("header.payload");
  ASSERT_TRUE(signature);
  EXPECT_FALSE(key.Verify("header.paylobd", *signature));
  EXPECT_FALSE(key.Verify("header.payload ", *signature));
  EXPECT_FALSE(key.Verify("", *signature));
}

TEST_P(SigningKeyTest, RejectsTamperedSignature) {
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

TEST_P(SigningKeyTest, RejectsSignatureOfAnotherKey) {
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

TEST(SigningKey, FromPkcs8PemRejectsKeysOfOtherAlgorithms) {
  for (const char* pem : {kEcP384Pem, kX25519Pem, kEd448Pem}) {
    SCOPED_TRACE(pem);
    auto key = SigningKey::FromPkcs8Pem(Secret(pem));
    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().code, ErrorCode::kInternal);
    EXPECT_NE(key.error().internal.find("neither P-256 nor Ed25519"), std::string::npos)
        << key.error().internal;
  }
}

}  // namespace
}  // namespace obauth::crypto
