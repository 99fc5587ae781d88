#include "crypto/client_secret.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/base64url.hpp"
#include "crypto/hash.hpp"

namespace obauth::crypto {
namespace {

const Secret kServerKey(std::string(32, 'k'));

TEST(NewClientSecret, Is43Base64UrlCharactersOf32Bytes) {
  auto secret = NewClientSecret();
  ASSERT_TRUE(secret);
  const std::string_view text = secret->Expose();
  EXPECT_EQ(text.size(), 43u);
  EXPECT_EQ(
      text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string_view::npos);
  const auto bytes = Base64UrlDecode(text);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(bytes->size(), 32u);
}

TEST(NewClientSecret, EverySecretIsNew) {
  auto a = NewClientSecret();
  auto b = NewClientSecret();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(a->Expose(), b->Expose());
}

TEST(SecretHasher, SameInputGivesSameHash) {
  const SecretHasher hasher(kServerKey);
  const Secret secret("s3cret");
  EXPECT_EQ(hasher.Hash("dc-a", secret), hasher.Hash("dc-a", secret));
  EXPECT_EQ(hasher.Hash("dc-a", secret).size(), 32u);
}

TEST(SecretHasher, HashIsKeyedHmacOverIdNulSecret) {
  const SecretHasher hasher(kServerKey);
  using namespace std::string_literals;
  EXPECT_EQ(hasher.Hash("dc-a", Secret("s3cret")),
            HmacSha256(kServerKey.Expose(), "dc-a\0s3cret"s));
}

TEST(SecretHasher, HashIsBoundToClientId) {
  const SecretHasher hasher(kServerKey);
  const Secret secret("s3cret");
  const std::string hash = hasher.Hash("dc-a", secret);
  EXPECT_NE(hasher.Hash("dc-b", secret), hash);
  EXPECT_EQ(hasher.Match("dc-a", secret, {hash}), 0);
  EXPECT_EQ(hasher.Match("dc-b", secret, {hash}), -1);
}

TEST(SecretHasher, IdAndSecretBoundaryIsUnambiguous) {
  const SecretHasher hasher(kServerKey);
  // Without a separator "ab"+"c" and "a"+"bc" would hash the same message.
  EXPECT_NE(hasher.Hash("ab", Secret("c")), hasher.Hash("a", Secret("bc")));
}

TEST(SecretHasher, HashDependsOnServerKey) {
  const SecretHasher a(kServerKey);
  const SecretHasher b(Secret(std::string(32, 'q')));
  const Secret secret("s3cret");
  const std::string hash = a.Hash("dc-a", secret);
  EXPECT_NE(a.Hash("dc-a", secret), b.Hash("dc-a", secret));
  EXPECT_EQ(b.Match("dc-a", secret, {hash}), -1);
}

TEST(SecretHasher, MatchesAnyOfSeveralHashes) {
  const SecretHasher hasher(kServerKey);
  const Secret old_secret("old");
  const Secret new_secret("new");
  const std::string old_hash = hasher.Hash("dc-a", old_secret);
  const std::string new_hash = hasher.Hash("dc-a", new_secret);
  const std::vector<std::string_view> hashes = {old_hash, new_hash};
  EXPECT_GE(hasher.Match("dc-a", old_secret, hashes), 0);
  EXPECT_GE(hasher.Match("dc-a", new_secret, hashes), 0);
  EXPECT_EQ(hasher.Match("dc-a", Secret("other"), hashes), -1);
  const std::vector<std::string_view> reversed = {new_hash, old_hash};
  EXPECT_GE(hasher.Match("dc-a", old_secret, reversed), 0);
}

TEST(SecretHasher, MatchReturnsTheIndexOfTheMatchingHash) {
  const SecretHasher hasher(kServerKey);
  const Secret current("current");
  const Secret previous("previous");
  const std::string current_hash = hasher.Hash("dc-a", current);
  const std::string previous_hash = hasher.Hash("dc-a", previous);
  const std::string dummy(32, '\0');
  const std::vector<std::string_view> hashes = {current_hash, previous_hash};
  EXPECT_EQ(hasher.Match("dc-a", current, hashes), 0);
  EXPECT_EQ(hasher.Match("dc-a", previous, hashes), 1);
  EXPECT_EQ(hasher.Match("dc-a", Secret("neither"), hashes), -1);
  EXPECT_EQ(hasher.Match("dc-a", previous, {previous_hash, current_hash}), 0);
  EXPECT_EQ(hasher.Match("dc-a", previous, {dummy, dummy, previous_hash}), 2);
  EXPECT_EQ(hasher.Match("dc-a", current, {dummy, dummy}), -1);
}

TEST(SecretHasher, NoHashesMatchesNothing) {
  const SecretHasher hasher(kServerKey);
  EXPECT_EQ(hasher.Match("dc-a", Secret("s"), {}), -1);
  const std::string zeros(32, '\0');
  EXPECT_EQ(hasher.Match("dc-a", Secret(""), {zeros}), -1);
}

TEST(SecretHasher, TruncatedOrPrefixHashDoesNotMatch) {
  const SecretHasher hasher(kServerKey);
  const Secret secret("s3cret");
  const std::string hash = hasher.Hash("dc-a", secret);
  const std::string longer = hash + "x";
  EXPECT_EQ(hasher.Match("dc-a", secret, {std::string_view(hash).substr(0, 16)}), -1);
  EXPECT_EQ(hasher.Match("dc-a", secret, {longer}), -1);
  EXPECT_EQ(hasher.Match("dc-a", secret, {""}), -1);
}

}  // namespace
}  // namespace obauth::crypto
