#include "app/signing_keys.hpp"

#include <gtest/gtest.h>

#include <string>

#include "app/key_file.hpp"
#include "temp_sqlite.hpp"

namespace obauth::app {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kSkew = oauth::kDefaultClockSkew;

class SigningKeysTest : public test_support::TempSqliteTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempSqliteTest::SetUp());
    auto key = LoadServerKey(DefaultKeyFile(DbPath()), *store_);
    ASSERT_TRUE(key);
    server_key_ = std::move(*key);
  }

  std::string Stored(const std::string& name) {
    auto value = store_->GetSetting(name);
    EXPECT_TRUE(value);
    return value && *value ? **value : std::string("(none)");
  }

  StoredKeyRing LoadOrFail() {
    auto loaded = LoadKeyRing(*store_, server_key_);
    EXPECT_TRUE(loaded) << loaded.error().internal;
    if (!loaded) throw std::runtime_error("LoadKeyRing failed");
    return std::move(*loaded);
  }

  std::vector<std::string> Kids(const oauth::KeyRing& ring) {
    std::vector<std::string> kids;
    for (const auto& k : ring.keys()) kids.push_back(k.key.KeyId());
    return kids;
  }

  Secret server_key_;
};

TEST_F(SigningKeysTest, FirstLoadStoresOneSealedEs256KeyAndLaterLoadsReturnIt) {
  const StoredKeyRing first = LoadOrFail();
  ASSERT_EQ(first.ring.keys().size(), 1u);
  EXPECT_EQ(first.ring.keys()[0].key.Algorithm(), "ES256");
  EXPECT_EQ(first.ring.keys()[0].signing_from, 0);
  const std::string stored = Stored("signing_keys");
  EXPECT_TRUE(stored.starts_with("0 sealed-v1:")) << stored;
  EXPECT_EQ(stored.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(first.stored, stored);
  EXPECT_EQ(Kids(LoadOrFail().ring), Kids(first.ring));
}

TEST_F(SigningKeysTest, AnotherServerKeyCannotOpenTheStoredKeys) {
  LoadOrFail();
  auto loaded = LoadKeyRing(*store_, Secret(std::string(32, 'x')));
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().internal.find("cannot be opened with this server key"),
            std::string::npos)
      << loaded.error().internal;
}

TEST_F(SigningKeysTest, PlaintextKeyOfAnEarlierVersionBecomesTheFirstKeyAndIsOverwritten) {
  auto generated = crypto::SigningKey::Generate(crypto::SigningAlgorithm::kEdDsa);
  ASSERT_TRUE(generated);
  ASSERT_TRUE(store_->GetOrCreateSetting("signing_key_ed25519",
                                         std::string(generated->ToPkcs8Pem().Expose())));
  const StoredKeyRing loaded = LoadOrFail();
  EXPECT_EQ(Kids(loaded.ring), std::vector{generated->KeyId()});
  EXPECT_EQ(Stored("signing_key_ed25519"), "moved to signing_keys");
  EXPECT_EQ(Kids(LoadOrFail().ring), std::vector{generated->KeyId()});
}

TEST_F(SigningKeysTest, RotationAddsAKeyThatSignsAfterTheDelayAndKeepsTheOld) {
  const StoredKeyRing before = LoadOrFail();
  auto rotated = RotateSigningKey(*store_, server_key_, kNow, 600, kSkew);
  ASSERT_TRUE(rotated) << rotated.error().internal;
  EXPECT_EQ(rotated->signing_from, kNow + 600);
  EXPECT_EQ(rotated->algorithm, "ES256");
  EXPECT_EQ(rotated->removed, 0u);
  const StoredKeyRing after = LoadOrFail();
  EXPECT_EQ(Kids(after.ring), (std::vector{Kids(before.ring)[0], rotated->kid}));
  EXPECT_EQ(after.ring.SigningAt(kNow + 599).KeyId(), Kids(before.ring)[0]);
  EXPECT_EQ(after.ring.SigningAt(kNow + 600).KeyId(), rotated->kid);
  EXPECT_EQ(Stored("signing_keys").find("PRIVATE KEY"), std::string::npos);
}

TEST_F(SigningKeysTest, RotationIsRefusedWhileThePreviousNewKeyWaitsToSign) {
  ASSERT_TRUE(RotateSigningKey(*store_, server_key_, kNow, 600, kSkew));
  auto again = RotateSigningKey(*store_, server_key_, kNow + 599, 0, kSkew);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_NE(again.error().public_message.find("starts signing at 2027-01-15T08:10:00Z"),
            std::string::npos)
      << again.error().public_message;
  EXPECT_EQ(LoadOrFail().ring.keys().size(), 2u) << "nothing added";
  EXPECT_TRUE(RotateSigningKey(*store_, server_key_, kNow + 600, 0, kSkew));
}

