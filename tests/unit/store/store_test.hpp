// StoreTest: the fixture of the store conformance suites, one per store interface
// (tests/unit/store/*_store_conformance.hpp, change_feed_conformance.hpp), each run against
// every backend. A backend instantiates every suite with a factory type:
//
//   struct MyFactory {
//     void SetUp();     // a fresh, empty database for one test
//     void TearDown();  // removes it
//     obauth::Result<std::unique_ptr<obauth::store::Database>> Open();  // may be called
//                                                                       // repeatedly; each
//                                                                       // opens the same data
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, ClientStoreConformance, MyFactory);
//
// and the client, recipient and connection suites also with Cached<MyFactory>, which puts a
// CachingStore in front of those three interfaces as main.cpp does. A test reaches each interface
// through the accessor of the same name (clients(), recipients(), audit(), replays(),
// providers(), settings(), connections(), changes()), so a suite may use the others to set up and
// check what it tests.
// Test names must be unique across the suites: ctest names a typed test
// unit.<Instantiation>.<Test><Factory>, without its suite.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/caching_store.hpp"
#include "store/database.hpp"

namespace obauth::store {

// Runs a suite on `Backend`'s database with a CachingStore, polling every `kPollMilliseconds`, in
// front of the client, recipient and connection interfaces.
template <class Backend, int kPollMilliseconds>
struct Cached : Backend {
  static constexpr std::chrono::milliseconds kCachePoll{kPollMilliseconds};
};

// One opened database, and the cache in front of it when asked for.
class TestStores {
 public:
  TestStores(std::unique_ptr<Database> database,
             std::optional<CachingStore::Clock::duration> cache_poll)
      : database_(std::move(database)) {
    if (cache_poll) cache_ = std::make_unique<CachingStore>(*database_, *cache_poll, 1000);
  }
  ~TestStores() { cache_.reset(); }  // before the database it reads

  ClientStore& clients() { return cache_ ? static_cast<ClientStore&>(*cache_) : *database_; }
  RecipientStore& recipients() {
    return cache_ ? static_cast<RecipientStore&>(*cache_) : *database_;
  }
  AuditStore& audit() { return *database_; }
  ReplayStore& replays() { return *database_; }
  ProviderStore& providers() { return *database_; }
  SettingStore& settings() { return *database_; }
  ConnectionStore& connections() {
    return cache_ ? static_cast<ConnectionStore&>(*cache_) : *database_;
  }
  ChangeFeed& changes() { return *database_; }

