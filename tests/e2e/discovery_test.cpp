// Discovery (RFC 8414) and the published keys (RFC 7517): a client that knows only the issuer
// finds the endpoints, and checks a token's signature with the key from jwks_uri. The signature
// is checked here with OpenSSL directly, from the JWK's coordinates: nothing of obauth's own
// verification is used.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <iterator>
#include <memory>

#include "e2e/obauth_test.hpp"
#include "testing/encoding.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::Base64UrlDecode;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

// True when `token` (a compact JWS) carries a valid ES256 signature by the P-256 key `jwk`.
bool VerifyEs256(std::string_view token, const json::object& jwk) {
  const auto x = Base64UrlDecode(StringAt(jwk, "x"));
  const auto y = Base64UrlDecode(StringAt(jwk, "y"));
  const auto dot = token.rfind('.');
  const auto signature = Base64UrlDecode(token.substr(dot + 1));
  if (!x || !y || !signature || x->size() != 32 || y->size() != 32 || signature->size() != 64) {
    return false;
  }
  const std::string point = "\x04" + *x + *y;
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                        OSSL_PARAM_BLD_free);
  OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                   point.size());
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
      OSSL_PARAM_BLD_to_param(build.get()), OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> from(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(from.get()) != 1 ||
      EVP_PKEY_fromdata(from.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return false;
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, EVP_PKEY_free);
  // JWS carries R || S; OpenSSL wants DER.
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  const auto* bytes = reinterpret_cast<const unsigned char*>(signature->data());
  ECDSA_SIG_set0(sig.get(), BN_bin2bn(bytes, 32, nullptr), BN_bin2bn(bytes + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_size = i2d_ECDSA_SIG(sig.get(), &der);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const std::string_view signed_part = token.substr(0, dot);
  const bool ok = der_size > 0 &&
                  EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
                  EVP_DigestVerify(md.get(), der, static_cast<std::size_t>(der_size),
                                   reinterpret_cast<const unsigned char*>(signed_part.data()),
                                   signed_part.size()) == 1;
  OPENSSL_free(der);
  return ok;
}

class Discovery : public ObauthTest {
 protected:
  // The path of an absolute URL under the running server's issuer.
  static std::string PathOf(const std::string& url, const std::string& issuer) {
    EXPECT_TRUE(url.starts_with(issuer)) << url;
    return url.substr(issuer.size());
  }
};

TEST_F(Discovery, MetadataLeadsFromTheIssuerToWorkingEndpoints) {
  const Credentials partner = CreatePartner();
  StartServer();
  const HttpResponse r = Get("/.well-known/oauth-authorization-server");
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.Header("Cache-Control").value_or(""), "public, max-age=300");
  const json::object metadata = ParseJsonObject(r.body);
  // Without --issuer, the issuer is the address the server announced.
  const std::string issuer = StringAt(metadata, "issuer");
  EXPECT_EQ(issuer, server().base_url());

  const std::string token_path = PathOf(StringAt(metadata, "token_endpoint"), issuer);
  EXPECT_EQ(token_path, kTokenPath);
  const HttpResponse issued =
      Send({"POST",
            token_path,
            {{"Content-Type", "application/x-www-form-urlencoded"}},
            "grant_type=client_credentials&scope=client%3Aadmin&client_id=" + partner.client_id +
                "&client_secret=" + partner.client_secret});
  ASSERT_EQ(issued.status, 200) << issued.Describe();
  const std::string token = StringAt(ParseJsonObject(issued.body), "access_token");
  EXPECT_EQ(StringAt(DecodeJwt(token).payload, "iss"), issuer);

  const std::string introspection = PathOf(StringAt(metadata, "introspection_endpoint"), issuer);
  EXPECT_EQ(introspection, "/api/v1/introspect");
  EXPECT_EQ(PathOf(StringAt(metadata, "revocation_endpoint"), issuer), "/api/v1/revoke");
  const std::string jwks = PathOf(StringAt(metadata, "jwks_uri"), issuer);
  EXPECT_EQ(Get(jwks).status, 200);
}

TEST_F(Discovery, ConfiguredIssuerIsWhatTheMetadataAndTokensSay) {
  const Credentials partner = CreatePartner();
  StartServer({"--issuer", "https://auth.example.test"});
  const json::object metadata =
      ParseJsonObject(Get("/.well-known/oauth-authorization-server").body);
  EXPECT_EQ(StringAt(metadata, "issuer"), "https://auth.example.test");
  EXPECT_EQ(StringAt(metadata, "token_endpoint"), "https://auth.example.test/api/v1/token");
  EXPECT_EQ(StringAt(metadata, "jwks_uri"), "https://auth.example.test/.well-known/jwks.json");
  EXPECT_EQ(StringAt(DecodeJwt(AdminToken(partner)).payload, "iss"), "https://auth.example.test");
}

TEST_F(Discovery, TokensVerifyWithThePublishedKeyAndATamperedOneDoesNot) {
  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  const HttpResponse r = Get("/.well-known/jwks.json");
  ASSERT_EQ(r.status, 200) << r.Describe();
  const json::array keys = ParseJsonObject(r.body).at("keys").as_array();
  ASSERT_EQ(keys.size(), 1u);
  const json::object& jwk = keys[0].as_object();
  EXPECT_EQ(StringAt(jwk, "kid"), StringAt(DecodeJwt(token).header, "kid"));
  EXPECT_EQ(StringAt(jwk, "alg"), "ES256");
  EXPECT_FALSE(jwk.contains("d"));
  EXPECT_TRUE(VerifyEs256(token, jwk));

  std::string tampered = token;
  const auto payload_end = tampered.rfind('.');
  tampered[payload_end - 1] = tampered[payload_end - 1] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyEs256(tampered, jwk));
}

TEST_F(Discovery, ApiDescriptionIsTheCommittedDocument) {
  StartServer();
  const HttpResponse r = Get("/openapi.yaml");
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.Header("Content-Type").value_or(""), "application/yaml");
  std::ifstream in(OBAUTH_OPENAPI_FILE, std::ios::binary);
  const std::string committed((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
  ASSERT_FALSE(committed.empty());
  EXPECT_TRUE(r.body == committed) << "GET /openapi.yaml differs from docs/openapi.yaml";
}

TEST_F(Discovery, ThePublishedKeySurvivesARestart) {
  StartServer();
  const std::string before = Get("/.well-known/jwks.json").body;
  ASSERT_EQ(StopServer().ToString(), "exit 0");
  StartServer();
  EXPECT_EQ(Get("/.well-known/jwks.json").body, before);
}

}  // namespace
}  // namespace obauth::e2e
