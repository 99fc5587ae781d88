#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "store/audit_store_conformance.hpp"
#include "store/client_store_conformance.hpp"
#include "store/connection_store_conformance.hpp"
#include "store/database_conformance.hpp"
#include "store/non_blocking_scope.hpp"
#include "store/provider_store_conformance.hpp"
#include "store/recipient_store_conformance.hpp"
#include "store/replay_store_conformance.hpp"
#include "store/setting_store_conformance.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_factory.hpp"
#include "temp_dir.hpp"

namespace obauth::store::sqlite {

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, ClientStoreConformance, SqliteFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, RecipientStoreConformance, SqliteFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, AuditStoreConformance, SqliteFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, ReplayStoreConformance, SqliteFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, ProviderStoreConformance, SqliteFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, SettingStoreConformance, SqliteFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, DatabaseConformance, SqliteFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, ConnectionStoreConformance, SqliteFactory);

namespace {

class SqliteStoreTest : public test_support::TempDirTest {
 protected:
  // Runs `sql` on the database file directly, as an older obauth or an operator would.
  static void ExecRaw(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    const std::string text = message ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << text;
  }

  static std::int64_t SchemaVersion(const std::string& path) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(
        sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_migrations", -1, &stmt, nullptr),
        SQLITE_OK);
    std::int64_t version = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) version = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return version;
  }

  // A database as obauth's first release (schema version 1) left it, with one partner, one
  // recipient and a setting.
  static void CreateVersion1Database(const std::string& path) {
    std::string sql =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
        "applied_at INTEGER NOT NULL) STRICT;";
    ASSERT_EQ(kMigrations[0].version, 1);
    sql += kMigrations[0].sql;
    sql +=
        "INSERT INTO schema_migrations VALUES (1, 1000);"
        "INSERT INTO clients (client_id, kind, partner_id, name, created_at, updated_at) VALUES "
        "('pt-1', 'partner', NULL, 'Partner', 1000, 1000),"
        "('dc-1', 'recipient', 'pt-1', 'Acme', 2000, 2500);"
        "INSERT INTO client_secrets (client_id, secret_hash, created_at) VALUES "
        "('pt-1', x'0102', 1000), ('dc-1', x'00ff', 2000);"
        "INSERT INTO recipients (client_id, scope, country) VALUES "
        "('dc-1', 'ACCOUNT_BASIC TRANSACTIONS', 'CA');"
        "INSERT INTO recipient_redirect_uris VALUES ('dc-1', 0, 'https://acme.example/cb');"
        "INSERT INTO recipient_contacts VALUES ('dc-1', 0, 'ops@acme.example');"
        "INSERT INTO settings VALUES ('signing_key_ed25519', 'pem');";
    ExecRaw(path, sql);
  }
};

TEST_F(SqliteStoreTest, CountsTheLatencyOfReadsAndWritesButNotAnswersAsErrors) {
  auto store = SqliteStore::Open(DbPath(), 2);
  ASSERT_TRUE(store) << store.error().internal;
  DomainMetrics metrics;
  (*store)->CountInto(&metrics);
  using Op = DomainMetrics::DbOperation;
  ASSERT_TRUE((*store)->GetOrCreateSetting("k", "v"));
  ASSERT_TRUE((*store)->GetSetting("k"));
  auto missing = (*store)->GetRecipient("pt-nobody", "dc-nobody", 0);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(metrics.db_latency(Op::kWrite).count(), 1u);
  EXPECT_EQ(metrics.db_latency(Op::kRead).count(), 2u);
  EXPECT_GT(metrics.db_latency(Op::kRead).sum_seconds(), 0.0);
  EXPECT_EQ(metrics.db_errors(DomainMetrics::DbError::kUnavailable), 0u);
  EXPECT_EQ(metrics.db_errors(DomainMetrics::DbError::kInternal), 0u);
}

// Under a NonBlockingScope a call answers kWouldBlock before it borrows a connection or takes the
// writer: with the file gone, a read that reached the database would create a new one. Such calls
// are not counted.
TEST_F(SqliteStoreTest, NonBlockingCallsAreRefusedBeforeTheDatabaseAndNotCounted) {
  const std::string path = DbPath();
  auto store = SqliteStore::Open(path, 2);
  ASSERT_TRUE(store) << store.error().internal;
  DomainMetrics metrics;
  (*store)->CountInto(&metrics);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  {
    NonBlockingScope no_blocking;
    auto read = (*store)->FindClient("pt-1");
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, ErrorCode::kWouldBlock);
    auto write = (*store)->GetOrCreateSetting("k", "v");
    ASSERT_FALSE(write);
    EXPECT_EQ(write.error().code, ErrorCode::kWouldBlock);
    auto version = (*store)->ForeignChangeVersion();
    ASSERT_FALSE(version);
    EXPECT_EQ(version.error().code, ErrorCode::kWouldBlock);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  using Op = DomainMetrics::DbOperation;
  EXPECT_EQ(metrics.db_latency(Op::kRead).count(), 0u);
  EXPECT_EQ(metrics.db_latency(Op::kWrite).count(), 0u);
}

