// ConnectionStore conformance suite: the contract of store/connection_store.hpp: authorization
// codes and the customer's connections, run against every backend, and behind the cache
// (tests/unit/store/store_test.hpp says how). Where a connection is revoked, its recipient is
// read first, so that behind the cache the marker is seen only if the write dropped the client.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/connection_store.hpp"
#include "store/non_blocking_scope.hpp"
#include "store/store_test.hpp"

namespace obauth::store {

template <class Factory>
class ConnectionStoreConformance : public StoreTest<Factory> {
 protected:
  static constexpr std::int64_t kProvider = 9000;

  // pt-a with its recipients dc-1 ("Acme Budgeting é") and dc-2 ("Budget Buddy").
  void CreateRecipients() {
    this->CreatePartnerOrFail("pt-a");
    this->CreateRecipientOrFail("dc-1", "pt-a", this->Hash('1'));
    Recipient other = this->MakeRecipient("dc-2", "pt-a");
    other.name = "Budget Buddy";
    auto created = this->CreateRecipient(other, this->Hash('2'));
    ASSERT_TRUE(created) << created.error().internal;
  }

  static Consent MakeConsent(std::string client_id = "dc-1", std::string customer_id = "alice",
                             std::int64_t provider_id = kProvider) {
    std::string subject = "sub-" + customer_id + "-" + client_id;
    return Consent{std::move(client_id),         provider_id,
                   std::move(customer_id),       std::move(subject),
                   "ACCOUNT_BASIC TRANSACTIONS", {"acc-chq-1", "acc-sav-2"}};
  }

  static std::string CodeId(char seed) { return std::string("code-") + seed; }

  static AuthorizationCode MakeCode(char seed, Consent consent, std::int64_t created_at = 10000) {
    AuthorizationCode code;
    code.code_id = CodeId(seed);
    code.code_hash = StoreTest<Factory>::Hash(seed);
    code.consent = std::move(consent);
    code.redirect_uri = "https://acme.example/cb";
    code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    code.created_at = created_at;
    code.expires_at = created_at + 60;
    return code;
  }

  void CreateCodeOrFail(const AuthorizationCode& code) {
    auto created = this->connections().CreateCode(code);
    ASSERT_TRUE(created) << created.error().internal;
  }

  static Connection ConnectionOf(const AuthorizationCode& code, std::string connection_id,
                                 std::int64_t now) {
    Connection c;
    c.connection_id = std::move(connection_id);
    c.consent = code.consent;
    c.created_at = now;
    c.last_used_at = now;
    return c;
  }

  // Exchanges `code` at `now` for connection `connection_id` with the refresh hash Hash(seed),
  // on `store` (the test's by default); markers expire an hour after `now`. The connection
  // carries the code's upstream, as the code grant copies it.
  Result<Redemption> Redeem(const AuthorizationCode& code, const std::string& connection_id,
                            char refresh_seed, std::int64_t now, ConnectionStore* store = nullptr) {
    ConnectionStore& s = store ? *store : this->connections();
    const std::string& client = code.consent.client_id;
    AuditEvent reuse = this->Event("pt-a", "connection.revoked", client, now);
    reuse.options_json = R"({"reason":"code_reuse"})";
    Connection connection = ConnectionOf(code, connection_id, now);
    connection.upstream = code.upstream;
    return s.RedeemCode(code.code_id, code.code_hash, connection, this->Hash(refresh_seed), now,
                        now + 3600, this->Event("pt-a", "connection.created", client, now), reuse);
  }

  // Creates `code` and exchanges it.
  void ConnectOrFail(const AuthorizationCode& code, const std::string& connection_id,
                     char refresh_seed, std::int64_t now) {
    CreateCodeOrFail(code);
    auto redeemed = Redeem(code, connection_id, refresh_seed, now);
    ASSERT_TRUE(redeemed) << redeemed.error().internal;
    ASSERT_TRUE(redeemed->redeemed);
  }

  Connection GetOrFail(const std::string& connection_id) {
    auto got = this->connections().GetConnection(connection_id);
    EXPECT_TRUE(got) << (got ? "" : got.error().internal);
    return got ? std::move(*got) : Connection{};
  }

  // Sealed provider tokens as a connector stores them: base64url text of a few KiB.
  static std::string Sealed(char seed, std::size_t size = 3000) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out(1, seed);
    for (std::size_t i = 1; i < size; ++i) out += kAlphabet[(i * 7 + seed) % 64];
    return out;
  }

  void SetUpstreamOrFail(const std::string& connection_id,
                         const std::optional<std::string>& upstream) {
    auto set = this->connections().SetUpstream(connection_id, upstream);
    ASSERT_TRUE(set) << set.error().internal;
  }

  void RevokeOrFail(const std::string& connection_id, std::int64_t now) {
    auto revoked = this->connections().RevokeConnection(
        connection_id, now, now + 3600, this->Event("pt-a", "connection.revoked", "dc-1", now));
    ASSERT_TRUE(revoked) << revoked.error().internal;
    ASSERT_TRUE(*revoked) << connection_id;
  }

  std::vector<Connection> UpstreamRevocations(std::size_t limit) {
    auto listed = this->connections().ListUpstreamRevocations(limit);
    EXPECT_TRUE(listed) << (listed ? "" : listed.error().internal);
    return listed ? std::move(*listed) : std::vector<Connection>{};
  }

