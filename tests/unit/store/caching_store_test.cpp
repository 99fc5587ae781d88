#include "store/caching_store.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "store/client_store_conformance.hpp"
#include "store/connection_store_conformance.hpp"
#include "store/recipient_store_conformance.hpp"
#include "store/sqlite/sqlite_factory.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace obauth::store {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

AuditEvent Audit(const std::string& partner, const std::string& action, const std::string& client) {
  return AuditEvent{0, 1, partner, partner, action, client, "req", "test", "{}"};
}

std::unique_ptr<sqlite::SqliteStore> OpenSqlite(const std::string& path) {
  auto opened = sqlite::SqliteStore::Open(path, 2);
  EXPECT_TRUE(opened) << opened.error().internal;
  return std::move(*opened);
}

// The cache must keep every client and recipient behaviour: run those conformance suites through
// it. Foreign writes are looked for hourly, so only the cache's own invalidation is at work.
using CachedSqliteFactory = Cached<sqlite::SqliteFactory, 3'600'000>;

// A CachingStore with the database behind it, as main.cpp wires them.
struct CachedSqlite {
  std::unique_ptr<sqlite::SqliteStore> database;
  std::unique_ptr<CachingStore> cache;  // destroyed first
  CachingStore* operator->() const { return cache.get(); }
};

class CachingStoreTest : public test_support::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    other_ = OpenSqlite(DbPath());  // another process's view of the same file
    ASSERT_TRUE(other_->CreatePartner({"pt-1", "P", 1}, "hash-1",
                                      Audit("pt-1", "partner.created", "pt-1")));
  }
  CachedSqlite Caching(std::chrono::steady_clock::duration poll_interval) {
    CachedSqlite cached{OpenSqlite(DbPath()), nullptr};
    cached.cache = std::make_unique<CachingStore>(*cached.database, poll_interval, 1000);
    return cached;
  }
  std::unique_ptr<sqlite::SqliteStore> other_;
};

Recipient MakeRecipient(const std::string& id) {
  Recipient r;
  r.client_id = id;
  r.partner_id = "pt-1";
  r.name = "R";
  r.scope = "ACCOUNT_BASIC";
  r.redirect_uris = {"https://r.example/cb"};
  r.created_at = r.updated_at = 1;
  return r;
}

TEST_F(CachingStoreTest, RotationThroughTheCacheIsSeenAtOnce) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-1"), "old", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-1")));
  auto before = cache->FindClient("dc-1");
  ASSERT_TRUE(before);
  ASSERT_EQ(before->secrets.at(0).hash, "old");
  ASSERT_TRUE(cache->RotateSecret({"pt-1", "dc-1", "new", 2, 0, false}, nullptr,
                                  Audit("pt-1", "recipient.secret_rotated", "dc-1")));
  auto after = cache->FindClient("dc-1");
  ASSERT_TRUE(after);
  ASSERT_EQ(after->secrets.size(), 1u);
  EXPECT_EQ(after->secrets[0].hash, "new");
}

TEST_F(CachingStoreTest, ClientNeverReadThroughTheCacheIsReadFresh) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->FindClient("pt-1"));
  ASSERT_TRUE(other_->CreateRecipient(MakeRecipient("dc-2"), "h", nullptr,
                                      Audit("pt-1", "recipient.created", "dc-2")));
  ASSERT_TRUE(
      other_->RetireRecipient("pt-1", "dc-2", 5, Audit("pt-1", "recipient.deleted", "dc-2")));
  auto fresh = cache->FindClient("dc-2");
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->retired);
}

TEST_F(CachingStoreTest, ChangeByAnotherWriterIsSeenAfterTheNextPoll) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-3"), "old", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-3")));
  ASSERT_TRUE(cache->FindClient("dc-3"));
  ASSERT_TRUE(other_->RotateSecret({"pt-1", "dc-3", "new", 2, 0, false}, nullptr,
                                   Audit("pt-1", "recipient.secret_rotated", "dc-3")));
  auto stale = cache->FindClient("dc-3");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->secrets.at(0).hash, "old");  // until the poll: the documented staleness
  cache->PollForeignChanges();
  auto fresh = cache->FindClient("dc-3");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->secrets.at(0).hash, "new");
}