TEST_F(SqliteStoreTest, CreatesDatabaseFileWithMode0600) {
  const std::string path = DbPath();
  auto store = SqliteStore::Open(path, 1);
  ASSERT_TRUE(store) << store.error().internal;
  ASSERT_TRUE((*store)->GetOrCreateSetting("k", "v"));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  // SQLite gives its write-ahead log the database file's mode.
  const std::string wal = path + "-wal";
  if (::stat(wal.c_str(), &st) == 0) {
    EXPECT_EQ(st.st_mode & 0777, 0600);
  }
}

TEST_F(SqliteStoreTest, OpeningInMissingDirectoryIsUnavailableNamingThePath) {
  const std::string path = (dir_ / "missing" / "obauth.db").string();
  auto store = SqliteStore::Open(path, 1);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(store.error().internal.find(path), std::string::npos) << store.error().internal;
  EXPECT_EQ(store.error().public_message.find(path), std::string::npos);
}

TEST_F(SqliteStoreTest, OpeningAFileThatIsNotADatabaseFails) {
  const std::string path = DbPath("garbage.db");
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string junk(4096, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  auto store = SqliteStore::Open(path, 1);
  ASSERT_FALSE(store);
  EXPECT_TRUE(store.error().code == ErrorCode::kUnavailable ||
              store.error().code == ErrorCode::kInternal)
      << static_cast<int>(store.error().code);
}

TEST_F(SqliteStoreTest, ReopeningAppliesNoMigrationTwice) {
  for (int i = 0; i < 3; ++i) {
    auto store = SqliteStore::Open(DbPath(), 1);
    ASSERT_TRUE(store) << store.error().internal;
  }
}

TEST_F(SqliteStoreTest, MigratesAVersion1DatabaseKeepingItsData) {
  const std::string path = DbPath();
  CreateVersion1Database(path);
  ASSERT_EQ(SchemaVersion(path), 1);
  auto opened = SqliteStore::Open(path, 1);
  ASSERT_TRUE(opened) << opened.error().internal;
  Database& store = **opened;
  EXPECT_EQ(SchemaVersion(path), static_cast<std::int64_t>(kMigrations.back().version));

  auto partner = store.FindClient("pt-1");
  ASSERT_TRUE(partner) << partner.error().internal;
  EXPECT_EQ(partner->kind, ClientKind::kPartner);
  ASSERT_EQ(partner->secrets.size(), 1u);
  EXPECT_EQ(partner->secrets[0].hash, std::string("\x01\x02", 2));

  auto client = store.FindClient("dc-1");
  ASSERT_TRUE(client) << client.error().internal;
  EXPECT_EQ(client->partner_id, "pt-1");
  EXPECT_FALSE(client->retired);
  EXPECT_EQ(client->token_epoch, 0);
  ASSERT_EQ(client->secrets.size(), 1u);
  EXPECT_EQ(client->secrets[0].hash, std::string("\x00\xff", 2));
  EXPECT_FALSE(client->secrets[0].expires_at.has_value());

  auto recipient = store.GetRecipient("pt-1", "dc-1", 3000);
  ASSERT_TRUE(recipient) << recipient.error().internal;
  EXPECT_EQ(recipient->name, "Acme");
  EXPECT_EQ(recipient->scope, "ACCOUNT_BASIC TRANSACTIONS");
  EXPECT_EQ(recipient->country, std::optional<std::string>("CA"));
  EXPECT_EQ(recipient->redirect_uris, std::vector<std::string>{"https://acme.example/cb"});
  EXPECT_EQ(recipient->contact_emails, std::vector<std::string>{"ops@acme.example"});
  EXPECT_EQ(recipient->created_at, 2000);
  EXPECT_EQ(recipient->updated_at, 2500);
  EXPECT_FALSE(recipient->secrets.secret_last_used_at.has_value());
  EXPECT_EQ(recipient->secrets.previous_authentications, 0);

  auto setting = store.GetSetting("signing_key_ed25519");
  ASSERT_TRUE(setting);
  EXPECT_EQ(*setting, std::optional<std::string>("pem"));
  auto events = store.ListAuditEvents({"pt-1", std::nullopt, std::nullopt, 10});
  ASSERT_TRUE(events);
  EXPECT_TRUE(events->empty());

  // The migrated rows take part in the new features.
  AuditEvent event{0, 3000, "pt-1", "pt-1", "recipient.secret_rotated", "dc-1", "r", "s", "{}"};
  auto rotated = store.RotateSecret({"pt-1", "dc-1", "new-hash", 3000, 600, true}, nullptr, event);
  ASSERT_TRUE(rotated) << rotated.error().internal;
  auto after = store.FindClient("dc-1");
  ASSERT_TRUE(after);
  ASSERT_EQ(after->secrets.size(), 2u);
  EXPECT_EQ(after->secrets[1].expires_at, std::optional<std::int64_t>(3600));
  EXPECT_EQ(after->token_epoch, 1);
  // A migrated recipient is listed, and one created after the upgrade follows it (created at the
  // same second: the insertion order decides).
  Recipient later;
  later.client_id = "dc-2";
  later.partner_id = "pt-1";
  later.name = "Later";
  later.scope = "ACCOUNT_BASIC";
  later.created_at = later.updated_at = 2000;
  ASSERT_TRUE(store.CreateRecipient(later, "h2", nullptr, event));
  auto first = store.ListRecipients("pt-1", {std::nullopt, 1});
  ASSERT_TRUE(first) << first.error().internal;
  ASSERT_EQ(first->items.size(), 1u);
  EXPECT_EQ(first->items[0].client_id, "dc-1");
  ASSERT_TRUE(first->next);
  auto second = store.ListRecipients("pt-1", {first->next, 1});
  ASSERT_TRUE(second);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].client_id, "dc-2");
  EXPECT_FALSE(second->next);

  // Opening again applies nothing twice.
  opened->reset();
  auto again = SqliteStore::Open(path, 1);
  ASSERT_TRUE(again) << again.error().internal;
  auto events_again = (*again)->ListAuditEvents({"pt-1", std::nullopt, std::nullopt, 10});
  ASSERT_TRUE(events_again);
  EXPECT_EQ(events_again->size(), 2u);  // the rotation and the creation
}

