#include "oauth/access_token.hpp"

#include <gtest/gtest.h>

#include <string>

#include "crypto/base64url.hpp"

namespace obauth::oauth {
namespace {

constexpr char kIssuer[] = "https://auth.example";
constexpr std::int64_t kNow = 1'700'000'000;

crypto::SigningKey NewKey() {
  auto key = crypto::SigningKey::Generate();
  EXPECT_TRUE(key);
  return std::move(*key);
}

AccessTokenClaims Claims() {
  AccessTokenClaims c;
  c.issuer = kIssuer;
  c.subject = "pt-abc";
  c.client_id = "pt-abc";
  c.scope = "client:admin";
  c.jwt_id = "jti-1";
  c.issued_at = kNow;
  c.expires_at = kNow + 300;
  return c;
}

std::string B64(std::string_view text) { return crypto::Base64UrlEncode(text); }

class AccessTokensTest : public ::testing::Test {
 protected:
  AccessTokensTest() : tokens_(NewKey(), kIssuer) {}

  crypto::SigningKey Key() const { return tokens_.keys()->SigningAt(kNow); }

  std::string SignOrFail(const AccessTokenClaims& claims) {
    auto token = tokens_.Sign(claims);
    EXPECT_TRUE(token);
    return token ? *token : std::string();
  }

  // A compact JWS over any header and payload JSON, signed by this server's key, so the only
  // thing wrong with it is what the test put in the JSON.
  std::string Forge(std::string_view header_json, std::string_view payload_json) {
    std::string input = B64(header_json) + "." + B64(payload_json);
    auto signature = Key().Sign(input);
    EXPECT_TRUE(signature);
    return input + "." + B64(*signature);
  }

  std::string Header(std::string_view alg = "ES256", std::string_view typ = "at+jwt") const {
    return R"({"alg":")" + std::string(alg) + R"(","typ":")" + std::string(typ) + R"(","kid":")" +
           Key().KeyId() + R"("})";
  }

  static std::string Payload(std::int64_t iat = kNow, std::int64_t exp = kNow + 300,
                             std::string_view iss = kIssuer) {
    return R"({"iss":")" + std::string(iss) + R"(","aud":")" + std::string(iss) +
           R"(","sub":"pt-abc","client_id":"pt-abc","scope":"client:admin","iat":)" +
           std::to_string(iat) + R"(,"exp":)" + std::to_string(exp) + R"(,"jti":"j","gen":0})";
  }

  void ExpectRejected(const std::string& token, std::int64_t now, std::string_view why) {
    auto claims = tokens_.Verify(token, now);
    ASSERT_FALSE(claims) << "accepted a token that should fail with: " << why;
    EXPECT_EQ(claims.error().code, ErrorCode::kInvalidToken);
    EXPECT_NE(claims.error().internal.find(why), std::string::npos) << claims.error().internal;
    // The holder is told one of a few fixed phrases, never the internal reason.
    EXPECT_EQ(claims.error().public_message.rfind("the access token ", 0), 0u)
        << claims.error().public_message;
  }

  std::string HintFor(const std::string& token, std::int64_t now) {
    auto claims = tokens_.Verify(token, now);
    return claims ? std::string("(accepted)") : claims.error().public_message;
  }

  AccessTokens tokens_;
};

TEST_F(AccessTokensTest, SignThenVerifyReturnsEveryClaim) {
  const AccessTokenClaims claims = Claims();
  const std::string token = SignOrFail(claims);
  auto verified = tokens_.Verify(token, kNow);
  ASSERT_TRUE(verified) << verified.error().internal;
  EXPECT_EQ(verified->issuer, claims.issuer);
  EXPECT_EQ(verified->subject, claims.subject);
  EXPECT_EQ(verified->client_id, claims.client_id);
  EXPECT_EQ(verified->scope, claims.scope);
  EXPECT_EQ(verified->jwt_id, claims.jwt_id);
  EXPECT_EQ(verified->issued_at, claims.issued_at);
  EXPECT_EQ(verified->expires_at, claims.expires_at);
  EXPECT_EQ(verified->token_epoch, claims.token_epoch);
}

