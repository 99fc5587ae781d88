#include "crypto/random.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace obauth::crypto {
namespace {

TEST(RandomBytes, ReturnsRequestedLength) {
  for (std::size_t n : {0u, 1u, 16u, 32u, 1000u}) {
    auto bytes = RandomBytes(n);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes->size(), n);
  }
}

TEST(RandomBytes, TwoDrawsDiffer) {
  auto a = RandomBytes(32);
  auto b = RandomBytes(32);
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(*a, *b);
}

TEST(TimeOrderedId, IsTwentyTwoUrlSafeCharactersThatSortByCreation) {
  auto first = TimeOrderedId();
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 22u);
  for (char c : *first) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << *first;
  }
  // The first 11 characters are the time in milliseconds, in hex: a later id sorts after.
  const std::string prefix = first->substr(0, 11);
  EXPECT_EQ(prefix.find_first_not_of("0123456789abcdef"), std::string::npos) << prefix;
  std::string later;
  for (int i = 0; i < 1000000 && later.substr(0, 11) <= prefix; ++i) {
    auto next = TimeOrderedId();
    ASSERT_TRUE(next);
    EXPECT_NE(*next, *first);
    later = *next;
  }
  EXPECT_GT(later, *first);
}

TEST(RandomIdBytes, ReturnsRequestedLengthAndNeverRepeatsAcrossRefills) {
  std::set<std::string> seen;
  // 1,000 draws of 16 bytes cross several 4 KiB refills of the per-thread buffer.
  for (int i = 0; i < 1000; ++i) {
    auto id = RandomIdBytes(16);
    ASSERT_TRUE(id);
    ASSERT_EQ(id->size(), 16u);
    EXPECT_TRUE(seen.insert(*id).second) << "repeated at draw " << i;
  }
  auto large = RandomIdBytes(256);
  ASSERT_TRUE(large);
  EXPECT_EQ(large->size(), 256u);
  EXPECT_NE(*large, std::string(256, '\0'));
}

TEST(RandomIdBytes, RefusesMoreThan256Bytes) {
  auto too_many = RandomIdBytes(257);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, ErrorCode::kInternal);
}

TEST(RandomString, HasRequestedLengthAndOnlyAlphabetCharacters) {
  for (std::size_t n : {0u, 1u, 25u, 500u}) {
    auto s = RandomString(n, kLowerAlnum);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->size(), n);
    EXPECT_EQ(s->find_first_not_of(kLowerAlnum), std::string::npos) << *s;
  }
}

TEST(RandomString, UsesEveryCharacterOfTheAlphabet) {
  // 36 characters, 20000 draws: each is expected ~555 times, so missing one means a bias bug.
  auto s = RandomString(20000, kLowerAlnum);
  ASSERT_TRUE(s);
  const std::set<char> seen(s->begin(), s->end());
  EXPECT_EQ(seen.size(), kLowerAlnum.size());
}

TEST(RandomString, SingleCharacterAlphabet) {
  auto s = RandomString(10, "x");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, "xxxxxxxxxx");
}

TEST(RandomString, FullByteAlphabetIsAccepted) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  auto s = RandomString(64, all);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->size(), 64u);
}

TEST(RandomString, RejectsEmptyOrOversizedAlphabet) {
  auto empty = RandomString(8, "");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInternal);
  auto oversized = RandomString(8, std::string(257, 'a'));
  ASSERT_FALSE(oversized);
  EXPECT_EQ(oversized.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace obauth::crypto