// Migration 8 rebuilds `connections` (codes and refresh tokens found by id): a connection made
// under version 7 keeps its row, its position in the lists and its place as the live one; and
// migration 9 gives it no provider tokens, which it can then be given.
TEST_F(SqliteStoreTest, MigratingAVersion7DatabaseKeepsItsConnections) {
  const std::string path = DbPath();
  std::string sql =
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
      "applied_at INTEGER NOT NULL) STRICT;";
  for (const auto& m : kMigrations) {
    if (m.version > 7) break;
    sql += m.sql;
    sql += "INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 1000);";
  }
  sql +=
      "INSERT INTO clients (client_id, kind, partner_id, name, created_at, updated_at) VALUES "
      "('pt-1', 'partner', NULL, 'Partner', 1000, 1000),"
      "('dc-1', 'recipient', 'pt-1', 'Acme', 2000, 2000);"
      "INSERT INTO connections (seq, connection_id, client_id, provider_id, customer_id, subject, "
      "scope, accounts, refresh_hash, created_at, last_used_at) VALUES "
      "(41, 'cn-old', 'dc-1', 9000, 'alice', 'sub', 'ACCOUNT_BASIC', 'acc-1', x'0102', 3000, "
      "3100);"
      "INSERT INTO authorization_codes (code_hash, client_id, provider_id, customer_id, subject, "
      "scope, accounts, redirect_uri, created_at, expires_at) VALUES "
      "(x'03', 'dc-1', 9000, 'bob', 'sub', 'ACCOUNT_BASIC', 'acc-1', 'https://a.example/cb', "
      "3000, 3060);";
  ExecRaw(path, sql);
  ASSERT_EQ(SchemaVersion(path), 7);
  auto opened = SqliteStore::Open(path, 1);
  ASSERT_TRUE(opened) << opened.error().internal;
  EXPECT_EQ(SchemaVersion(path), static_cast<std::int64_t>(kMigrations.back().version));
  Database& store = **opened;

  auto kept = store.GetConnection("cn-old");
  ASSERT_TRUE(kept) << kept.error().internal;
  EXPECT_EQ(kept->consent.customer_id, "alice");
  EXPECT_EQ(kept->last_used_at, 3100);
  EXPECT_EQ(kept->client_name, "Acme");
  EXPECT_EQ(kept->upstream, std::nullopt) << "migration 9: no provider tokens";
  EXPECT_TRUE(store.FindConnectionByRefresh("cn-old", std::string("\x01\x02", 2)));
  auto listed = store.ListCustomerConnections(9000, "alice");
  ASSERT_TRUE(listed) << listed.error().internal;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].connection_id, "cn-old");

  // Still the live one: a new connection of the same triple supersedes it.
  AuthorizationCode code;
  code.code_id = "code-new";
  code.code_hash = "hash-new";
  code.consent = kept->consent;
  code.redirect_uri = "https://a.example/cb";
  code.created_at = 4000;
  code.expires_at = 4060;
  ASSERT_TRUE(store.CreateCode(code));
  store::Connection next;
  next.connection_id = "cn-new";
  next.consent = kept->consent;
  next.created_at = next.last_used_at = 4010;
  const AuditEvent event{0, 4010, "pt-1", "dc-1", "connection.created", "dc-1", "r", "s", "{}"};
  auto redeemed =
      store.RedeemCode("code-new", "hash-new", next, "refresh-new", 4010, 7610, event, event);
  ASSERT_TRUE(redeemed) << redeemed.error().internal;
  EXPECT_TRUE(redeemed->redeemed);
  EXPECT_EQ(redeemed->superseded_connection_ids, std::vector<std::string>{"cn-old"});
  auto page = store.ListConnections("dc-1", {std::nullopt, 10});
  ASSERT_TRUE(page) << page.error().internal;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].connection_id, "cn-old");
  EXPECT_EQ(page->items[1].connection_id, "cn-new");
  // The migrated row takes provider tokens, and as a revoked one is listed to revoke them.
  ASSERT_TRUE(store.SetUpstream("cn-old", std::string("sealed")));
  auto revocations = store.ListUpstreamRevocations(10);
  ASSERT_TRUE(revocations) << revocations.error().internal;
  ASSERT_EQ(revocations->size(), 1u);
  EXPECT_EQ((*revocations)[0].connection_id, "cn-old");
  EXPECT_EQ((*revocations)[0].upstream, std::optional<std::string>("sealed"));
}