  std::int64_t CountActions(const std::string& action) {
    const auto actions = this->Actions("pt-a");
    return std::count(actions.begin(), actions.end(), action);
  }

  static std::vector<std::string> Ids(const std::vector<Connection>& connections) {
    std::vector<std::string> out;
    for (const auto& c : connections) out.push_back(c.connection_id);
    return out;
  }
};

TYPED_TEST_SUITE_P(ConnectionStoreConformance);

TYPED_TEST_P(ConnectionStoreConformance, CodeIsStoredAndFoundByItsHash) {
  this->CreateRecipients();
  const AuthorizationCode code = this->MakeCode('a', this->MakeConsent());
  this->CreateCodeOrFail(code);
  AuthorizationCode plain = this->MakeCode('b', this->MakeConsent("dc-2", "bob"), 20000);
  plain.code_challenge.reset();
  plain.consent.accounts.clear();
  this->CreateCodeOrFail(plain);

  auto found = this->connections().FindCode(code.code_id, code.code_hash);
  ASSERT_TRUE(found) << found.error().internal;
  EXPECT_EQ(found->code_hash, code.code_hash);
  EXPECT_EQ(found->consent.client_id, "dc-1");
  EXPECT_EQ(found->consent.provider_id, 9000);
  EXPECT_EQ(found->consent.customer_id, "alice");
  EXPECT_EQ(found->consent.subject, "sub-alice-dc-1");
  EXPECT_EQ(found->consent.scope, "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(found->consent.accounts, (Strings{"acc-chq-1", "acc-sav-2"}));
  EXPECT_EQ(found->redirect_uri, "https://acme.example/cb");
  EXPECT_EQ(found->code_challenge, code.code_challenge);
  EXPECT_EQ(found->created_at, 10000);
  EXPECT_EQ(found->expires_at, 10060);
  EXPECT_EQ(found->redeemed_at, std::nullopt);
  EXPECT_EQ(found->connection_id, std::nullopt);
  auto other = this->connections().FindCode(plain.code_id, plain.code_hash);
  ASSERT_TRUE(other) << other.error().internal;
  EXPECT_EQ(other->consent.client_id, "dc-2");
  EXPECT_EQ(other->code_challenge, std::nullopt);
  EXPECT_TRUE(other->consent.accounts.empty());

  auto missing = this->connections().FindCode(this->CodeId('z'), this->Hash('z'));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  // The id alone finds nothing: the hash of the whole code must match too.
  auto guessed = this->connections().FindCode(code.code_id, plain.code_hash);
  ASSERT_FALSE(guessed);
  EXPECT_EQ(guessed.error().code, ErrorCode::kNotFound);
  auto again = this->connections().CreateCode(code);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  for (const char* account : {"", "two words"}) {
    AuthorizationCode bad = this->MakeCode('c', this->MakeConsent());
    bad.consent.accounts = {"acc-1", account};
    auto refused = this->connections().CreateCode(bad);
    ASSERT_FALSE(refused) << "'" << account << "'";
    EXPECT_EQ(refused.error().code, ErrorCode::kValidation);
  }
  auto never = this->connections().FindCode(this->CodeId('c'), this->Hash('c'));
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(ConnectionStoreConformance, FirstExchangeCreatesTheConnectionWithTheCodesConsent) {
  this->CreateRecipients();
  const AuthorizationCode code = this->MakeCode('a', this->MakeConsent());
  this->CreateCodeOrFail(code);
  EXPECT_TRUE(this->Client("dc-1").revoked_tokens.empty());
  AuthorizationCode forged = code;
  forged.code_hash = this->Hash('f');
  auto refused = this->Redeem(forged, "cn-0", 'q', 10005);
  ASSERT_FALSE(refused) << "the code's id with another hash";
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  auto redeemed = this->Redeem(code, "cn-1", 'r', 10010);
  ASSERT_TRUE(redeemed) << redeemed.error().internal;
  EXPECT_TRUE(redeemed->redeemed);
  EXPECT_EQ(redeemed->revoked_connection_id, std::nullopt);
  EXPECT_TRUE(redeemed->superseded_connection_ids.empty());

  auto exchanged = this->connections().FindCode(code.code_id, code.code_hash);
  ASSERT_TRUE(exchanged);
  EXPECT_EQ(exchanged->redeemed_at, std::optional<std::int64_t>(10010));
  EXPECT_EQ(exchanged->connection_id, std::optional<std::string>("cn-1"));

  const Connection c = this->GetOrFail("cn-1");
  EXPECT_EQ(c.connection_id, "cn-1");
  EXPECT_EQ(c.consent.client_id, "dc-1");
  EXPECT_EQ(c.consent.provider_id, 9000);
  EXPECT_EQ(c.consent.customer_id, "alice");
  EXPECT_EQ(c.consent.subject, "sub-alice-dc-1");
  EXPECT_EQ(c.consent.scope, "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(c.consent.accounts, (Strings{"acc-chq-1", "acc-sav-2"}));
  EXPECT_EQ(c.client_name, "Acme Budgeting \xc3\xa9");
  EXPECT_EQ(c.created_at, 10010);
  EXPECT_EQ(c.last_used_at, 10010);
  EXPECT_EQ(c.revoked_at, std::nullopt);

  auto by_refresh = this->connections().FindConnectionByRefresh("cn-1", this->Hash('r'));
  ASSERT_TRUE(by_refresh) << by_refresh.error().internal;
  EXPECT_EQ(by_refresh->connection_id, "cn-1");
  EXPECT_EQ(by_refresh->client_name, "Acme Budgeting \xc3\xa9");
  auto no_refresh = this->connections().FindConnectionByRefresh("cn-1", this->Hash('s'));
  ASSERT_FALSE(no_refresh);
  EXPECT_EQ(no_refresh.error().code, ErrorCode::kNotFound);
  auto other_id = this->connections().FindConnectionByRefresh("cn-2", this->Hash('r'));
  ASSERT_FALSE(other_id);
  EXPECT_EQ(other_id.error().code, ErrorCode::kNotFound);
  auto no_connection = this->connections().GetConnection("cn-none");
  ASSERT_FALSE(no_connection);
  EXPECT_EQ(no_connection.error().code, ErrorCode::kNotFound);

  const auto events = this->Events("pt-a", std::string("dc-1"));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].action, "connection.created");
  EXPECT_EQ(events[0].at, 10010);
  EXPECT_TRUE(this->Client("dc-1").revoked_tokens.empty()) << "nothing was revoked";
}

TYPED_TEST_P(ConnectionStoreConformance, SecondExchangeRevokesTheFirstConnectionAndListsItsMarker) {
  this->CreateRecipients();
  const AuthorizationCode code = this->MakeCode('a', this->MakeConsent());
  this->ConnectOrFail(code, "cn-1", 'r', 10010);
  EXPECT_TRUE(this->Client("dc-1").revoked_tokens.empty());  // cached behind the cache

  auto reused = this->Redeem(code, "cn-2", 's', 10020);
  ASSERT_TRUE(reused) << reused.error().internal;
  EXPECT_FALSE(reused->redeemed);
  EXPECT_EQ(reused->revoked_connection_id, std::optional<std::string>("cn-1"));
  EXPECT_TRUE(reused->superseded_connection_ids.empty());
  EXPECT_EQ(this->GetOrFail("cn-1").revoked_at, std::optional<std::int64_t>(10020));
  auto second = this->connections().GetConnection("cn-2");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kNotFound) << "no connection for the reuse";
  auto by_refresh = this->connections().FindConnectionByRefresh("cn-1", this->Hash('r'));
  ASSERT_TRUE(by_refresh);
  EXPECT_EQ(by_refresh->revoked_at, std::optional<std::int64_t>(10020)) << "found, revoked";
  auto code_after = this->connections().FindCode(code.code_id, code.code_hash);
  ASSERT_TRUE(code_after);
  EXPECT_EQ(code_after->redeemed_at, std::optional<std::int64_t>(10010));
  EXPECT_EQ(code_after->connection_id, std::optional<std::string>("cn-1"));

  const ClientCredentials client = this->Client("dc-1");
  EXPECT_EQ(client.revoked_tokens.size(), 1u);
  EXPECT_TRUE(client.revoked_tokens.Contains(ConnectionTokenMarker("cn-1")));
  EXPECT_TRUE(this->Client("dc-2").revoked_tokens.empty());
  EXPECT_EQ(this->CountActions("connection.revoked"), 1);
  EXPECT_EQ(this->Events("pt-a")[0].options_json, R"({"reason":"code_reuse"})");

  // Once more: the connection is revoked already; nothing is written.
  auto third = this->Redeem(code, "cn-3", 't', 10030);
  ASSERT_TRUE(third) << third.error().internal;
  EXPECT_FALSE(third->redeemed);
  EXPECT_EQ(third->revoked_connection_id, std::nullopt);
  EXPECT_EQ(this->GetOrFail("cn-1").revoked_at, std::optional<std::int64_t>(10020));
  EXPECT_EQ(this->CountActions("connection.revoked"), 1);
  EXPECT_EQ(this->CountActions("connection.created"), 1);

  // The marker is purged with the revoked tokens once every token of the connection expired.
  auto kept = this->clients().PurgeRevokedTokens(10020 + 3600);
  ASSERT_TRUE(kept);
  EXPECT_EQ(*kept, 0);
  auto purged = this->clients().PurgeRevokedTokens(10020 + 3601);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1);
  EXPECT_TRUE(this->Client("dc-1").revoked_tokens.empty());
}