TEST_F(CachingStoreTest, PollingThreadNoticesAnotherWriter) {
  auto cache = Caching(milliseconds(20));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-4"), "old", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-4")));
  ASSERT_TRUE(cache->FindClient("dc-4"));
  ASSERT_TRUE(other_->RotateSecret({"pt-1", "dc-4", "new", 2, 0, false}, nullptr,
                                   Audit("pt-1", "recipient.secret_rotated", "dc-4")));
  std::string hash = "old";
  for (int i = 0; i < 500 && hash == "old"; ++i) {  // 20 ms polls; give up after 5 s
    std::this_thread::sleep_for(milliseconds(10));
    auto found = cache->FindClient("dc-4");
    ASSERT_TRUE(found);
    hash = found->secrets.at(0).hash;
  }
  EXPECT_EQ(hash, "new");
}

TEST_F(CachingStoreTest, OwnWritesKeepOtherEntriesCachedAcrossPolls) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->FindClient("pt-1"));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-5"), "h", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-5")));
  cache->PollForeignChanges();
  store::NonBlockingScope no_blocking;
  EXPECT_TRUE(cache->FindClient("pt-1"));
}

TEST_F(CachingStoreTest, AnUnknownIdIsRememberedUntilItIsCreatedHereOrElsewhere) {
  auto cache = Caching(hours(1));
  auto missing = cache->FindClient("dc-4");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  {
    // Answered from memory now, as a known client is: the same path, the same cost.
    store::NonBlockingScope no_blocking;
    auto remembered = cache->FindClient("dc-4");
    ASSERT_FALSE(remembered);
    EXPECT_EQ(remembered.error().code, ErrorCode::kNotFound);
  }
  // Created by another process: seen at the next poll.
  ASSERT_TRUE(other_->CreateRecipient(MakeRecipient("dc-4"), "h", nullptr,
                                      Audit("pt-1", "recipient.created", "dc-4")));
  cache->PollForeignChanges();
  EXPECT_TRUE(cache->FindClient("dc-4"));
  // Created through the cache: seen at once.
  ASSERT_FALSE(cache->FindClient("dc-7"));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-7"), "h", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-7")));
  EXPECT_TRUE(cache->FindClient("dc-7"));
}

TEST_F(CachingStoreTest, AnIdLongerThanAnyClientsIsUnknownWithoutARead) {
  auto cache = Caching(hours(1));
  store::NonBlockingScope no_blocking;  // a read would be refused with kWouldBlock
  auto missing = cache->FindClient(std::string(CachingStore::kMaxClientIdBytes + 1, 'd'));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(CachingStoreTest, FailedWriteStillDropsTheEntry) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-5"), "old", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-5")));
  ASSERT_TRUE(cache->FindClient("dc-5"));
  ASSERT_TRUE(other_->RotateSecret({"pt-1", "dc-5", "new", 2, 3600, false}, nullptr,
                                   Audit("pt-1", "recipient.secret_rotated", "dc-5")));
  // A rotation through the cache now fails (grace pending) but must not leave a stale entry.
  auto conflict = cache->RotateSecret({"pt-1", "dc-5", "newer", 3, 0, false}, nullptr,
                                      Audit("pt-1", "recipient.secret_rotated", "dc-5"));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  auto fresh = cache->FindClient("dc-5");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->secrets.size(), 2u);
}

