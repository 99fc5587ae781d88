#include "crypto/base64url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace obauth::crypto {
namespace {

using namespace std::string_literals;

struct Vector {
  std::string bytes;
  std::string text;
};

// RFC 4648 §10, with the padding removed as base64url without padding requires (§5).
const Vector kUrlVectors[] = {
    {"", ""},
    {"f", "Zg"},
    {"fo", "Zm8"},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg"},
    {"fooba", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy"},
    // The two characters where the URL alphabet differs from the standard one (62 and 63).
    {"\xfb\xff\xbf", "-_-_"},
    {"\x00\x00\x00"s, "AAAA"},
    {"\xff", "_w"},
};

TEST(Base64Url, EncodesRfc4648Vectors) {
  for (const auto& v : kUrlVectors) {
    SCOPED_TRACE(v.text);
    EXPECT_EQ(Base64UrlEncode(v.bytes), v.text);
  }
}

TEST(Base64Url, DecodesRfc4648Vectors) {
  for (const auto& v : kUrlVectors) {
    SCOPED_TRACE(v.text);
    const auto decoded = Base64UrlDecode(v.text);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, v.bytes);
  }
}

TEST(Base64Url, RoundTripsEveryByteValueAtEveryLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= all.size(); len += 1) {
    const std::string bytes = all.substr(all.size() - len);
    const std::string text = Base64UrlEncode(bytes);
    EXPECT_EQ(text.find_first_of("=+/"), std::string::npos);
    EXPECT_EQ(text.size(), (len * 4 + 2) / 3);
    const auto decoded = Base64UrlDecode(text);
    ASSERT_TRUE(decoded.has_value()) << text;
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64Url, RejectsMalformedText) {
  const std::string_view kRejected[] = {
      "Zg==",        // padding
      "Zg=",         // partial padding
      "Zm8=",        // padding on a 2-byte group
      "Z",           // length % 4 == 1
      "Zm9vY",       // length % 4 == 1 after full groups
      "Zh",          // unused trailing bits not zero (non-canonical "f")
      "Zm9",         // unused trailing bits not zero (non-canonical "fo")
      "Zm9vYh",      // non-canonical in the last group
      "+/8",         // standard alphabet characters
      "Zm9v+mFy",    // '+' in the middle
      "Zm9v/mFy",    // '/' in the middle
      " Zg",         // leading space
      "Zg ",         // trailing space
      "Zg\n",        // newline
      "Zm.v",        // '.'
      "Z\xc3\xa9g",  // non-ASCII
  };
  for (const auto text : kRejected) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Base64UrlDecode(text).has_value());
  }
  EXPECT_FALSE(Base64UrlDecode("Z\0g"s).has_value());
}

// RFC 4648 §10, standard alphabet with padding.
const Vector kStdVectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
    {"\xfb\xff", "+/8="},
    {"\xfb\xff\xbf", "+/+/"},
    {"Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},  // RFC 7617 §2
};

TEST(Base64, DecodesRfc4648Vectors) {
  for (const auto& v : kStdVectors) {
    SCOPED_TRACE(v.text);
    const auto decoded = Base64Decode(v.text);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, v.bytes);
  }
}

TEST(Base64, RejectsNonCanonicalOrUnpaddedText) {
  const std::string_view kRejected[] = {
      "Zg",        // missing padding
      "Zg=",       // short padding
      "Zm8",       // missing padding
      "Zg===",     // too much padding
      "Z===",      // three padding characters
      "====",      // only padding
      "Zm9v====",  // a whole group of padding
      "=Zg=",      // padding first
      "Z=g=",      // padding in the middle of a group
      "Zg==Zg==",  // padding in the middle of the text
      "Zh==",      // non-zero unused bits
      "Zm9=",      // non-zero unused bits
      "-_8=",      // URL alphabet
      "Zm9v_mFy",  // URL alphabet
      "Zm9 ",      // space in place of padding
      "Zm9vYmFy\n",
  };
  for (const auto text : kRejected) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Base64Decode(text).has_value());
  }
}

}  // namespace
}  // namespace obauth::crypto