TYPED_TEST_P(ConnectionStoreConformance, ExchangingAnUnknownCodeIsNotFoundAndChangesNothing) {
  this->CreateRecipients();
  const AuthorizationCode code = this->MakeCode('a', this->MakeConsent());
  auto redeemed = this->Redeem(code, "cn-1", 'r', 10010);
  ASSERT_FALSE(redeemed);
  EXPECT_EQ(redeemed.error().code, ErrorCode::kNotFound);
  auto connection = this->connections().GetConnection("cn-1");
  ASSERT_FALSE(connection);
  EXPECT_EQ(connection.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->CountActions("connection.created"), 0);
}

// Several threads, on two stores of the same database (as two instances), exchange one code at
// once: exactly one creates its connection; the first to come after it revokes that connection.
TYPED_TEST_P(ConnectionStoreConformance, ConcurrentExchangesOfOneCodeRedeemItExactlyOnce) {
  this->CreateRecipients();
  auto other = this->OpenStores();
  ASSERT_NE(other, nullptr);
  const AuthorizationCode code = this->MakeCode('a', this->MakeConsent());
  this->CreateCodeOrFail(code);
  constexpr int kThreads = 8;
  std::vector<std::optional<Result<Redemption>>> results(kThreads);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        ConnectionStore* store = i % 2 == 0 ? nullptr : &other->connections();
        results[static_cast<std::size_t>(i)] = this->Redeem(
            code, "cn-" + std::to_string(i), static_cast<char>('A' + i), 10010 + i, store);
      });
    }
    for (auto& t : threads) t.join();
  }
  std::vector<std::string> winners;
  std::vector<std::string> revoked;
  for (int i = 0; i < kThreads; ++i) {
    const auto& result = *results[static_cast<std::size_t>(i)];
    ASSERT_TRUE(result) << i << ": " << result.error().internal;
    if (result->redeemed) winners.push_back("cn-" + std::to_string(i));
    if (result->revoked_connection_id) revoked.push_back(*result->revoked_connection_id);
  }
  ASSERT_EQ(winners.size(), 1u);
  EXPECT_EQ(revoked, winners) << "revoked once, by the first call after the exchange";
  auto found = this->connections().FindCode(code.code_id, code.code_hash);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->connection_id, std::optional<std::string>(winners[0]));
  EXPECT_TRUE(this->GetOrFail(winners[0]).revoked_at.has_value());
  auto listed = this->connections().ListConnections("dc-1", {std::nullopt, 100});
  ASSERT_TRUE(listed);
  EXPECT_EQ(this->Ids(listed->items), winners);
  EXPECT_TRUE(this->Client("dc-1").revoked_tokens.Contains(ConnectionTokenMarker(winners[0])));
  EXPECT_EQ(this->CountActions("connection.created"), 1);
  EXPECT_EQ(this->CountActions("connection.revoked"), 1);
}