TEST_F(CachingStoreTest, NonBlockingScopeAnswersHitsAndRefusesEverythingElse) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->FindClient("pt-1"));  // now cached
  store::NonBlockingScope no_blocking;
  EXPECT_TRUE(cache->FindClient("pt-1"));
  auto miss = cache->FindClient("pt-unknown");
  ASSERT_FALSE(miss);
  EXPECT_EQ(miss.error().code, ErrorCode::kWouldBlock);
  auto list = cache->ListRecipients("pt-1", {std::nullopt, 10});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code, ErrorCode::kWouldBlock);
  auto write = cache->CreateRecipient(MakeRecipient("dc-6"), "h", nullptr,
                                      Audit("pt-1", "recipient.created", "dc-6"));
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().code, ErrorCode::kWouldBlock);
}

// A write refused under the scope (kWouldBlock) never reached the database: what is cached stays.
TEST_F(CachingStoreTest, WritesRefusedUnderTheScopeKeepTheCache) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->FindClient("pt-1"));  // now cached
  store::NonBlockingScope no_blocking;
  auto revoked = cache->RevokeToken("pt-1", "jti-1", 10);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().code, ErrorCode::kWouldBlock);
  auto purged = cache->PurgeRevokedTokens(10);
  ASSERT_FALSE(purged);
  EXPECT_EQ(purged.error().code, ErrorCode::kWouldBlock);
  auto used = cache->RecordSecretUse({{1, "pt-1", 10, 0}});
  ASSERT_FALSE(used);
  EXPECT_EQ(used.error().code, ErrorCode::kWouldBlock);
  EXPECT_TRUE(cache->FindClient("pt-1"));
}

