#include "app/provider_clients.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <string>

#include "app/catalogue_file.hpp"
#include "app/key_file.hpp"
#include "crypto/aead.hpp"
#include "crypto/base64url.hpp"
#include "crypto/derive_key.hpp"
#include "temp_sqlite.hpp"

namespace obauth::app {
namespace {

constexpr std::int64_t kFdx = 2000;
constexpr std::int64_t kOtherFdx = 2001;
constexpr std::int64_t kSandbox = 9000;
constexpr std::int64_t kNoConnector = 1000;
const std::string kSecret = "s3cr3t-at-the-provider-0123456789-~!@#$%^&*()";

class ProviderClientsTest : public test_support::TempSqliteTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempSqliteTest::SetUp());
    auto key = LoadServerKey(DefaultKeyFile(DbPath()), *store_);
    ASSERT_TRUE(key);
    server_key_ = std::move(*key);
    auto providers = ParseCatalogue(R"([
      {"provider_id": 2000, "name": "Upstream", "country": "CA", "scopes": ["ACCOUNT_BASIC"],
       "connector": {"type": "fdx", "issuer": "https://auth.upstream.example",
                     "fdx_base_url": "https://api.upstream.example/fdx/v5"}},
      {"provider_id": 2001, "name": "Other Upstream", "country": "CA", "scopes": ["ACCOUNT_BASIC"],
       "connector": {"type": "fdx", "issuer": "https://auth.other.example",
                     "fdx_base_url": "https://api.other.example/fdx/v5"}},
      {"provider_id": 9000, "name": "Sandbox", "country": "CA", "scopes": ["ACCOUNT_BASIC"],
       "connector": {"type": "sandbox"}},
      {"provider_id": 1000, "name": "Listed Only", "country": "CA", "scopes": ["ACCOUNT_BASIC"]}
    ])",
                                    0);
    ASSERT_TRUE(providers) << providers.error().public_message;
    ASSERT_TRUE(store_->UpsertProviders(*providers));
  }

  Result<StoredProviderClient> Store(std::int64_t provider_id, std::string client_id,
                                     std::string secret = kSecret) {
    return StoreProviderClient(*store_, *store_, server_key_, provider_id,
                               {std::move(client_id), Secret(std::move(secret))});
  }

  std::string Stored(std::int64_t provider_id) {
    auto value = store_->GetSetting(ProviderClientSetting(provider_id));
    EXPECT_TRUE(value);
    return value && *value ? **value : std::string("(none)");
  }

  // Every byte of the database's files (database and WAL).
  std::string DatabaseFiles() const {
    std::string all;
    for (const std::string& path : {DbPath(), DbPath() + "-wal"}) {
      std::ifstream in(path, std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
  }

  Secret server_key_;
};

TEST_F(ProviderClientsTest, StoredCredentialsLoadBackWithTheSecretAsASecret) {
  auto stored = Store(kFdx, "obauth-hub");
  ASSERT_TRUE(stored) << stored.error().public_message;
  EXPECT_EQ(stored->replaced_client_id, std::nullopt);
  auto loaded = LoadProviderClient(*store_, server_key_, kFdx);
  ASSERT_TRUE(loaded) << loaded.error().internal;
  EXPECT_EQ(loaded->client_id, "obauth-hub");
  EXPECT_EQ(loaded->client_secret.Expose(), kSecret);
  EXPECT_EQ(fmt::format("{}", loaded->client_secret), "***");
  // The longest secret and client id there may be.
  const std::string longest(kMaxProviderClientSecretLength, '~');
  ASSERT_TRUE(Store(kOtherFdx, std::string(kMaxProviderClientIdLength, 'c'), longest));
  auto other = LoadProviderClient(*store_, server_key_, kOtherFdx);
  ASSERT_TRUE(other) << other.error().internal;
  EXPECT_EQ(other->client_secret.Expose(), longest);
}

TEST_F(ProviderClientsTest, TheSettingHoldsTheClientIdAndTheSecretOnlySealed) {
  ASSERT_TRUE(Store(kFdx, "obauth-hub"));
  EXPECT_EQ(ProviderClientSetting(kFdx), "provider_client:2000");
  const std::string stored = Stored(kFdx);
  EXPECT_EQ(stored.find(kSecret), std::string::npos) << stored;
  const auto value = boost::json::parse(stored);
  ASSERT_TRUE(value.is_object()) << stored;
  const auto& object = value.as_object();
  ASSERT_EQ(object.size(), 2u) << stored;
  EXPECT_EQ(object.at("client_id").as_string(), "obauth-hub");
  // base64url(nonce || ciphertext || tag), sealed under the derived key and bound to the name.
  const auto sealed = crypto::Base64UrlDecode(object.at("sealed_secret").as_string());
  ASSERT_TRUE(sealed) << stored;
  EXPECT_EQ(sealed->size(), 12 + kSecret.size() + 16);
  EXPECT_EQ(sealed->find(kSecret), std::string::npos);
  auto opened =
      crypto::Open(crypto::DeriveKey(server_key_, crypto::KeyPurpose::kProviderClientSeal),
                   "provider_client:2000", *sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, kSecret);
  // Nor is it anywhere in the database's files.
  EXPECT_EQ(DatabaseFiles().find(kSecret), std::string::npos);
  EXPECT_NE(DatabaseFiles().find("obauth-hub"), std::string::npos);
}

TEST_F(ProviderClientsTest, AValueSealedForOneProviderDoesNotOpenAsAnothers) {
  ASSERT_TRUE(Store(kFdx, "hub-at-2000"));
  ASSERT_TRUE(Store(kOtherFdx, "hub-at-2001", "the-other-secret"));
  // Someone with write access to the database copies provider 2000's value over 2001's.
  const std::string copied = Stored(kFdx);
  auto replaced =
      store_->ReplaceSetting(ProviderClientSetting(kOtherFdx), Stored(kOtherFdx), copied);
  ASSERT_TRUE(replaced);
  ASSERT_EQ(*replaced, copied);
  auto loaded = LoadProviderClient(*store_, server_key_, kOtherFdx);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kInternal);
  EXPECT_NE(loaded.error().internal.find("provider_client:2001"), std::string::npos)
      << loaded.error().internal;
  EXPECT_EQ(loaded.error().internal.find(kSecret), std::string::npos);
  // Provider 2000's own value still opens.
  EXPECT_TRUE(LoadProviderClient(*store_, server_key_, kFdx));
}