// Exchanges of different codes of one recipient, provider and customer at once, on two stores:
// each succeeds and supersedes the one before, so one connection is left live.
TYPED_TEST_P(ConnectionStoreConformance, ConcurrentExchangesForOneTripleLeaveOneLiveConnection) {
  this->CreateRecipients();
  auto other = this->OpenStores();
  ASSERT_NE(other, nullptr);
  constexpr int kThreads = 8;
  std::vector<AuthorizationCode> codes;
  for (int i = 0; i < kThreads; ++i) {
    codes.push_back(this->MakeCode(static_cast<char>('a' + i), this->MakeConsent()));
    this->CreateCodeOrFail(codes.back());
  }
  std::vector<std::optional<Result<Redemption>>> results(kThreads);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        ConnectionStore* store = i % 2 == 0 ? nullptr : &other->connections();
        results[static_cast<std::size_t>(i)] =
            this->Redeem(codes[static_cast<std::size_t>(i)], "cn-" + std::to_string(i),
                         static_cast<char>('A' + i), 10010, store);
      });
    }
    for (auto& t : threads) t.join();
  }
  std::size_t superseded = 0;
  for (int i = 0; i < kThreads; ++i) {
    const auto& result = *results[static_cast<std::size_t>(i)];
    ASSERT_TRUE(result) << i << ": " << result.error().internal;
    EXPECT_TRUE(result->redeemed) << i;
    EXPECT_LE(result->superseded_connection_ids.size(), 1u) << i;
    superseded += result->superseded_connection_ids.size();
  }
  EXPECT_EQ(superseded, static_cast<std::size_t>(kThreads - 1));
  auto live = this->connections().ListCustomerConnections(this->kProvider, "alice");
  ASSERT_TRUE(live) << live.error().internal;
  EXPECT_EQ(live->size(), 1u);
  EXPECT_EQ(this->Client("dc-1").revoked_tokens.size(), static_cast<std::size_t>(kThreads - 1));
}

TYPED_TEST_P(ConnectionStoreConformance, ExchangeSupersedesTheLiveConnectionOfTheSameTriple) {
  this->CreateRecipients();
  this->ConnectOrFail(this->MakeCode('a', this->MakeConsent()), "cn-1", 'r', 10010);
  // Other recipients, customers and providers keep theirs.
  this->ConnectOrFail(this->MakeCode('b', this->MakeConsent("dc-1", "bob")), "cn-bob", 'b', 10011);
  this->ConnectOrFail(this->MakeCode('c', this->MakeConsent("dc-2")), "cn-dc2", 'c', 10012);
  this->ConnectOrFail(this->MakeCode('d', this->MakeConsent("dc-1", "alice", 9001)), "cn-9001", 'd',
                      10013);
  EXPECT_TRUE(this->Client("dc-1").revoked_tokens.empty());

  const AuthorizationCode again = this->MakeCode('e', this->MakeConsent(), 10100);
  this->CreateCodeOrFail(again);
  auto redeemed = this->Redeem(again, "cn-2", 's', 10110);
  ASSERT_TRUE(redeemed) << redeemed.error().internal;
  EXPECT_TRUE(redeemed->redeemed);
  EXPECT_EQ(redeemed->revoked_connection_id, std::nullopt);
  EXPECT_EQ(redeemed->superseded_connection_ids, Strings{"cn-1"});
  EXPECT_EQ(this->GetOrFail("cn-1").revoked_at, std::optional<std::int64_t>(10110));
  EXPECT_EQ(this->GetOrFail("cn-2").revoked_at, std::nullopt);
  for (const char* kept : {"cn-bob", "cn-dc2", "cn-9001"}) {
    EXPECT_EQ(this->GetOrFail(kept).revoked_at, std::nullopt) << kept;
  }
  const ClientCredentials client = this->Client("dc-1");
  EXPECT_EQ(client.revoked_tokens.size(), 1u);
  EXPECT_TRUE(client.revoked_tokens.Contains(ConnectionTokenMarker("cn-1")));
  EXPECT_EQ(this->CountActions("connection.created"), 5);
  EXPECT_EQ(this->CountActions("connection.revoked"), 0) << "the caller audits what it needs";
}