// A connection's revocation lists its marker among its recipient's revoked tokens: the writes that
// revoke one drop the recipient; a plain first exchange keeps it.
TEST_F(CachingStoreTest, OnlyExchangesAndRevocationsThatRevokeAConnectionDropTheRecipient) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-7"), "h", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-7")));
  auto cached = [&] {
    store::NonBlockingScope no_blocking;  // a hit or kWouldBlock, never a read
    return static_cast<bool>(cache->FindClient("dc-7"));
  };
  const Consent consent{"dc-7", 9000, "alice", "sub", "ACCOUNT_BASIC", {"acc-1"}};
  auto exchange = [&](const std::string& code_hash, const std::string& connection_id,
                      const std::string& refresh_hash) {
    Connection connection;
    connection.connection_id = connection_id;
    connection.consent = consent;
    const AuditEvent audit = Audit("pt-1", "connection.created", "dc-7");
    return cache->RedeemCode("id-" + code_hash, code_hash, connection, refresh_hash, 20, 3620,
                             audit, audit);
  };
  for (const char* hash : {"code-1", "code-2"}) {
    AuthorizationCode code;
    code.code_id = std::string("id-") + hash;
    code.code_hash = hash;
    code.consent = consent;
    code.redirect_uri = "https://r.example/cb";
    code.expires_at = 60;
    ASSERT_TRUE(cache->CreateCode(code));
  }
  ASSERT_TRUE(cache->FindClient("dc-7"));
  ASSERT_TRUE(cached());

  auto first = exchange("code-1", "cn-1", "refresh-1");
  ASSERT_TRUE(first && first->redeemed);
  EXPECT_TRUE(cached()) << "nothing was revoked";
  auto superseding = exchange("code-2", "cn-2", "refresh-2");
  ASSERT_TRUE(superseding && superseding->redeemed);
  EXPECT_FALSE(cached()) << "cn-1 was superseded";
  ASSERT_TRUE(cache->FindClient("dc-7"));
  auto reused = exchange("code-2", "cn-3", "refresh-3");
  ASSERT_TRUE(reused && !reused->redeemed);
  EXPECT_FALSE(cached()) << "cn-2 was revoked";
  ASSERT_TRUE(cache->FindClient("dc-7"));
  ASSERT_TRUE(cache->TouchConnections({{"cn-2", 30}}));
  EXPECT_TRUE(cached());
  auto revoked =
      cache->RevokeConnection("cn-1", 40, 3640, Audit("pt-1", "connection.revoked", "dc-7"));
  ASSERT_TRUE(revoked);
  EXPECT_FALSE(*revoked) << "superseded before";
  EXPECT_FALSE(cached());
  auto missing = cache->RevokeConnection("cn-none", 40, 3640, Audit("pt-1", "x", "dc-7"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto client = cache->FindClient("dc-7");
  ASSERT_TRUE(client);
  EXPECT_TRUE(client->revoked_tokens.Contains(ConnectionTokenMarker("cn-1")));
  EXPECT_TRUE(client->revoked_tokens.Contains(ConnectionTokenMarker("cn-2")));
}

// The refresh grant's connection comes from memory after its first read; revoking it (here or,
// through the poll, elsewhere) forgets it, and a recorded use moves the cached copy along.
TEST_F(CachingStoreTest, ARefreshTokensConnectionIsAnsweredFromMemoryUntilARevocation) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-8"), "h", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-8")));
  const Consent consent{"dc-8", 9000, "bob", "sub", "ACCOUNT_BASIC", {"acc-1"}};
  AuthorizationCode code;
  code.code_id = "id-8";
  code.code_hash = "code-8";
  code.consent = consent;
  code.redirect_uri = "https://r.example/cb";
  code.expires_at = 60;
  ASSERT_TRUE(cache->CreateCode(code));
  Connection connection;
  connection.connection_id = "cn-8";
  connection.consent = consent;
  connection.created_at = connection.last_used_at = 20;
  const AuditEvent audit = Audit("pt-1", "connection.created", "dc-8");
  ASSERT_TRUE(cache->RedeemCode("id-8", "code-8", connection, "refresh-8", 20, 3620, audit, audit));
  auto from_memory = [&] {
    store::NonBlockingScope no_blocking;
    return cache->FindConnectionByRefresh("cn-8", "refresh-8");
  };
  auto first = from_memory();
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, ErrorCode::kWouldBlock) << "not read yet";
  ASSERT_TRUE(cache->FindConnectionByRefresh("cn-8", "refresh-8"));
  auto cached = from_memory();
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->connection_id, "cn-8");
  EXPECT_EQ(cached->last_used_at, 20);
  ASSERT_TRUE(cache->TouchConnections({{"cn-8", 50}}));
  EXPECT_EQ(from_memory()->last_used_at, 50);
  ASSERT_TRUE(
      cache->RevokeConnection("cn-8", 60, 3660, Audit("pt-1", "connection.revoked", "dc-8")));
  auto after = from_memory();
  ASSERT_FALSE(after) << "a revoked connection is not answered from memory";
  auto read = cache->FindConnectionByRefresh("cn-8", "refresh-8");
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->revoked_at.has_value());
}

