#include "crypto/derive_key.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crypto/hash.hpp"

namespace obauth::crypto {
namespace {

const Secret kServerKey(std::string(32, 'k'));

TEST(DeriveKey, SecretHashingUsesTheServerKeyItselfSoStoredHashesKeepMatching) {
  EXPECT_EQ(DeriveKey(kServerKey, KeyPurpose::kSecretHashing).Expose(), kServerKey.Expose());
}

TEST(DeriveKey, EveryOtherPurposeIsHmacOfItsLabel) {
  for (auto purpose :
       {KeyPurpose::kServerKeyCheck, KeyPurpose::kSigningKeySeal, KeyPurpose::kReplaySeal,
        KeyPurpose::kGrantHashing, KeyPurpose::kPairwiseSubject, KeyPurpose::kBrowserSeal,
        KeyPurpose::kCsrf, KeyPurpose::kProviderClientSeal, KeyPurpose::kUpstreamTokenSeal}) {
    const Secret derived = DeriveKey(kServerKey, purpose);
    EXPECT_EQ(derived.Expose().size(), 32u);
    EXPECT_EQ(derived.Expose(), HmacSha256(kServerKey.Expose(), DerivationLabel(purpose)));
  }
}

// The labels are part of the stored data's format: a changed label would make every sealed
// signing key, replay and key check of an existing database unreadable.
TEST(DeriveKey, LabelsAreTheOnesExistingDatabasesWereWrittenWith) {
  EXPECT_EQ(DerivationLabel(KeyPurpose::kServerKeyCheck), "obauth server key check");
  EXPECT_EQ(DerivationLabel(KeyPurpose::kSigningKeySeal), "obauth signing key AES-256-GCM key v1");
  EXPECT_EQ(DerivationLabel(KeyPurpose::kReplaySeal),
            "obauth idempotency replay AES-256-GCM key v1");
  EXPECT_EQ(DerivationLabel(KeyPurpose::kProviderClientSeal),
            "obauth provider client secret AES-256-GCM key v1");
  EXPECT_EQ(DerivationLabel(KeyPurpose::kUpstreamTokenSeal),
            "obauth upstream provider token AES-256-GCM key v1");
}

TEST(DeriveKey, PurposesNeverShareAKey) {
  std::set<std::string> keys;
  std::set<std::string_view> labels;
  for (auto purpose :
       {KeyPurpose::kSecretHashing, KeyPurpose::kServerKeyCheck, KeyPurpose::kSigningKeySeal,
        KeyPurpose::kReplaySeal, KeyPurpose::kGrantHashing, KeyPurpose::kPairwiseSubject,
        KeyPurpose::kBrowserSeal, KeyPurpose::kCsrf, KeyPurpose::kProviderClientSeal,
        KeyPurpose::kUpstreamTokenSeal}) {
    EXPECT_TRUE(keys.emplace(DeriveKey(kServerKey, purpose).Expose()).second);
    EXPECT_TRUE(labels.emplace(DerivationLabel(purpose)).second);
  }
}

}  // namespace
}  // namespace obauth::crypto
