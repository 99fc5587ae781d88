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
  EXPECT_TRUE(hasher.Matches("dc-a", secret, {hash}));
  EXPECT_FALSE(hasher.Matches("dc-b", secret, {hash}));
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
  EXPECT_NE(a.Hash("dc-a", secret), b.Hash("dc-a", secret));
  EXPECT_FALSE(b.Matches("dc-a", secret, {a.Hash("dc-a", secret)}));
}

TEST(SecretHasher, MatchesAnyOfSeveralHashes) {
  const SecretHasher hasher(kServerKey);
  const Secret old_secret("old");
  const Secret new_secret("new");
  const std::vector<std::string> hashes = {hasher.Hash("dc-a", old_secret),
                                           hasher.Hash("dc-a", new_secret)};
  EXPECT_TRUE(hasher.Matches("dc-a", old_secret, hashes));
  EXPECT_TRUE(hasher.Matches("dc-a", new_secret, hashes));
  EXPECT_FALSE(hasher.Matches("dc-a", Secret("other"), hashes));
  const std::vector<std::string> reversed = {hashes[1], hashes[0]};
  EXPECT_TRUE(hasher.Matches("dc-a", old_secret, reversed));
}

TEST(SecretHasher, NoHashesMatchesNothing) {
  const SecretHasher hasher(kServerKey);
  EXPECT_FALSE(hasher.Matches("dc-a", Secret("s"), {}));
  EXPECT_FALSE(hasher.Matches("dc-a", Secret(""), {std::string(32, '\0')}));
}

TEST(SecretHasher, TruncatedOrPrefixHashDoesNotMatch) {
  const SecretHasher hasher(kServerKey);
  const Secret secret("s3cret");
  const std::string hash = hasher.Hash("dc-a", secret);
  EXPECT_FALSE(hasher.Matches("dc-a", secret, {hash.substr(0, 16)}));
  EXPECT_FALSE(hasher.Matches("dc-a", secret, {hash + "x"}));
  EXPECT_FALSE(hasher.Matches("dc-a", secret, {""}));
}

}  // namespace
}  // namespace obauth::crypto