// A connection's provider tokens change (a refresh at the provider, or cleared once revoked
// there): the cached copy is dropped, so neither read answers the old tokens.
TEST_F(CachingStoreTest, ConnectionReadsAfterSetUpstreamAnswerTheNewTokens) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-9"), "h", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-9")));
  const Consent consent{"dc-9", 9000, "carol", "sub", "ACCOUNT_BASIC", {"acc-1"}};
  AuthorizationCode code;
  code.code_id = "id-9";
  code.code_hash = "code-9";
  code.consent = consent;
  code.redirect_uri = "https://r.example/cb";
  code.expires_at = 60;
  code.upstream = "sealed-1";
  ASSERT_TRUE(cache->CreateCode(code));
  Connection connection;
  connection.connection_id = "cn-9";
  connection.consent = consent;
  connection.created_at = connection.last_used_at = 20;
  connection.upstream = code.upstream;
  const AuditEvent audit = Audit("pt-1", "connection.created", "dc-9");
  ASSERT_TRUE(cache->RedeemCode("id-9", "code-9", connection, "refresh-9", 20, 3620, audit, audit));
  auto from_memory = [&] {
    store::NonBlockingScope no_blocking;
    return cache->GetConnection("cn-9");
  };
  auto first = cache->GetConnection("cn-9");
  ASSERT_TRUE(first) << first.error().internal;
  EXPECT_EQ(first->upstream, std::optional<std::string>("sealed-1"));
  ASSERT_TRUE(from_memory()) << "cached after the first read";

  ASSERT_TRUE(cache->SetUpstream("cn-9", "sealed-2"));
  auto dropped = from_memory();
  ASSERT_FALSE(dropped) << "the old copy is not answered";
  EXPECT_EQ(dropped.error().code, ErrorCode::kWouldBlock);
  auto refreshed = cache->GetConnection("cn-9");
  ASSERT_TRUE(refreshed) << refreshed.error().internal;
  EXPECT_EQ(refreshed->upstream, std::optional<std::string>("sealed-2"));
  auto by_refresh = cache->FindConnectionByRefresh("cn-9", "refresh-9");
  ASSERT_TRUE(by_refresh) << by_refresh.error().internal;
  EXPECT_EQ(by_refresh->upstream, std::optional<std::string>("sealed-2"));

  // Read by its refresh token, then cleared: that copy is dropped too.
  ASSERT_TRUE(cache->SetUpstream("cn-9", std::nullopt));
  auto cleared = cache->FindConnectionByRefresh("cn-9", "refresh-9");
  ASSERT_TRUE(cleared) << cleared.error().internal;
  EXPECT_EQ(cleared->upstream, std::nullopt);
  auto cleared_by_id = cache->GetConnection("cn-9");
  ASSERT_TRUE(cleared_by_id);
  EXPECT_EQ(cleared_by_id->upstream, std::nullopt);

  // Refused under the scope: nothing reached the database, the cached copy stays.
  {
    store::NonBlockingScope no_blocking;
    auto refused = cache->SetUpstream("cn-9", "sealed-3");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kWouldBlock);
  }
  auto kept = from_memory();
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->upstream, std::nullopt);
  auto missing = cache->SetUpstream("cn-none", "sealed-3");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(CachingStoreTest, NonBlockingScopeEndsWithItsLifetime) {
  auto cache = Caching(hours(1));
  {
    store::NonBlockingScope no_blocking;
    EXPECT_TRUE(store::NonBlockingScope::Active());
  }
  EXPECT_FALSE(store::NonBlockingScope::Active());
  EXPECT_TRUE(cache->FindClient("pt-1"));
}

std::optional<ErrorCode> CodeOf(const Result<Recipient>& r) {
  if (r) return std::nullopt;
  return r.error().code;
}

TEST_F(CachingStoreTest, InlineRecipientReadsAreServedOnlyAfterADatabaseRead) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-7"), "h", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-7")));
  {
    store::NonBlockingScope no_blocking;
    EXPECT_EQ(CodeOf(cache->GetRecipient("pt-1", "dc-7", 10)), ErrorCode::kWouldBlock);
  }
  ASSERT_TRUE(cache->GetRecipient("pt-1", "dc-7", 10));  // a worker's read fills the cache
  store::NonBlockingScope no_blocking;
  auto hit = cache->GetRecipient("pt-1", "dc-7", 10);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->name, "R");
}

TEST_F(CachingStoreTest, ReadsOutsideTheScopeAlwaysGoToTheDatabase) {
  // The read before an update must not start from a copy another process has since changed.
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-8"), "h", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-8")));
  ASSERT_TRUE(cache->GetRecipient("pt-1", "dc-8", 10));
  Recipient renamed = MakeRecipient("dc-8");
  renamed.name = "Renamed elsewhere";
  ASSERT_TRUE(other_->UpdateRecipient(renamed, Audit("pt-1", "recipient.updated", "dc-8")));
  auto fresh = cache->GetRecipient("pt-1", "dc-8", 10);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->name, "Renamed elsewhere");
}