 private:
  std::unique_ptr<Database> database_;
  std::unique_ptr<CachingStore> cache_;
};

using Strings = std::vector<std::string>;

template <class Factory>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    factory_.SetUp();
    stores_ = OpenStores();
    ASSERT_NE(stores_, nullptr);
  }
  void TearDown() override {
    stores_.reset();
    factory_.TearDown();
  }

  // The test's data opened once more, as another instance would.
  std::unique_ptr<TestStores> OpenStores() {
    auto opened = factory_.Open();
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().internal);
    if (!opened) return nullptr;
    std::optional<CachingStore::Clock::duration> cache_poll;
    if constexpr (requires { Factory::kCachePoll; }) cache_poll = Factory::kCachePoll;
    return std::make_unique<TestStores>(std::move(*opened), cache_poll);
  }

  ClientStore& clients() { return stores_->clients(); }
  RecipientStore& recipients() { return stores_->recipients(); }
  AuditStore& audit() { return stores_->audit(); }
  ReplayStore& replays() { return stores_->replays(); }
  ProviderStore& providers() { return stores_->providers(); }
  SettingStore& settings() { return stores_->settings(); }
  ConnectionStore& connections() { return stores_->connections(); }
  ChangeFeed& changes() { return stores_->changes(); }

  // Expects kWouldBlock.
  template <class R>
  static void ExpectWouldBlock(const R& result, const char* call) {
    SCOPED_TRACE(call);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kWouldBlock);
  }

  static Partner MakePartner(std::string id, std::int64_t created_at = 1000) {
    std::string name = "Partner " + id;
    return Partner{std::move(id), std::move(name), created_at};
  }

  // A recipient with every optional field set, so a round trip checks them all.
  static Recipient MakeRecipient(std::string id, std::string partner_id,
                                 std::int64_t created_at = 2000) {
    Recipient r;
    r.client_id = std::move(id);
    r.partner_id = std::move(partner_id);
    r.name = "Acme Budgeting \xc3\xa9";
    r.scope = "ACCOUNT_BASIC TRANSACTIONS";
    r.redirect_uris = {"https://acme.example/cb", "https://acme.example/cb2"};
    r.logo_uri = "https://acme.example/logo.png";
    r.description = "Line one\nline two";
    r.terms_uri = "https://acme.example/terms";
    r.client_uri = "https://acme.example/";
    r.country = "CA";
    r.contact_emails = {"ops@acme.example", "security@acme.example"};
    r.created_at = created_at;
    r.updated_at = created_at;
    return r;
  }

  // Raw 32-byte hashes with NUL and high bytes, like real HMAC output.
  static std::string Hash(char seed) {
    std::string h(32, '\0');
    for (std::size_t i = 0; i < h.size(); ++i) {
      h[i] = static_cast<char>((i % 3 == 0) ? 0 : (seed + static_cast<char>(i * 7)));
    }
    h[31] = static_cast<char>(0xff);
    return h;
  }

  static AuditEvent Event(std::string partner_id, std::string action, std::string client_id,
                          std::int64_t at = 3000) {
    AuditEvent e;
    e.at = at;
    e.actor = partner_id;
    e.partner_id = std::move(partner_id);
    e.action = std::move(action);
    e.client_id = std::move(client_id);
    e.request_id = "req-" + std::to_string(at);
    e.source = "203.0.113.7:5555";
    e.options_json = R"({"k":1})";
    return e;
  }

  static Replay MakeReplay(std::string partner_id, std::string key, std::int64_t created_at,
                           std::string sealed = "sealed-bytes") {
    return Replay{std::move(partner_id), std::move(key), Hash('f'), std::move(sealed), created_at};
  }

  static Provider MakeProvider(std::int64_t id, std::string name = "Bank",
                               std::string country = "CA") {
    Provider p;
    p.provider_id = id;
    p.name = std::move(name);
    p.country = std::move(country);
    p.provider_url = "https://bank.example/";
    p.scope = "ACCOUNT_BASIC TRANSACTIONS";
    p.data_inventory = R"({"account":[],"customers":["name.first"]})";
    p.connector_name = "akoya";
    p.account_types = R"({"depositAccounts":"true"})";
    p.updated_at = 5000;
    return p;
  }

  void CreatePartnerOrFail(const std::string& id) {
    auto r = clients().CreatePartner(MakePartner(id), Hash('p'), Event(id, "partner.created", id));
    ASSERT_TRUE(r) << r.error().internal;
  }

  Result<void> CreateRecipient(const Recipient& recipient, const std::string& hash,
                               const Replay* replay = nullptr) {
    return recipients().CreateRecipient(
        recipient, hash, replay,
        Event(recipient.partner_id, "recipient.created", recipient.client_id));
  }

  void CreateRecipientOrFail(const std::string& id, const std::string& partner_id,
                             const std::string& hash) {
    auto r = CreateRecipient(MakeRecipient(id, partner_id), hash);
    ASSERT_TRUE(r) << r.error().internal;
  }

  Result<void> UpdateRecipient(const Recipient& recipient) {
    return recipients().UpdateRecipient(
        recipient, Event(recipient.partner_id, "recipient.updated", recipient.client_id));
  }

  Result<std::optional<std::int64_t>> Rotate(const std::string& partner_id,
                                             const std::string& client_id, const std::string& hash,
                                             std::int64_t now, std::int64_t grace = 0,
                                             bool revoke_tokens = false,
                                             const Replay* replay = nullptr) {
    return recipients().RotateSecret({partner_id, client_id, hash, now, grace, revoke_tokens},
                                     replay,
                                     Event(partner_id, "recipient.secret_rotated", client_id, now));
  }

  // The stored secret hashes of a client, current first.
  std::vector<std::string> Hashes(std::string_view client_id) {
    auto client = clients().FindClient(client_id);
    EXPECT_TRUE(client) << (client ? "" : client.error().internal);
    std::vector<std::string> out;
    if (client) {
      for (const auto& secret : client->secrets) out.push_back(secret.hash);
    }
    return out;
  }

  ClientCredentials Client(std::string_view client_id) {
    auto client = clients().FindClient(client_id);
    EXPECT_TRUE(client) << (client ? "" : client.error().internal);
    return client ? std::move(*client) : ClientCredentials{};
  }

  std::vector<AuditEvent> Events(const std::string& partner_id,
                                 std::optional<std::string> client_id = std::nullopt,
                                 std::optional<std::int64_t> before_id = std::nullopt,
                                 int limit = 200) {
    auto events = audit().ListAuditEvents({partner_id, std::move(client_id), before_id, limit});
    EXPECT_TRUE(events) << (events ? "" : events.error().internal);
    return events ? std::move(*events) : std::vector<AuditEvent>{};
  }

  std::vector<std::string> Actions(const std::string& partner_id) {
    std::vector<std::string> out;
    for (const auto& e : Events(partner_id)) out.push_back(e.action);
    return out;
  }

  Recipient GetOrFail(const std::string& partner_id, const std::string& client_id,
                      std::int64_t now = 3000) {
    auto got = recipients().GetRecipient(partner_id, client_id, now);
    EXPECT_TRUE(got) << (got ? "" : got.error().internal);
    return got ? std::move(*got) : Recipient{};
  }

  Factory factory_;
  std::unique_ptr<TestStores> stores_;
};

}  // namespace obauth::store