TEST_F(AccessTokensTest, TokenEpochRoundTripsAsGen) {
  AccessTokenClaims claims = Claims();
  claims.token_epoch = 42;
  const std::string token = SignOrFail(claims);
  const auto first = token.find('.') + 1;
  const auto payload = crypto::Base64UrlDecode(token.substr(first, token.rfind('.') - first));
  ASSERT_TRUE(payload.has_value());
  EXPECT_NE(payload->find(R"("gen":42)"), std::string::npos) << *payload;
  auto verified = tokens_.Verify(token, kNow);
  ASSERT_TRUE(verified) << verified.error().internal;
  EXPECT_EQ(verified->token_epoch, 42);
}

TEST_F(AccessTokensTest, TokenHasRfc9068Header) {
  const std::string token = SignOrFail(Claims());
  const auto header = crypto::Base64UrlDecode(token.substr(0, token.find('.')));
  ASSERT_TRUE(header.has_value());
  EXPECT_NE(header->find(R"("alg":"ES256")"), std::string::npos) << *header;
  EXPECT_NE(header->find(R"("typ":"at+jwt")"), std::string::npos) << *header;
  EXPECT_NE(header->find(R"("kid":")" + Key().KeyId() + "\""), std::string::npos);
  const auto payload_start = token.find('.') + 1;
  const auto payload =
      crypto::Base64UrlDecode(token.substr(payload_start, token.rfind('.') - payload_start));
  ASSERT_TRUE(payload.has_value());
  EXPECT_NE(payload->find(R"("aud":"https://auth.example")"), std::string::npos) << *payload;
}

TEST_F(AccessTokensTest, ValidUntilOneSecondBeforeExpiry) {
  const std::string token = SignOrFail(Claims());
  EXPECT_TRUE(tokens_.Verify(token, kNow + 299));
  ExpectRejected(token, kNow + 300, "expired");  // exp == now
  ExpectRejected(token, kNow + 301, "expired");
}

TEST_F(AccessTokensTest, RefusalTellsTheHolderWhatWasWrong) {
  const std::string token = SignOrFail(Claims());
  EXPECT_EQ(HintFor(token, kNow + 300),
            "the access token expired; get a new one from POST /api/v1/token");
  EXPECT_EQ(HintFor("garbage", kNow), "the access token is malformed");
  EXPECT_EQ(HintFor(token + "x", kNow), "the access token was not issued by this server");
  AccessTokenClaims future = Claims();
  future.issued_at = kNow + 3600;
  future.expires_at = kNow + 7200;
  EXPECT_EQ(HintFor(SignOrFail(future), kNow), "the access token is not valid yet");
  // "Expired" is said only of a token this server signed: a tampered one that has expired is
  // foreign.
  EXPECT_EQ(HintFor(token + "x", kNow + 300), "the access token was not issued by this server");
}

TEST_F(AccessTokensTest, CachedTokenDoesNotVouchForATamperedCopy) {
  const std::string token = SignOrFail(Claims());
  ASSERT_TRUE(tokens_.Verify(token, kNow));  // now remembered
  ASSERT_TRUE(tokens_.Verify(token, kNow));
  std::string tampered = token;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  ExpectRejected(tampered, kNow, "bad signature");
}

TEST_F(AccessTokensTest, AcceptsIssuedAtWithinClockSkew) {
  AccessTokenClaims claims = Claims();
  claims.issued_at = kNow + kDefaultClockSkew;
  EXPECT_TRUE(tokens_.Verify(SignOrFail(claims), kNow));
}

TEST_F(AccessTokensTest, RejectsIssuedInTheFutureBeyondSkew) {
  AccessTokenClaims claims = Claims();
  claims.issued_at = kNow + kDefaultClockSkew + 1;
  claims.expires_at = kNow + 1000;
  ExpectRejected(SignOrFail(claims), kNow, "issued in the future");
}

TEST(AccessTokensSkewTest, ConfiguredSkewBoundsIssuedAtAndNotBefore) {
  for (const std::int64_t skew : {std::int64_t{0}, kMaxClockSkew}) {
    SCOPED_TRACE(skew);
    const AccessTokens tokens(NewKey(), kIssuer, skew);
    EXPECT_EQ(tokens.clock_skew(), skew);
    AccessTokenClaims claims = Claims();
    claims.expires_at = kNow + 1000;
    claims.issued_at = kNow + skew;
    EXPECT_TRUE(tokens.Verify(*tokens.Sign(claims), kNow));
    claims.issued_at = kNow + skew + 1;
    claims.jwt_id = "jti-2";
    auto rejected = tokens.Verify(*tokens.Sign(claims), kNow);
    ASSERT_FALSE(rejected);
    EXPECT_NE(rejected.error().internal.find("issued in the future"), std::string::npos);
  }
}

TEST_F(AccessTokensTest, RejectsNotBeforeBeyondSkew) {
  const std::string payload = R"({"iss":"https://auth.example","aud":"https://auth.example",)"
                              R"("sub":"s","client_id":"s","scope":"","iat":)" +
                              std::to_string(kNow) + R"(,"exp":)" + std::to_string(kNow + 300) +
                              R"(,"jti":"j","gen":0,"nbf":)" +
                              std::to_string(kNow + kDefaultClockSkew + 1) + "}";
  ExpectRejected(Forge(Header(), payload), kNow, "not yet valid");
}

TEST_F(AccessTokensTest, RejectsAnotherIssuer) {
  AccessTokenClaims claims = Claims();
  claims.issuer = "https://other.example";
  ExpectRejected(SignOrFail(claims), kNow, "another issuer");
}

TEST_F(AccessTokensTest, RejectsAnotherAudience) {
  const std::string payload = R"({"iss":"https://auth.example","aud":"https://api.example",)"
                              R"("sub":"s","client_id":"s","scope":"","iat":)" +
                              std::to_string(kNow) + R"(,"exp":)" + std::to_string(kNow + 300) +
                              R"(,"jti":"j","gen":0})";
  ExpectRejected(Forge(Header(), payload), kNow, "another issuer or audience");
}

TEST_F(AccessTokensTest, ForgedTokenWithCorrectHeaderIsAccepted) {
  // Control for the forging helper: with nothing wrong, a forged token verifies.
  EXPECT_TRUE(tokens_.Verify(Forge(Header(), Payload()), kNow));
  EXPECT_TRUE(tokens_.Verify(Forge(Header("ES256", "application/at+jwt"), Payload()), kNow));
}

TEST_F(AccessTokensTest, RejectsAlgNone) {
  ExpectRejected(Forge(Header("none"), Payload()), kNow, "unexpected alg");
  // The classic unsigned form, with an empty signature.
  const std::string unsigned_token = B64(Header("none")) + "." + B64(Payload()) + ".";
  ExpectRejected(unsigned_token, kNow, "unexpected alg");
}

TEST_F(AccessTokensTest, RejectsOtherAlgorithms) {
  for (const char* alg : {"HS256", "RS256", "EdDSA", "ES384", "es256", ""}) {
    SCOPED_TRACE(alg);
    ExpectRejected(Forge(Header(alg), Payload()), kNow, "unexpected alg");
  }
  ExpectRejected(Forge(R"({"typ":"at+jwt","kid":")" + Key().KeyId() + R"("})", Payload()), kNow,
                 "unexpected alg");
}

TEST_F(AccessTokensTest, RejectsWrongTyp) {
  for (const char* typ : {"JWT", "jwt", "at+JWT2", "application/jwt", ""}) {
    SCOPED_TRACE(typ);
    ExpectRejected(Forge(Header("ES256", typ), Payload()), kNow, "unexpected typ");
  }
  ExpectRejected(Forge(R"({"alg":"ES256","kid":")" + Key().KeyId() + R"("})", Payload()), kNow,
                 "unexpected typ");
}

TEST_F(AccessTokensTest, RejectsUnknownKid) {
  ExpectRejected(Forge(R"({"alg":"ES256","typ":"at+jwt","kid":"someone-else"})", Payload()), kNow,
                 "unknown kid");
  ExpectRejected(Forge(R"({"alg":"ES256","typ":"at+jwt"})", Payload()), kNow, "unknown kid");
}

TEST_F(AccessTokensTest, RejectsCritHeader) {
  const std::string header =
      R"({"alg":"ES256","typ":"at+jwt","kid":")" + Key().KeyId() + R"(","crit":["exp"]})";
  ExpectRejected(Forge(header, Payload()), kNow, "crit header");
}

TEST_F(AccessTokensTest, RejectsTamperedPayload) {
  const std::string token = SignOrFail(Claims());
  const auto first = token.find('.');
  const auto second = token.rfind('.');
  AccessTokenClaims widened = Claims();
  widened.scope = "client:admin ACCOUNT_BASIC";
  const std::string other = SignOrFail(widened);
  const std::string other_payload =
      other.substr(other.find('.') + 1, other.rfind('.') - other.find('.') - 1);
  // The payload of another valid token under this token's signature.
  const std::string spliced = token.substr(0, first + 1) + other_payload + token.substr(second);
  ExpectRejected(spliced, kNow, "bad signature");
}

TEST_F(AccessTokensTest, RejectsTamperedSignature) {
  std::string token = SignOrFail(Claims());
  const auto signature_start = token.rfind('.') + 1;
  // Replace the first signature character with another canonical one.
  token[signature_start] = token[signature_start] == 'A' ? 'B' : 'A';
  ExpectRejected(token, kNow, "bad signature");

  const std::string good = SignOrFail(Claims());
  ExpectRejected(good.substr(0, good.size() - 2), kNow, "bad signature");      // truncated
  ExpectRejected(good.substr(0, good.rfind('.') + 1), kNow, "bad signature");  // empty
  ExpectRejected(good + "=", kNow, "bad signature");                           // padding
}

TEST_F(AccessTokensTest, RejectsTokenSignedByAnotherKey) {
  const AccessTokens other(NewKey(), kIssuer);
  auto token = other.Sign(Claims());
  ASSERT_TRUE(token);
  ExpectRejected(*token, kNow, "unknown kid");

  // Same header (our kid) but another key's signature.
  const std::string input = B64(Header()) + "." + B64(Payload());
  auto signature = other.keys()->SigningAt(kNow).Sign(input);
  ASSERT_TRUE(signature);
  ExpectRejected(input + "." + B64(*signature), kNow, "bad signature");
}

TEST_F(AccessTokensTest, RejectsTooLongToken) {
  std::string token = SignOrFail(Claims());
  ASSERT_LT(token.size(), AccessTokens::kMaxTokenLength);
  ExpectRejected(std::string(AccessTokens::kMaxTokenLength + 1, 'a'), kNow, "bad length");
  ExpectRejected("", kNow, "bad length");
}

TEST_F(AccessTokensTest, RejectsWrongNumberOfDots) {
  const std::string token = SignOrFail(Claims());
  ExpectRejected("abc", kNow, "not a compact JWS");
  ExpectRejected("abc.def", kNow, "not a compact JWS");
  ExpectRejected(token.substr(0, token.rfind('.')), kNow, "not a compact JWS");
  ExpectRejected(token + ".", kNow, "not a compact JWS");
  ExpectRejected(token + ".abc", kNow, "not a compact JWS");
  ExpectRejected("..", kNow, "header is not a JSON object");
}

TEST_F(AccessTokensTest, RejectsHeaderThatIsNotAJsonObject) {
  const std::string tail = "." + B64(Payload()) + ".AAAA";
  ExpectRejected(B64("[]") + tail, kNow, "header is not a JSON object");
  ExpectRejected(B64("{") + tail, kNow, "header is not a JSON object");
  ExpectRejected("!!!" + tail, kNow, "header is not a JSON object");
  ExpectRejected(B64(R"({"a":{"b":{"c":{"d":{"e":1}}}}})") + tail, kNow,
                 "header is not a JSON object");  // deeper than 4
}

TEST_F(AccessTokensTest, RejectsPayloadThatIsNotAJsonObject) {
  ExpectRejected(Forge(Header(), "null"), kNow, "payload is not a JSON object");
  ExpectRejected(Forge(Header(), "{\"iss\":"), kNow, "payload is not a JSON object");
}

TEST_F(AccessTokensTest, RejectsMissingOrMistypedClaim) {
  const std::string exp = std::to_string(kNow + 300);
  const std::string iat = std::to_string(kNow);
  // Each payload misses or mistypes one claim.
  const std::string payloads[] = {
      R"({"aud":"https://auth.example","sub":"s","client_id":"s","scope":"","iat":)" + iat +
          R"(,"exp":)" + exp + R"(,"jti":"j","gen":0})",
      R"({"iss":"https://auth.example","sub":"s","client_id":"s","scope":"","iat":)" + iat +
          R"(,"exp":)" + exp + R"(,"jti":"j","gen":0})",
      R"({"iss":"https://auth.example","aud":"https://auth.example","client_id":"s","scope":"",)"
      R"("iat":)" +
          iat + R"(,"exp":)" + exp + R"(,"jti":"j","gen":0})",
      R"({"iss":"https://auth.example","aud":"https://auth.example","sub":"s","scope":"","iat":)" +
          iat + R"(,"exp":)" + exp + R"(,"jti":"j","gen":0})",
      R"({"iss":"https://auth.example","aud":"https://auth.example","sub":"s","client_id":"s",)"
      R"("iat":)" +
          iat + R"(,"exp":)" + exp + R"(,"jti":"j","gen":0})",
      R"({"iss":"https://auth.example","aud":"https://auth.example","sub":"s","client_id":"s",)"
      R"("scope":"","iat":)" +
          iat + R"(,"exp":)" + exp + R"(,"gen":0})",
      R"({"iss":"https://auth.example","aud":"https://auth.example","sub":"s","client_id":"s",)"
      R"("scope":"","exp":)" +
          exp + R"(,"jti":"j","gen":0})",
      R"({"iss":"https://auth.example","aud":"https://auth.example","sub":"s","client_id":"s",)"
      R"("scope":"","iat":)" +
          iat + R"(,"jti":"j","gen":0})",
      R"({"iss":"https://auth.example","aud":"https://auth.example","sub":"s","client_id":"s",)"
      R"("scope":"","iat":)" +
          iat + R"(,"exp":")" + exp + R"(","jti":"j","gen":0})",
      R"({"iss":"https://auth.example","aud":["https://auth.example"],"sub":"s","client_id":"s",)"
      R"("scope":"","iat":)" +
          iat + R"(,"exp":)" + exp + R"(,"jti":"j","gen":0})",
      R"({"iss":"https://auth.example","aud":"https://auth.example","sub":"s","client_id":"s",)"
      R"("scope":"","iat":)" +
          iat + R"(,"exp":1.7e9,"jti":"j","gen":0})",
      // The token epoch (revocation) is required and must be an integer.
      R"({"iss":"https://auth.example","aud":"https://auth.example","sub":"s","client_id":"s",)"
      R"("scope":"","iat":)" +
          iat + R"(,"exp":)" + exp + R"(,"jti":"j"})",
      R"({"iss":"https://auth.example","aud":"https://auth.example","sub":"s","client_id":"s",)"
      R"("scope":"","iat":)" +
          iat + R"(,"exp":)" + exp + R"(,"jti":"j","gen":"0"})",
  };
  for (const auto& payload : payloads) {
    SCOPED_TRACE(payload);
    ExpectRejected(Forge(Header(), payload), kNow, "missing claim");
  }
}

// Rotation: a ring of an old key and a new one that signs from kNow + 100.
class KeyRingTokensTest : public ::testing::Test {
 protected:
  KeyRingTokensTest()
      : old_(NewKey()),
        new_(NewKey()),
        tokens_(KeyRing({{old_, 0}, {new_, kNow + 100}}), kIssuer) {}

  std::string KidOf(const std::string& token) {
    const auto header = crypto::Base64UrlDecode(token.substr(0, token.find('.')));
    EXPECT_TRUE(header.has_value());
    const auto start = header->find(R"("kid":")") + 7;
    return header->substr(start, header->find('"', start) - start);
  }

  std::string SignAt(std::int64_t now) {
    AccessTokenClaims claims = Claims();
    claims.issued_at = now;
    claims.expires_at = now + 300;
    auto token = tokens_.Sign(claims);
    EXPECT_TRUE(token);
    return token ? *token : std::string();
  }

  crypto::SigningKey old_;
  crypto::SigningKey new_;
  AccessTokens tokens_;
};

TEST_F(KeyRingTokensTest, SignsWithTheNewKeyOnlyFromItsSigningTime) {
  EXPECT_EQ(KidOf(SignAt(kNow)), old_.KeyId());
  EXPECT_EQ(KidOf(SignAt(kNow + 99)), old_.KeyId());
  EXPECT_EQ(KidOf(SignAt(kNow + 100)), new_.KeyId());
  EXPECT_EQ(KidOf(SignAt(kNow + 5000)), new_.KeyId());
}

TEST_F(KeyRingTokensTest, VerifiesTokensOfEveryKeyInTheRing) {
  const std::string before = SignAt(kNow + 50);
  const std::string after = SignAt(kNow + 150);
  EXPECT_TRUE(tokens_.Verify(before, kNow + 200)) << "a retired key's unexpired token";
  EXPECT_TRUE(tokens_.Verify(after, kNow + 200));
}

TEST_F(KeyRingTokensTest, AKeyDroppedFromTheRingNoLongerVerifies) {
  const std::string before = SignAt(kNow + 50);
  tokens_.UseKeys(KeyRing({{new_, kNow + 100}}));
  auto claims = tokens_.Verify(before, kNow + 60);
  ASSERT_FALSE(claims);
  EXPECT_NE(claims.error().internal.find("unknown kid"), std::string::npos);
  EXPECT_EQ(KidOf(SignAt(kNow)), new_.KeyId()) << "the only key signs, even before its time";
}

TEST_F(KeyRingTokensTest, RejectsAnAlgorithmOtherThanTheNamedKeys) {
  auto eddsa = crypto::SigningKey::Generate(crypto::SigningAlgorithm::kEdDsa);
  ASSERT_TRUE(eddsa);
  tokens_.UseKeys(KeyRing({{old_, 0}, {*eddsa, kNow}}));
  const std::string token = SignAt(kNow);
  EXPECT_EQ(KidOf(token), eddsa->KeyId());
  EXPECT_TRUE(tokens_.Verify(token, kNow));
  // The EdDSA key's kid with the ES256 key's alg and signature.
  const std::string input =
      B64(R"({"alg":"ES256","typ":"at+jwt","kid":")" + eddsa->KeyId() + R"("})") + "." +
      token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
  auto signature = old_.Sign(input);
  ASSERT_TRUE(signature);
  auto claims = tokens_.Verify(input + "." + B64(*signature), kNow);
  ASSERT_FALSE(claims);
  EXPECT_NE(claims.error().internal.find("unexpected alg"), std::string::npos);
}

TEST(KeyRingTest, PublishesNextAndSigningKeysAndRetiredOnesUntilTheirTokensExpire) {
  const auto a = NewKey();
  const auto b = NewKey();
  const auto c = NewKey();
  const KeyRing ring({{c, kNow + 600}, {a, 0}, {b, kNow}});
  ASSERT_EQ(ring.keys().size(), 3u);
  EXPECT_EQ(ring.keys()[0].key.KeyId(), a.KeyId()) << "sorted by signing time";
  EXPECT_EQ(ring.SigningAt(kNow - 1).KeyId(), a.KeyId());
  EXPECT_EQ(ring.SigningAt(kNow).KeyId(), b.KeyId());
  EXPECT_EQ(ring.SigningAt(kNow + 600).KeyId(), c.KeyId());
  EXPECT_EQ(ring.RetiredAt(0), kNow);
  EXPECT_EQ(ring.RetiredAt(1), kNow + 600);

  const auto kids = [&](std::int64_t now) {
    std::vector<std::string> out;
    for (const auto& key : ring.PublishedAt(now, 300, 60)) out.push_back(key.KeyId());
    return out;
  };
  // a retired at kNow: its last token expires by kNow + 300 (+ 60 s skew).
  EXPECT_EQ(kids(kNow + 359), (std::vector{a.KeyId(), b.KeyId(), c.KeyId()}));
  EXPECT_EQ(kids(kNow + 360), (std::vector{b.KeyId(), c.KeyId()}));
  EXPECT_EQ(kids(kNow + 959), (std::vector{b.KeyId(), c.KeyId()}));
  EXPECT_EQ(kids(kNow + 960), (std::vector{c.KeyId()}));
  EXPECT_EQ(ring.Find(b.KeyId())->KeyId(), b.KeyId());
  EXPECT_EQ(ring.Find("nope"), nullptr);
}

TEST(KeyRingTest, TheLaterOfTwoKeysWithTheSameSigningTimeSigns) {
  const auto a = NewKey();
  const auto b = NewKey();
  const KeyRing ring({{a, kNow}, {b, kNow}});
  EXPECT_EQ(ring.SigningAt(kNow).KeyId(), b.KeyId());
  EXPECT_EQ(ring.PublishedAt(kNow + 1000, 300, 60).size(), 1u);
}

}  // namespace
}  // namespace obauth::oauth
