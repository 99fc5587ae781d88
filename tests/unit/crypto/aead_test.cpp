#include "crypto/aead.hpp"

#include <gtest/gtest.h>

#include <string>

namespace obauth::crypto {
namespace {

using namespace std::string_view_literals;

const Secret kKey(std::string(32, 'k'));
const Secret kOtherKey(std::string(32, 'q'));
constexpr std::string_view kAad = "pt-1\0key-1"sv;
constexpr std::size_t kOverhead = 12 + 16;  // nonce + tag

std::string SealOrFail(std::string_view plaintext, std::string_view aad = kAad) {
  auto sealed = Seal(kKey, aad, plaintext);
  EXPECT_TRUE(sealed) << (sealed ? "" : sealed.error().internal);
  return sealed ? *sealed : std::string();
}

void ExpectOpenFails(const Secret& key, std::string_view aad, std::string_view sealed) {
  auto opened = Open(key, aad, sealed);
  ASSERT_FALSE(opened) << "opened to " << opened->size() << " bytes";
  EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
}

TEST(Aead, SealThenOpenReturnsThePlaintext) {
  for (const std::string& plaintext :
       {std::string(), std::string("200 {\"client_secret\":\"abc\"}"), std::string(5000, 'x'),
        std::string("\0\xff\x01", 3)}) {
    const std::string sealed = SealOrFail(plaintext);
    EXPECT_EQ(sealed.size(), plaintext.size() + kOverhead);
    auto opened = Open(kKey, kAad, sealed);
    ASSERT_TRUE(opened) << opened.error().internal;
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST(Aead, SealedTextDoesNotContainThePlaintext) {
  const std::string plaintext = "a-secret-that-must-not-be-stored-in-clear";
  EXPECT_EQ(SealOrFail(plaintext).find(plaintext), std::string::npos);
}

TEST(Aead, TwoSealsOfTheSameInputUseDifferentNonces) {
  const std::string a = SealOrFail("same");
  const std::string b = SealOrFail("same");
  EXPECT_NE(a.substr(0, 12), b.substr(0, 12));
  EXPECT_NE(a, b);
}

TEST(Aead, OpenWithAnotherKeyFails) { ExpectOpenFails(kOtherKey, kAad, SealOrFail("payload")); }

TEST(Aead, OpenWithOtherAssociatedDataFails) {
  const std::string sealed = SealOrFail("payload");
  ExpectOpenFails(kKey, "pt-2\0key-1"sv, sealed);
  ExpectOpenFails(kKey, "", sealed);
  ExpectOpenFails(kKey, std::string(kAad) + "x", sealed);
}

TEST(Aead, FlippingAnyByteMakesOpenFail) {
  const std::string sealed = SealOrFail("payload of a few bytes");
  // Every position: nonce, ciphertext and tag.
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    SCOPED_TRACE(i);
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    ExpectOpenFails(kKey, kAad, tampered);
  }
}

TEST(Aead, TruncationMakesOpenFail) {
  const std::string sealed = SealOrFail("payload");
  for (std::size_t n = 0; n < sealed.size(); ++n) {
    SCOPED_TRACE(n);
    ExpectOpenFails(kKey, kAad, sealed.substr(0, n));
  }
  ExpectOpenFails(kKey, kAad, sealed + "x");
}

TEST(Aead, KeyMustBe32Bytes) {
  auto sealed = Seal(Secret(std::string(16, 'k')), kAad, "x");
  ASSERT_FALSE(sealed);
  EXPECT_EQ(sealed.error().code, ErrorCode::kInternal);
  ExpectOpenFails(Secret(std::string(31, 'k')), kAad, SealOrFail("x"));
}

}  // namespace
}  // namespace obauth::crypto