TYPED_TEST_P(ConnectionStoreConformance, RevokeConnectionRevokesOnceAndListsItsMarker) {
  this->CreateRecipients();
  this->ConnectOrFail(this->MakeCode('a', this->MakeConsent()), "cn-1", 'r', 10010);
  EXPECT_TRUE(this->Client("dc-1").revoked_tokens.empty());
  const AuditEvent audit = this->Event("pt-a", "connection.revoked", "dc-1", 10500);
  auto first = this->connections().RevokeConnection("cn-1", 10500, 14100, audit);
  ASSERT_TRUE(first) << first.error().internal;
  EXPECT_TRUE(*first);
  EXPECT_EQ(this->GetOrFail("cn-1").revoked_at, std::optional<std::int64_t>(10500));
  EXPECT_TRUE(this->Client("dc-1").revoked_tokens.Contains(ConnectionTokenMarker("cn-1")));
  EXPECT_EQ(this->CountActions("connection.revoked"), 1);

  auto second = this->connections().RevokeConnection("cn-1", 10600, 14200, audit);
  ASSERT_TRUE(second) << second.error().internal;
  EXPECT_FALSE(*second);
  EXPECT_EQ(this->GetOrFail("cn-1").revoked_at, std::optional<std::int64_t>(10500));
  EXPECT_EQ(this->CountActions("connection.revoked"), 1) << "nothing recorded the second time";

  auto missing = this->connections().RevokeConnection("cn-none", 10600, 14200, audit);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  // The marker lasts until marker_expires_at.
  auto kept = this->clients().PurgeRevokedTokens(14100);
  ASSERT_TRUE(kept);
  EXPECT_EQ(*kept, 0);
}

TYPED_TEST_P(ConnectionStoreConformance, ConnectionPagesAreOldestFirstLiveAndRevoked) {
  this->CreateRecipients();
  // Created out of insertion order: the list follows created_at, then insertion.
  this->ConnectOrFail(this->MakeCode('a', this->MakeConsent("dc-1", "u1")), "cn-a", 'a', 300);
  this->ConnectOrFail(this->MakeCode('b', this->MakeConsent("dc-1", "u2")), "cn-b", 'b', 100);
  this->ConnectOrFail(this->MakeCode('c', this->MakeConsent("dc-1", "u3")), "cn-c", 'c', 200);
  this->ConnectOrFail(this->MakeCode('d', this->MakeConsent("dc-1", "u4")), "cn-d", 'd', 200);
  this->ConnectOrFail(this->MakeCode('e', this->MakeConsent("dc-2", "u1")), "cn-other", 'e', 50);
  auto revoked = this->connections().RevokeConnection(
      "cn-c", 400, 4000, this->Event("pt-a", "connection.revoked", "dc-1", 400));
  ASSERT_TRUE(revoked && *revoked);

  auto first = this->connections().ListConnections("dc-1", {std::nullopt, 2});
  ASSERT_TRUE(first) << first.error().internal;
  EXPECT_EQ(this->Ids(first->items), (Strings{"cn-b", "cn-c"}));
  EXPECT_EQ(first->items[1].revoked_at, std::optional<std::int64_t>(400));
  EXPECT_EQ(first->items[0].client_name, "Acme Budgeting \xc3\xa9");
  ASSERT_TRUE(first->next);
  EXPECT_EQ(first->next->created_at, 200);
  // A connection created between the pages, after the page's end, is not skipped.
  this->ConnectOrFail(this->MakeCode('f', this->MakeConsent("dc-1", "u5")), "cn-f", 'f', 200);
  auto second = this->connections().ListConnections("dc-1", {first->next, 2});
  ASSERT_TRUE(second) << second.error().internal;
  EXPECT_EQ(this->Ids(second->items), (Strings{"cn-d", "cn-f"}));
  ASSERT_TRUE(second->next);
  auto last = this->connections().ListConnections("dc-1", {second->next, 2});
  ASSERT_TRUE(last);
  EXPECT_EQ(this->Ids(last->items), (Strings{"cn-a"}));
  EXPECT_FALSE(last->next);

  // A page also ends once its text reaches max_bytes (at least one item).
  auto small = this->connections().ListConnections("dc-1", {std::nullopt, 10, 1});
  ASSERT_TRUE(small);
  EXPECT_EQ(this->Ids(small->items), (Strings{"cn-b"}));
  ASSERT_TRUE(small->next);
  auto others = this->connections().ListConnections("dc-2", {std::nullopt, 10});
  ASSERT_TRUE(others);
  EXPECT_EQ(this->Ids(others->items), (Strings{"cn-other"}));
  EXPECT_EQ(others->items[0].client_name, "Budget Buddy");
  EXPECT_FALSE(others->next);
  auto none = this->connections().ListConnections("dc-none", {std::nullopt, 10});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->items.empty());
}

