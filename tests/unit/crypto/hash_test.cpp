#include "crypto/hash.hpp"

#include <gtest/gtest.h>

#include <string>

namespace obauth::crypto {
namespace {

TEST(Sha256, MatchesNistVectors) {
  // FIPS 180-2 appendix B.1 and B.2, and the empty message.
  EXPECT_EQ(ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(ToHex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, ReturnsThirtyTwoRawBytes) { EXPECT_EQ(Sha256("x").size(), 32u); }

TEST(HmacSha256, MatchesRfc4231TestCase1) {
  EXPECT_EQ(ToHex(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacSha256, MatchesRfc4231TestCase2) {
  EXPECT_EQ(ToHex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, MatchesRfc4231TestCase6KeyLongerThanBlock) {
  EXPECT_EQ(ToHex(HmacSha256(std::string(131, '\xaa'),
                             "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256Key, KeyedOnceGivesTheSameMacsAsHmacSha256EveryTime) {
  const HmacSha256Key key("Jefe");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ToHex(key.Mac("what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(key.Mac("other"), HmacSha256("Jefe", "other"));
  }
}

TEST(Sha256Digest, SameBytesAsSha256) {
  const auto digest = Sha256Digest("abc");
  EXPECT_EQ(std::string(digest.begin(), digest.end()), Sha256("abc"));
}

TEST(HmacSha256, DependsOnKey) {
  EXPECT_NE(HmacSha256("key-a", "message"), HmacSha256("key-b", "message"));
  EXPECT_EQ(HmacSha256("key-a", "message").size(), 32u);
}

TEST(ConstantTimeEquals, EqualOnlyForIdenticalBytes) {
  using namespace std::string_literals;
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("a\0b"s, "a\0b"s));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "xbc"));
  EXPECT_FALSE(ConstantTimeEquals("a\0b"s, "a\0c"s));
}

TEST(ConstantTimeEquals, DifferentLengthsNeverEqual) {
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

TEST(ToHex, LowercaseTwoDigitsPerByte) {
  using namespace std::string_literals;
  EXPECT_EQ(ToHex(""), "");
  EXPECT_EQ(ToHex("\x00\x0f\xa0\xff"s), "000fa0ff");
}

}  // namespace
}  // namespace obauth::crypto