TEST_F(SigningKeysTest, RotationDropsKeysRetiredLongerThanAnyTokenLives) {
  const std::string first = Kids(LoadOrFail().ring)[0];
  auto second = RotateSigningKey(*store_, server_key_, kNow, 0, kSkew);
  ASSERT_TRUE(second);
  // `first` retired at kNow: tokens it signed live at most a day (and a minute of skew).
  const std::int64_t gone = kNow + oauth::kMaxTokenLifetime + kSkew;
  auto third = RotateSigningKey(*store_, server_key_, gone, 0, kSkew);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->removed, 0u);
  EXPECT_EQ(Kids(LoadOrFail().ring), (std::vector{first, second->kid, third->kid}));
  auto fourth = RotateSigningKey(*store_, server_key_, gone + 1, 0, kSkew);
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->removed, 1u);
  EXPECT_EQ(Kids(LoadOrFail().ring), (std::vector{second->kid, third->kid, fourth->kid}));
}

TEST_F(SigningKeysTest, RotationKeepsRetiredKeysForTheClockSkewItIsGiven) {
  const std::string first = Kids(LoadOrFail().ring)[0];
  auto second = RotateSigningKey(*store_, server_key_, kNow, 0, kSkew);
  ASSERT_TRUE(second);
  // With the largest skew a server may tolerate, `first` stays 300 s longer than with 60.
  const std::int64_t gone = kNow + oauth::kMaxTokenLifetime + oauth::kMaxClockSkew;
  auto third = RotateSigningKey(*store_, server_key_, gone, 0, oauth::kMaxClockSkew);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->removed, 0u);
  auto fourth = RotateSigningKey(*store_, server_key_, gone + 1, 0, oauth::kMaxClockSkew);
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->removed, 1u);
  EXPECT_EQ(Kids(LoadOrFail().ring), (std::vector{second->kid, third->kid, fourth->kid}));
}

TEST_F(SigningKeysTest, SealedKeyMovedToAnotherLineDoesNotOpen) {
  LoadOrFail();
  std::string stored = Stored("signing_keys");
  std::string moved = "5" + stored.substr(1);
  ASSERT_TRUE(store_->ReplaceSetting("signing_keys", stored, moved));
  EXPECT_FALSE(LoadKeyRing(*store_, server_key_));
}

TEST_F(SigningKeysTest, FollowerHandsARotationToTheTokens) {
  StoredKeyRing loaded = LoadOrFail();
  oauth::AccessTokens tokens(std::move(loaded.ring), "https://issuer.example");
  KeyRingFollower follower(*store_, server_key_, tokens, loaded.stored);
  auto unchanged = follower.Poll();
  ASSERT_TRUE(unchanged);
  EXPECT_FALSE(*unchanged);
  auto rotated = RotateSigningKey(*store_, server_key_, kNow, 0, kSkew);
  ASSERT_TRUE(rotated);
  auto changed = follower.Poll();
  ASSERT_TRUE(changed) << changed.error().internal;
  EXPECT_TRUE(*changed);
  EXPECT_EQ(tokens.keys()->SigningAt(kNow).KeyId(), rotated->kid);
  EXPECT_FALSE(*follower.Poll());
}

TEST_F(SigningKeysTest, DescribeKeysNamesEachKeysState) {
  LoadOrFail();
  auto second = RotateSigningKey(*store_, server_key_, kNow, 0, kSkew);
  auto third = RotateSigningKey(*store_, server_key_, kNow, 600, kSkew);
  ASSERT_TRUE(second && third);
  const auto statuses = DescribeKeys(LoadOrFail().ring, kNow + 1);
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_EQ(statuses[0].state, "retired");
  EXPECT_EQ(statuses[0].retired_at, kNow);
  EXPECT_EQ(statuses[1].state, "signing");
  EXPECT_EQ(statuses[2].state, "next");
  EXPECT_EQ(statuses[2].signing_from, kNow + 600);
  EXPECT_EQ(SummarizeKeys(LoadOrFail().ring, kNow + 1), "signing kid=" + second->kid +
                                                            " (ES256); next kid=" + third->kid +
                                                            " (ES256) from 2027-01-15T08:10:00Z");
}

}  // namespace
}  // namespace obauth::app