TYPED_TEST_P(ConnectionStoreConformance, CustomerListHasTheLiveConnectionsWithRecipientsNames) {
  this->CreateRecipients();
  this->ConnectOrFail(this->MakeCode('a', this->MakeConsent("dc-2")), "cn-1", 'a', 100);
  this->ConnectOrFail(this->MakeCode('b', this->MakeConsent("dc-1")), "cn-2", 'b', 200);
  // Superseded: cn-1 is revoked, cn-3 replaces it.
  this->ConnectOrFail(this->MakeCode('c', this->MakeConsent("dc-2")), "cn-3", 'c', 300);
  // Another customer, another provider.
  this->ConnectOrFail(this->MakeCode('d', this->MakeConsent("dc-1", "bob")), "cn-4", 'd', 50);
  this->ConnectOrFail(this->MakeCode('e', this->MakeConsent("dc-1", "alice", 9001)), "cn-5", 'e',
                      50);

  auto listed = this->connections().ListCustomerConnections(this->kProvider, "alice");
  ASSERT_TRUE(listed) << listed.error().internal;
  EXPECT_EQ(this->Ids(*listed), (Strings{"cn-2", "cn-3"}));
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].client_name, "Acme Budgeting \xc3\xa9");
  EXPECT_EQ((*listed)[1].client_name, "Budget Buddy");
  EXPECT_EQ((*listed)[1].consent.accounts, (Strings{"acc-chq-1", "acc-sav-2"}));
  EXPECT_EQ((*listed)[1].revoked_at, std::nullopt);

  ASSERT_TRUE(this->connections().RevokeConnection(
      "cn-2", 400, 4000, this->Event("pt-a", "connection.revoked", "dc-1", 400)));
  auto after = this->connections().ListCustomerConnections(this->kProvider, "alice");
  ASSERT_TRUE(after);
  EXPECT_EQ(this->Ids(*after), (Strings{"cn-3"}));
  auto nobody = this->connections().ListCustomerConnections(this->kProvider, "carol");
  ASSERT_TRUE(nobody);
  EXPECT_TRUE(nobody->empty());
}

TYPED_TEST_P(ConnectionStoreConformance, PurgeCodesForgetsThoseThatExpiredBeforeTheCutoff) {
  this->CreateRecipients();
  this->ConnectOrFail(this->MakeCode('a', this->MakeConsent(), 100), "cn-1", 'r', 110);  // 160
  this->CreateCodeOrFail(this->MakeCode('b', this->MakeConsent("dc-1", "bob"), 150));    // 210
  this->CreateCodeOrFail(this->MakeCode('c', this->MakeConsent("dc-2"), 200));           // 260

  auto purged = this->connections().PurgeCodes(211);
  ASSERT_TRUE(purged) << purged.error().internal;
  EXPECT_EQ(*purged, 2);
  for (char gone : {'a', 'b'}) {
    auto found = this->connections().FindCode(this->CodeId(gone), this->Hash(gone));
    ASSERT_FALSE(found) << gone;
    EXPECT_EQ(found.error().code, ErrorCode::kNotFound);
  }
  EXPECT_TRUE(this->connections().FindCode(this->CodeId('c'), this->Hash('c')));
  EXPECT_EQ(this->GetOrFail("cn-1").revoked_at, std::nullopt) << "connections are kept";
  auto none = this->connections().PurgeCodes(211);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
}

TYPED_TEST_P(ConnectionStoreConformance, TouchConnectionRecordsTheLastUseAndNeverMovesItBack) {
  this->CreateRecipients();
  this->ConnectOrFail(this->MakeCode('a', this->MakeConsent()), "cn-1", 'r', 10010);
  ASSERT_TRUE(this->connections().TouchConnections({{"cn-1", 12000}}));
  EXPECT_EQ(this->GetOrFail("cn-1").last_used_at, 12000);
  ASSERT_TRUE(this->connections().TouchConnections({{"cn-1", 11000}}));
  EXPECT_EQ(this->GetOrFail("cn-1").last_used_at, 12000);
  EXPECT_EQ(this->GetOrFail("cn-1").created_at, 10010);
  EXPECT_TRUE(this->connections().TouchConnections({{"cn-none", 12000}}));
}

TYPED_TEST_P(ConnectionStoreConformance, CodesUpstreamTokensReadBackAndAbsentStaysAbsent) {
  this->CreateRecipients();
  AuthorizationCode fdx = this->MakeCode('a', this->MakeConsent());
  fdx.upstream = this->Sealed('u');
  this->CreateCodeOrFail(fdx);
  const AuthorizationCode sandbox = this->MakeCode('b', this->MakeConsent("dc-1", "bob"));
  this->CreateCodeOrFail(sandbox);

  auto found = this->connections().FindCode(fdx.code_id, fdx.code_hash);
  ASSERT_TRUE(found) << found.error().internal;
  EXPECT_EQ(found->upstream, fdx.upstream);
  auto plain = this->connections().FindCode(sandbox.code_id, sandbox.code_hash);
  ASSERT_TRUE(plain) << plain.error().internal;
  EXPECT_EQ(plain->upstream, std::nullopt);
  // The exchange leaves the code's tokens as they were.
  ASSERT_TRUE(this->Redeem(fdx, "cn-1", 'r', 10010));
  auto exchanged = this->connections().FindCode(fdx.code_id, fdx.code_hash);
  ASSERT_TRUE(exchanged);
  EXPECT_EQ(exchanged->upstream, fdx.upstream);
}