TEST_F(ProviderClientsTest, AnotherServerKeyOrAnAlteredValueDoesNotOpen) {
  ASSERT_TRUE(Store(kFdx, "obauth-hub"));
  auto other_key = LoadProviderClient(*store_, Secret(std::string(32, 'x')), kFdx);
  ASSERT_FALSE(other_key);
  EXPECT_EQ(other_key.error().code, ErrorCode::kInternal);
  const std::string stored = Stored(kFdx);
  for (const std::string& altered :
       {std::string("not json"), std::string(R"({"client_id":"obauth-hub"})"),
        std::string(R"({"client_id":"obauth-hub","sealed_secret":"!!"})"),
        std::string(R"({"client_id":7,"sealed_secret":"AAAA"})"),
        stored.substr(0, stored.size() - 6) + "AAAA\"}"}) {
    std::string current = Stored(kFdx);
    ASSERT_TRUE(store_->ReplaceSetting(ProviderClientSetting(kFdx), current, altered));
    auto loaded = LoadProviderClient(*store_, server_key_, kFdx);
    ASSERT_FALSE(loaded) << altered;
    EXPECT_EQ(loaded.error().code, ErrorCode::kInternal) << altered;
  }
}

TEST_F(ProviderClientsTest, StoringAgainReplacesTheCredentialsAndSaysWhose) {
  ASSERT_TRUE(Store(kFdx, "first-client"));
  auto second = Store(kFdx, "second-client", "second-secret");
  ASSERT_TRUE(second) << second.error().public_message;
  EXPECT_EQ(second->replaced_client_id, std::optional<std::string>("first-client"));
  auto loaded = LoadProviderClient(*store_, server_key_, kFdx);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->client_id, "second-client");
  EXPECT_EQ(loaded->client_secret.Expose(), "second-secret");
  EXPECT_EQ(DatabaseFiles().find(kSecret), std::string::npos);
}