TEST_F(SqliteStoreTest, DatabaseFromANewerObauthIsRefused) {
  const std::string path = DbPath();
  ASSERT_TRUE(SqliteStore::Open(path, 1));
  ExecRaw(path, "INSERT INTO schema_migrations VALUES (999, 1000)");
  auto opened = SqliteStore::Open(path, 1);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
  EXPECT_NE(opened.error().internal.find("999"), std::string::npos) << opened.error().internal;
}

TEST_F(SqliteStoreTest, ConcurrentGetOrCreateSettingAgreesOnOneValue) {
  auto opened = SqliteStore::Open(DbPath(), 4);
  ASSERT_TRUE(opened);
  SqliteStore& store = **opened;
  constexpr int kThreads = 8;
  std::vector<std::string> seen(kThreads);
  std::vector<char> ok(kThreads, 0);  // not vector<bool>: its bits share words across threads
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        auto value = store.GetOrCreateSetting("key", "value-" + std::to_string(i));
        if (value) {
          seen[static_cast<std::size_t>(i)] = *value;
          ok[static_cast<std::size_t>(i)] = 1;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  for (int i = 0; i < kThreads; ++i) EXPECT_TRUE(ok[static_cast<std::size_t>(i)]) << i;
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 1u);
}

// Concurrent writes are committed in batches (group commit). Whatever the batching, each call
// gets its own outcome, and a failing call leaves no trace while its batch-mates commit.
TEST_F(SqliteStoreTest, ConcurrentWritesEachGetTheirOwnOutcomeAndFailuresLeaveNoTrace) {
  auto opened = SqliteStore::Open(DbPath(), 4);
  ASSERT_TRUE(opened);
  SqliteStore& store = **opened;
  auto audit = [](const std::string& action, const std::string& client) {
    return AuditEvent{0, 1, "pt-1", "pt-1", action, client, "req", "test", "{}"};
  };
  ASSERT_TRUE(store.CreatePartner({"pt-1", "P", 1}, "h", audit("partner.created", "pt-1")));
  Recipient busy;
  busy.client_id = "dc-busy";
  busy.partner_id = "pt-1";
  busy.name = "Busy";
  busy.scope = "ACCOUNT_BASIC";
  busy.created_at = busy.updated_at = 5;
  ASSERT_TRUE(store.CreateRecipient(busy, "h0", nullptr, audit("recipient.created", "dc-busy")));
  // A grace period is pending, so every further rotation of dc-busy is refused (409) after it
  // has already touched the row inside its savepoint.
  ASSERT_TRUE(store.RotateSecret({"pt-1", "dc-busy", "h1", 10, 3600, false}, nullptr,
                                 audit("recipient.secret_rotated", "dc-busy")));

  constexpr int kThreads = 24;
  std::vector<int> outcome(kThreads, -1);  // 1: committed, 0: expected failure
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        const std::string id = "dc-" + std::to_string(i);
        if (i % 3 == 0) {
          auto r = store.RotateSecret({"pt-1", "dc-busy", "h-" + id, 20, 0, false}, nullptr,
                                      audit("recipient.secret_rotated", "dc-busy"));
          outcome[static_cast<std::size_t>(i)] =
              !r && r.error().code == ErrorCode::kConflict ? 0 : 2;
        } else {
          Recipient r = busy;
          r.client_id = id;
          auto created =
              store.CreateRecipient(r, "h-" + id, nullptr, audit("recipient.created", id));
          outcome[static_cast<std::size_t>(i)] = created ? 1 : 2;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  int created = 0;
  for (int i = 0; i < kThreads; ++i) {
    const int o = outcome[static_cast<std::size_t>(i)];
    EXPECT_NE(o, 2) << "call " << i << " got the wrong outcome";
    if (o == 1) {
      ++created;
      EXPECT_TRUE(store.FindClient("dc-" + std::to_string(i))) << i;
    }
  }
  EXPECT_EQ(created, kThreads - kThreads / 3);
  auto list = store.ListRecipients("pt-1", {std::nullopt, 1000});
  ASSERT_TRUE(list);
  EXPECT_EQ(list->items.size(), static_cast<std::size_t>(created) + 1);
  // The refused rotations changed nothing: same secrets, same updated_at, no audit events.
  auto client = store.FindClient("dc-busy");
  ASSERT_TRUE(client);
  EXPECT_EQ(client->secrets.size(), 2u);
  auto recipient = store.GetRecipient("pt-1", "dc-busy", 30);
  ASSERT_TRUE(recipient);
  EXPECT_EQ(recipient->updated_at, 10);
  auto events = store.ListAuditEvents({"pt-1", std::string("dc-busy"), std::nullopt, 100});
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 2u);  // created, rotated once
}