TYPED_TEST_P(ConnectionStoreConformance, ExchangedConnectionCarriesTheUpstreamTokensGiven) {
  this->CreateRecipients();
  AuthorizationCode fdx = this->MakeCode('a', this->MakeConsent());
  fdx.upstream = this->Sealed('u');
  this->ConnectOrFail(fdx, "cn-fdx", 'r', 10010);
  this->ConnectOrFail(this->MakeCode('b', this->MakeConsent("dc-2", "bob")), "cn-plain", 's',
                      10020);

  EXPECT_EQ(this->GetOrFail("cn-fdx").upstream, fdx.upstream);
  EXPECT_EQ(this->GetOrFail("cn-plain").upstream, std::nullopt);
  auto by_refresh = this->connections().FindConnectionByRefresh("cn-fdx", this->Hash('r'));
  ASSERT_TRUE(by_refresh) << by_refresh.error().internal;
  EXPECT_EQ(by_refresh->upstream, fdx.upstream);
  auto customer = this->connections().ListCustomerConnections(this->kProvider, "alice");
  ASSERT_TRUE(customer) << customer.error().internal;
  ASSERT_EQ(customer->size(), 1u);
  EXPECT_EQ((*customer)[0].upstream, fdx.upstream);
  auto page = this->connections().ListConnections("dc-1", {std::nullopt, 10});
  ASSERT_TRUE(page) << page.error().internal;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].upstream, fdx.upstream);
}

TYPED_TEST_P(ConnectionStoreConformance, SetUpstreamReplacesAndClearsTheConnectionsTokens) {
  this->CreateRecipients();
  AuthorizationCode fdx = this->MakeCode('a', this->MakeConsent());
  fdx.upstream = this->Sealed('u');
  this->ConnectOrFail(fdx, "cn-1", 'r', 10010);
  this->ConnectOrFail(this->MakeCode('b', this->MakeConsent("dc-2")), "cn-2", 's', 10020);
  // Read once, so that behind the cache the change must drop the copy.
  EXPECT_EQ(this->GetOrFail("cn-1").upstream, fdx.upstream);
  ASSERT_TRUE(this->connections().FindConnectionByRefresh("cn-1", this->Hash('r')));

  const std::string refreshed = this->Sealed('v', 4096);
  this->SetUpstreamOrFail("cn-1", refreshed);
  EXPECT_EQ(this->GetOrFail("cn-1").upstream, std::optional<std::string>(refreshed));
  auto by_refresh = this->connections().FindConnectionByRefresh("cn-1", this->Hash('r'));
  ASSERT_TRUE(by_refresh) << by_refresh.error().internal;
  EXPECT_EQ(by_refresh->upstream, std::optional<std::string>(refreshed));
  const Connection other = this->GetOrFail("cn-2");
  EXPECT_EQ(other.upstream, std::nullopt) << "only that connection changes";
  // The same value again is not an error.
  this->SetUpstreamOrFail("cn-1", refreshed);

  this->SetUpstreamOrFail("cn-1", std::nullopt);
  const Connection cleared = this->GetOrFail("cn-1");
  EXPECT_EQ(cleared.upstream, std::nullopt);
  EXPECT_EQ(cleared.revoked_at, std::nullopt);
  EXPECT_EQ(cleared.last_used_at, 10010) << "nothing else changes";
  auto cleared_by_refresh = this->connections().FindConnectionByRefresh("cn-1", this->Hash('r'));
  ASSERT_TRUE(cleared_by_refresh);
  EXPECT_EQ(cleared_by_refresh->upstream, std::nullopt);
  // A connection that had none may be given some.
  this->SetUpstreamOrFail("cn-2", this->Sealed('w'));
  EXPECT_EQ(this->GetOrFail("cn-2").upstream, std::optional<std::string>(this->Sealed('w')));

  for (const std::optional<std::string>& upstream :
       {std::optional<std::string>(refreshed), std::optional<std::string>()}) {
    auto missing = this->connections().SetUpstream("cn-none", upstream);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  }
  auto none = this->connections().GetConnection("cn-none");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound) << "SetUpstream creates nothing";
}

TYPED_TEST_P(ConnectionStoreConformance, UpstreamRevocationsListRevokedConnectionsWithTokens) {
  this->CreateRecipients();
  const auto connect = [&](char seed, const std::string& customer, const std::string& id,
                           bool with_upstream) {
    AuthorizationCode code = this->MakeCode(seed, this->MakeConsent("dc-1", customer));
    if (with_upstream) code.upstream = this->Sealed(seed);
    this->ConnectOrFail(code, id, seed, 10000);
  };
  connect('a', "u1", "cn-a", true);
  connect('b', "u2", "cn-b", true);
  connect('c', "u3", "cn-c", true);
  connect('d', "u4", "cn-d", false);  // revoked, but holds no tokens
  connect('e', "u5", "cn-e", true);   // live
  connect('f', "u6", "cn-f", true);
  EXPECT_TRUE(this->UpstreamRevocations(10).empty()) << "none revoked yet";

  // Revoked out of insertion order; cn-f and cn-a at the same second.
  this->RevokeOrFail("cn-c", 10100);
  this->RevokeOrFail("cn-d", 10150);
  this->RevokeOrFail("cn-f", 10200);
  this->RevokeOrFail("cn-a", 10200);
  this->RevokeOrFail("cn-b", 10300);

  // Revocation order, then insertion order; full records.
  const auto all = this->UpstreamRevocations(10);
  EXPECT_EQ(this->Ids(all), (Strings{"cn-c", "cn-a", "cn-f", "cn-b"}));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].upstream, std::optional<std::string>(this->Sealed('c')));
  EXPECT_EQ(all[0].revoked_at, std::optional<std::int64_t>(10100));
  EXPECT_EQ(all[0].client_name, "Acme Budgeting \xc3\xa9");
  EXPECT_EQ(all[0].consent.customer_id, "u3");
  EXPECT_EQ(all[0].consent.accounts, (Strings{"acc-chq-1", "acc-sav-2"}));
  EXPECT_EQ(all[1].upstream, std::optional<std::string>(this->Sealed('a')));
  EXPECT_EQ(this->Ids(this->UpstreamRevocations(2)), (Strings{"cn-c", "cn-a"}));
  EXPECT_EQ(this->Ids(this->UpstreamRevocations(1)), (Strings{"cn-c"}));
  EXPECT_TRUE(this->UpstreamRevocations(0).empty());

  // Revoked at the provider: forgotten.
  this->SetUpstreamOrFail("cn-c", std::nullopt);
  this->SetUpstreamOrFail("cn-f", std::nullopt);
  EXPECT_EQ(this->Ids(this->UpstreamRevocations(10)), (Strings{"cn-a", "cn-b"}));
  EXPECT_EQ(this->Ids(this->UpstreamRevocations(1)), (Strings{"cn-a"}));
  // A connection revoked later joins the end.
  this->RevokeOrFail("cn-e", 10400);
  EXPECT_EQ(this->Ids(this->UpstreamRevocations(10)), (Strings{"cn-a", "cn-b", "cn-e"}));
}