TEST_F(ProviderClientsTest, NothingStoredIsNotFound) {
  auto loaded = LoadProviderClient(*store_, server_key_, kFdx);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
}

TEST_F(ProviderClientsTest, OnlyAProviderWithAnFdxConnectorTakesCredentials) {
  struct Case {
    std::int64_t provider_id;
    ErrorCode code;
    std::string message;
  };
  const Case cases[] = {
      {4242, ErrorCode::kNotFound,
       "no Data Provider 4242 in the catalogue: import it first (obauth providers import)"},
      {kSandbox, ErrorCode::kConflict,
       "Data Provider 9000 has a sandbox connector: obauth holds client credentials only at "
       "providers with an fdx connector (docs/providers.md)"},
      {kNoConnector, ErrorCode::kConflict,
       "Data Provider 1000 has no connector: obauth holds client credentials only at providers "
       "with an fdx connector (docs/providers.md)"},
  };
  for (const Case& c : cases) {
    auto checked = CheckProviderClient(*store_, c.provider_id, "obauth-hub");
    ASSERT_FALSE(checked) << c.provider_id;
    EXPECT_EQ(checked.error().code, c.code);
    EXPECT_EQ(checked.error().public_message, c.message);
    auto stored = Store(c.provider_id, "obauth-hub");
    ASSERT_FALSE(stored) << c.provider_id;
    EXPECT_EQ(stored.error().code, c.code);
    EXPECT_EQ(stored.error().public_message, c.message);
    EXPECT_EQ(Stored(c.provider_id), "(none)");
  }
  EXPECT_TRUE(CheckProviderClient(*store_, kFdx, "obauth-hub"));
}

TEST_F(ProviderClientsTest, ClientIdsAndSecretsArePrintableAsciiOfBoundedLength) {
  const std::string id_rule = "the client id must be 1-256 printable ASCII characters";
  const std::string secret_rule = "the client secret must be 1-512 printable ASCII characters";
  struct Case {
    std::string client_id;
    std::string secret;
    std::string message;
  };
  const Case cases[] = {
      {"", kSecret, id_rule},
      {std::string(257, 'c'), kSecret, id_rule},
      {"tab\there", kSecret, id_rule},
      {"caf\xc3\xa9", kSecret, id_rule},
      {"obauth-hub", "", secret_rule},
      {"obauth-hub", std::string(513, 's'), secret_rule},
      {"obauth-hub", "line\nbreak", secret_rule},
      {"obauth-hub", "carriage\rreturn", secret_rule},
      {"obauth-hub", std::string("nul\0byte", 8), secret_rule},
      {"obauth-hub", "del\x7f", secret_rule},
      {"obauth-hub", "caf\xc3\xa9", secret_rule},
  };
  for (const Case& c : cases) {
    auto refused = Store(kFdx, c.client_id, c.secret);
    ASSERT_FALSE(refused) << c.message;
    EXPECT_EQ(refused.error().code, ErrorCode::kValidation);
    EXPECT_EQ(refused.error().public_message, c.message);
  }
  EXPECT_EQ(Stored(kFdx), "(none)");
  EXPECT_TRUE(Store(kFdx, "a b", " spaces are printable "));
}

}  // namespace
}  // namespace obauth::app