TEST_F(CachingStoreTest, WritesThroughTheCacheDropTheRecipient) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-9"), "h", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-9")));
  auto expect_dropped = [&](const char* after) {
    SCOPED_TRACE(after);
    store::NonBlockingScope no_blocking;
    EXPECT_EQ(CodeOf(cache->GetRecipient("pt-1", "dc-9", 10)), ErrorCode::kWouldBlock);
  };
  ASSERT_TRUE(cache->GetRecipient("pt-1", "dc-9", 10));
  Recipient renamed = MakeRecipient("dc-9");
  renamed.name = "Renamed";
  ASSERT_TRUE(cache->UpdateRecipient(renamed, Audit("pt-1", "recipient.updated", "dc-9")));
  expect_dropped("update");
  ASSERT_TRUE(cache->GetRecipient("pt-1", "dc-9", 10));
  ASSERT_TRUE(cache->RotateSecret({"pt-1", "dc-9", "new", 2, 0, false}, nullptr,
                                  Audit("pt-1", "recipient.secret_rotated", "dc-9")));
  expect_dropped("rotation");
  ASSERT_TRUE(cache->GetRecipient("pt-1", "dc-9", 10));
  auto client = cache->FindClient("dc-9");
  ASSERT_TRUE(client);
  ASSERT_TRUE(cache->RecordSecretUse({{client->secrets.at(0).id, "dc-9", 9, 0}}));
  expect_dropped("recorded use");
  ASSERT_TRUE(cache->GetRecipient("pt-1", "dc-9", 10));
  ASSERT_TRUE(
      cache->RetireRecipient("pt-1", "dc-9", 11, Audit("pt-1", "recipient.deleted", "dc-9")));
  expect_dropped("retirement");
}

TEST_F(CachingStoreTest, CachedRecipientIsNeverServedToAnotherPartner) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-10"), "h", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-10")));
  ASSERT_TRUE(cache->GetRecipient("pt-1", "dc-10", 10));
  store::NonBlockingScope no_blocking;
  EXPECT_EQ(CodeOf(cache->GetRecipient("pt-2", "dc-10", 10)), ErrorCode::kWouldBlock);
}

TEST_F(CachingStoreTest, CachedRecipientIsDroppedWhenItsGracePeriodEnds) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-11"), "h", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-11")));
  ASSERT_TRUE(cache->RotateSecret({"pt-1", "dc-11", "new", 100, 50, false}, nullptr,
                                  Audit("pt-1", "recipient.secret_rotated", "dc-11")));
  auto read = cache->GetRecipient("pt-1", "dc-11", 120);
  ASSERT_TRUE(read);
  ASSERT_EQ(read->secrets.previous_expires_at, std::optional<std::int64_t>(150));
  store::NonBlockingScope no_blocking;
  EXPECT_TRUE(cache->GetRecipient("pt-1", "dc-11", 149));
  EXPECT_EQ(CodeOf(cache->GetRecipient("pt-1", "dc-11", 150)), ErrorCode::kWouldBlock);
}

TEST_F(CachingStoreTest, CachedRecipientIsDroppedAfterAForeignWrite) {
  auto cache = Caching(hours(1));
  ASSERT_TRUE(cache->CreateRecipient(MakeRecipient("dc-12"), "h", nullptr,
                                     Audit("pt-1", "recipient.created", "dc-12")));
  ASSERT_TRUE(cache->GetRecipient("pt-1", "dc-12", 10));
  ASSERT_TRUE(other_->GetOrCreateSetting("unrelated", "x"));
  cache->PollForeignChanges();
  store::NonBlockingScope no_blocking;
  EXPECT_EQ(CodeOf(cache->GetRecipient("pt-1", "dc-12", 10)), ErrorCode::kWouldBlock);
}

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(CachingSqlite, ClientStoreConformance, CachedSqliteFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(CachingSqlite, RecipientStoreConformance, CachedSqliteFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(CachingSqlite, ConnectionStoreConformance, CachedSqliteFactory);

}  // namespace obauth::store