// Under a NonBlockingScope every call answers kWouldBlock before it reaches the database, and
// changes nothing.
TYPED_TEST_P(ConnectionStoreConformance, ConnectionCallsWouldBlockUnderNonBlockingScope) {
  this->CreateRecipients();
  const AuthorizationCode code = this->MakeCode('a', this->MakeConsent());
  this->ConnectOrFail(code, "cn-1", 'r', 10010);
  const AuthorizationCode fresh = this->MakeCode('b', this->MakeConsent());
  const AuditEvent audit = this->Event("pt-a", "connection.revoked", "dc-1", 10500);
  {
    NonBlockingScope no_blocking;
    ConnectionStore& s = this->connections();
    this->ExpectWouldBlock(s.CreateCode(fresh), "CreateCode");
    this->ExpectWouldBlock(s.FindCode(code.code_id, code.code_hash), "FindCode");
    this->ExpectWouldBlock(this->Redeem(code, "cn-2", 's', 10020), "RedeemCode");
    this->ExpectWouldBlock(s.PurgeCodes(1000000), "PurgeCodes");
    this->ExpectWouldBlock(s.FindConnectionByRefresh("cn-1", this->Hash('r')),
                           "FindConnectionByRefresh");
    this->ExpectWouldBlock(s.GetConnection("cn-1"), "GetConnection");
    this->ExpectWouldBlock(s.TouchConnections({{"cn-1", 12000}}), "TouchConnections");
    this->ExpectWouldBlock(s.RevokeConnection("cn-1", 10500, 14100, audit), "RevokeConnection");
    this->ExpectWouldBlock(s.SetUpstream("cn-1", this->Sealed('u')), "SetUpstream");
    this->ExpectWouldBlock(s.ListUpstreamRevocations(10), "ListUpstreamRevocations");
    this->ExpectWouldBlock(s.ListConnections("dc-1", {std::nullopt, 10}), "ListConnections");
    this->ExpectWouldBlock(s.ListCustomerConnections(this->kProvider, "alice"),
                           "ListCustomerConnections");
  }
  const Connection c = this->GetOrFail("cn-1");
  EXPECT_EQ(c.revoked_at, std::nullopt);
  EXPECT_EQ(c.last_used_at, 10010);
  EXPECT_EQ(c.upstream, std::nullopt);
  auto kept = this->connections().FindCode(code.code_id, code.code_hash);
  ASSERT_TRUE(kept);
  auto never = this->connections().FindCode(fresh.code_id, fresh.code_hash);
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().code, ErrorCode::kNotFound);
}

REGISTER_TYPED_TEST_SUITE_P(ConnectionStoreConformance, CodeIsStoredAndFoundByItsHash,
                            FirstExchangeCreatesTheConnectionWithTheCodesConsent,
                            SecondExchangeRevokesTheFirstConnectionAndListsItsMarker,
                            ExchangingAnUnknownCodeIsNotFoundAndChangesNothing,
                            ConcurrentExchangesOfOneCodeRedeemItExactlyOnce,
                            ConcurrentExchangesForOneTripleLeaveOneLiveConnection,
                            ExchangeSupersedesTheLiveConnectionOfTheSameTriple,
                            RevokeConnectionRevokesOnceAndListsItsMarker,
                            ConnectionPagesAreOldestFirstLiveAndRevoked,
                            CustomerListHasTheLiveConnectionsWithRecipientsNames,
                            PurgeCodesForgetsThoseThatExpiredBeforeTheCutoff,
                            TouchConnectionRecordsTheLastUseAndNeverMovesItBack,
                            CodesUpstreamTokensReadBackAndAbsentStaysAbsent,
                            ExchangedConnectionCarriesTheUpstreamTokensGiven,
                            SetUpstreamReplacesAndClearsTheConnectionsTokens,
                            UpstreamRevocationsListRevokedConnectionsWithTokens,
                            ConnectionCallsWouldBlockUnderNonBlockingScope);

}  // namespace obauth::store
