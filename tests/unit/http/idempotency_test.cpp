#include "http/idempotency.hpp"

#include <gtest/gtest.h>

#include <string>

namespace obauth::http {
namespace {

const Secret kKey(std::string(32, 'i'));
constexpr std::int64_t kNow = 1'700'000'000;

struct KeyCase {
  std::string key;
  bool valid;
  const char* what;
};

TEST(Idempotency, IsValidKeyTable) {
  const KeyCase cases[] = {
      {"", false, "empty"},
      {"a", true, "one character"},
      {std::string(255, 'k'), true, "255 characters"},
      {std::string(256, 'k'), false, "256 characters"},
      {"8e03978e-40d5-43e8-bc93-6894a57f9324", true, "a UUID"},
      {"!~\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}", true, "every kind of punctuation"},
      {"has space", false, "space"},
      {" leading", false, "leading space"},
      {"tab\there", false, "tab"},
      {"new\nline", false, "newline"},
      {std::string("nul\0x", 5), false, "NUL"},
      {"del\x7f", false, "DEL"},
      {"caf\xc3\xa9", false, "non-ASCII UTF-8"},
      {"\xff", false, "high byte"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(Idempotency::IsValidKey(c.key), c.valid);
  }
}

TEST(Idempotency, FingerprintDependsOnMethodPathAndBody) {
  const std::string base = Idempotency::Fingerprint("POST", "/api/v1/recipients", R"({"a":1})");
  EXPECT_EQ(base.size(), 32u);
  EXPECT_EQ(base, Idempotency::Fingerprint("POST", "/api/v1/recipients", R"({"a":1})"));
  EXPECT_NE(base, Idempotency::Fingerprint("PUT", "/api/v1/recipients", R"({"a":1})"));
  EXPECT_NE(base, Idempotency::Fingerprint("POST", "/api/v1/recipients/x", R"({"a":1})"));
  EXPECT_NE(base, Idempotency::Fingerprint("POST", "/api/v1/recipients", R"({"a":2})"));
  EXPECT_NE(base, Idempotency::Fingerprint("POST", "/api/v1/recipients", R"({"a":1} )"));
  EXPECT_NE(base, Idempotency::Fingerprint("POST", "/api/v1/recipients", ""));
}

TEST(Idempotency, SealThenOpenReturnsStatusAndBody) {
  const Idempotency idempotency(kKey);
  const std::string body = R"({"client_id":"dc-1","client_secret":"s3cret"})";
  auto replay = idempotency.Seal("pt-1", "key-1", "fingerprint", 200, body, kNow);
  ASSERT_TRUE(replay) << replay.error().internal;
  EXPECT_EQ(replay->partner_id, "pt-1");
  EXPECT_EQ(replay->key, "key-1");
  EXPECT_EQ(replay->fingerprint, "fingerprint");
  EXPECT_EQ(replay->created_at, kNow);
  // The secret in the body is not kept in clear.
  EXPECT_EQ(replay->sealed.find("s3cret"), std::string::npos);
  auto opened = idempotency.Open(*replay);
  ASSERT_TRUE(opened) << opened.error().internal;
  EXPECT_EQ(opened->first, 200);
  EXPECT_EQ(opened->second, body);
}

TEST(Idempotency, SealedReplayOpensWithTheSameKeyInAnotherInstance) {
  auto replay = Idempotency(kKey).Seal("pt-1", "k", "f", 201, "body with spaces", kNow);
  ASSERT_TRUE(replay);
  auto opened = Idempotency(kKey).Open(*replay);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->first, 201);
  EXPECT_EQ(opened->second, "body with spaces");
}

TEST(Idempotency, SealedReplayIsBoundToPartnerAndKey) {
  const Idempotency idempotency(kKey);
  auto replay = idempotency.Seal("pt-1", "key-1", "f", 200, "{}", kNow);
  ASSERT_TRUE(replay);
  for (const auto& [partner, key] : {std::pair<std::string, std::string>{"pt-2", "key-1"},
                                     {"pt-1", "key-2"},
                                     {"pt-1key-1", ""},
                                     {"pt-", "1key-1"}}) {
    SCOPED_TRACE(partner + "/" + key);
    store::Replay moved = *replay;
    moved.partner_id = partner;
    moved.key = key;
    auto opened = idempotency.Open(moved);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
  }
}

TEST(Idempotency, ReplayDoesNotOpenUnderAnotherKeyOrWhenTampered) {
  auto replay = Idempotency(kKey).Seal("pt-1", "k", "f", 200, "{}", kNow);
  ASSERT_TRUE(replay);
  auto other = Idempotency(Secret(std::string(32, 'j'))).Open(*replay);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kInternal);
  store::Replay tampered = *replay;
  tampered.sealed.back() = static_cast<char>(tampered.sealed.back() ^ 1);
  auto opened = Idempotency(kKey).Open(tampered);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
}

TEST(Idempotency, ClaimIsExclusivePerPartnerAndKeyUntilReleased) {
  Idempotency idempotency(kKey);
  {
    auto claim = idempotency.TryClaim("pt-1", "k");
    ASSERT_TRUE(claim.has_value());
    EXPECT_FALSE(idempotency.TryClaim("pt-1", "k").has_value());
    // Other partners and other keys are independent.
    EXPECT_TRUE(idempotency.TryClaim("pt-2", "k").has_value());
    EXPECT_TRUE(idempotency.TryClaim("pt-1", "k2").has_value());
    // A moved claim still holds the slot, once.
    auto moved = std::move(claim);
    EXPECT_FALSE(idempotency.TryClaim("pt-1", "k").has_value());
  }
  EXPECT_TRUE(idempotency.TryClaim("pt-1", "k").has_value());
}

}  // namespace
}  // namespace obauth::http
