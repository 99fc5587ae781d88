#include "consent/transaction.hpp"

#include <gtest/gtest.h>

#include <string>

namespace obauth::consent {
namespace {

Transaction Sample() {
  Transaction t;
  t.client_id = "dc-1";
  t.redirect_uri = "https://app.example/cb?x=1:2";
  t.state = std::string("12:34\0:5", 8);  // digits, colons and a NUL: carried as they are
  t.scope = "ACCOUNT_BASIC TRANSACTIONS";
  t.provider_id = 9000;
  t.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  t.language = Language::kFrench;
  t.customer_id = "";
  t.expires_at = 1796000000;
  t.session_digest = std::string(32, '\xff');
  t.upstream_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  return t;
}

TEST(TransactionCodec, EveryFieldReadsBackAsWritten) {
  const Transaction t = Sample();
  const auto back = DecodeTransaction(EncodeTransaction(t));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->client_id, t.client_id);
  EXPECT_EQ(back->redirect_uri, t.redirect_uri);
  EXPECT_EQ(back->state, t.state);
  EXPECT_EQ(back->scope, t.scope);
  EXPECT_EQ(back->provider_id, 9000);
  EXPECT_EQ(back->code_challenge, t.code_challenge);
  EXPECT_EQ(back->language, Language::kFrench);
  EXPECT_EQ(back->customer_id, "");
  EXPECT_EQ(back->expires_at, 1796000000);
  EXPECT_EQ(back->session_digest, t.session_digest);
  EXPECT_EQ(back->upstream_verifier, t.upstream_verifier);
}

TEST(TransactionCodec, TruncatedExtendedOrAlteredTextIsRefused) {
  const std::string text = EncodeTransaction(Sample());
  for (std::size_t cut = 0; cut < text.size(); ++cut) {
    EXPECT_FALSE(DecodeTransaction(text.substr(0, cut))) << "cut at " << cut;
  }
  EXPECT_FALSE(DecodeTransaction(text + "0:"));
  EXPECT_FALSE(DecodeTransaction("99999999:" + text));
  std::string bad_number = text;
  bad_number.replace(bad_number.rfind("10:1796000000"), 13, "10:17960000x0");
  EXPECT_FALSE(DecodeTransaction(bad_number));
}

}  // namespace
}  // namespace obauth::consent