// SQLite's own checkpoint is replaced by the store's checkpoint thread. Under writes that never
// pause, the WAL must still be copied into the database file and started over, or it grows
// without bound (a checkpoint that never catches up with the writes leaves it whole).
TEST_F(SqliteStoreTest, TheWalStaysBoundedUnderWritesThatNeverPause) {
  auto opened = SqliteStore::Open(DbPath(), 4);
  ASSERT_TRUE(opened);
  SqliteStore& store = **opened;
  constexpr int kThreads = 4;
  constexpr int kWritesEach = 1500;
  const std::string value(8000, 'v');  // two overflow pages and a leaf: 3 WAL frames a write
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kWritesEach; ++i) {
          auto r =
              store.GetOrCreateSetting("s-" + std::to_string(t) + "-" + std::to_string(i), value);
          ASSERT_TRUE(r) << r.error().internal;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  const auto written = std::uintmax_t{kThreads} * kWritesEach * 3 * 4096;  // 72 MiB of frames
  const auto wal = std::filesystem::file_size(DbPath() + "-wal");
  EXPECT_LT(wal, written / 4) << "WAL of " << wal << " bytes";
  // The settings reached the database file itself.
  EXPECT_GT(std::filesystem::file_size(DbPath()),
            std::uintmax_t{kThreads} * kWritesEach * 8000 / 2);
}

TEST_F(SqliteStoreTest, PoolOfOneServesSequentialCalls) {
  auto opened = SqliteStore::Open(DbPath(), 1);
  ASSERT_TRUE(opened);
  for (int i = 0; i < 20; ++i) {
    auto found = (*opened)->FindClient("pt-" + std::to_string(i));
    ASSERT_FALSE(found);
    EXPECT_EQ(found.error().code, ErrorCode::kNotFound);
  }
}

}  // namespace
}  // namespace obauth::store::sqlite
