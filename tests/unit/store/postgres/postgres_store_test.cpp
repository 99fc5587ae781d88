#include "store/postgres/postgres_store.hpp"

#include <gtest/gtest.h>

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
#include "testing/postgres.hpp"

namespace obauth::store::postgres {
namespace {

AuditEvent Audit(const std::string& partner, const std::string& action, const std::string& client) {
  return AuditEvent{0, 1, partner, partner, action, client, "req", "test", "{}"};
}

// Each test gets its own database on the test cluster.
class PostgresFactory {
 public:
  void SetUp() { db_ = std::make_unique<testing::PostgresDatabase>(); }
  void TearDown() { db_.reset(); }
  Result<std::unique_ptr<Database>> Open() {
    auto opened = PostgresStore::Open(db_->url(), 4);
    if (!opened) return opened.error();
    return std::unique_ptr<Database>(std::move(*opened));
  }

 private:
  std::unique_ptr<testing::PostgresDatabase> db_;
};

// The cache in front of PostgreSQL, as main.cpp wires it.
using CachedPostgresFactory = Cached<PostgresFactory, 250>;

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, ClientStoreConformance, PostgresFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, RecipientStoreConformance, PostgresFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, AuditStoreConformance, PostgresFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, ReplayStoreConformance, PostgresFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, ProviderStoreConformance, PostgresFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, SettingStoreConformance, PostgresFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, DatabaseConformance, PostgresFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(CachingPostgres, ClientStoreConformance, CachedPostgresFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, ConnectionStoreConformance, PostgresFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(CachingPostgres, RecipientStoreConformance, CachedPostgresFactory);
INSTANTIATE_TYPED_TEST_SUITE_P(CachingPostgres, ConnectionStoreConformance, CachedPostgresFactory);

namespace {

class PostgresStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<PostgresStore> Open() {
    auto opened = PostgresStore::Open(db_.url(), 4);
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().internal);
    return opened ? std::move(*opened) : nullptr;
  }
  testing::PostgresDatabase db_;
};

TEST_F(PostgresStoreTest, ConcurrentFirstStartsMigrateOnce) {
  constexpr int kInstances = 6;
  std::vector<std::unique_ptr<PostgresStore>> stores(kInstances);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kInstances; ++i) {
      threads.emplace_back([&, i] {
        auto opened = PostgresStore::Open(db_.url(), 1);
        if (opened) stores[i] = std::move(*opened);
      });
    }
    for (auto& t : threads) t.join();
  }
  for (const auto& store : stores) ASSERT_NE(store, nullptr);
  // Applied once: a second application of migration 1 would have failed on CREATE TABLE, and
  // its row would be there twice.
  db_.Exec(
      "DO $$ BEGIN IF (SELECT count(*) FROM schema_migrations WHERE version = 1) <> 1 THEN "
      "RAISE EXCEPTION 'migration 1 recorded more than once'; END IF; END $$");
  ASSERT_TRUE(
      stores[0]->CreatePartner({"pt-1", "P", 1}, "h", Audit("pt-1", "partner.created", "pt-1")));
  EXPECT_TRUE(stores[kInstances - 1]->FindClient("pt-1"));
}

TEST_F(PostgresStoreTest, NewerSchemaIsRefusedWithAMessage) {
  ASSERT_NE(Open(), nullptr);
  db_.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)");
  auto opened = PostgresStore::Open(db_.url(), 1);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
  EXPECT_NE(opened.error().internal.find("999"), std::string::npos) << opened.error().internal;
}

TEST_F(PostgresStoreTest, UnreachableServerIsUnavailable) {
  auto opened = PostgresStore::Open("postgresql://obauth@127.0.0.1:1/none", 1);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(opened.error().internal.find("127.0.0.1"), std::string::npos);
}

TEST_F(PostgresStoreTest, TextWithANulCharacterIsRefusedNeverCutShort) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->CreatePartner({"pt-1", "P", 1}, "h", Audit("pt-1", "partner.created", "pt-1")));
  auto found = store->FindClient(std::string("pt-1\0x", 6));
  ASSERT_FALSE(found);  // not pt-1
  EXPECT_EQ(found.error().code, ErrorCode::kValidation);
  EXPECT_TRUE(store->FindClient("pt-1"));  // the session is still usable
}

TEST_F(PostgresStoreTest, BrokenSessionsAreReplaced) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->CreatePartner({"pt-1", "P", 1}, "h", Audit("pt-1", "partner.created", "pt-1")));
  db_.Exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  auto first = store->FindClient("pt-1");  // may fail on the dead session
  if (!first) {
    EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  }
  EXPECT_TRUE(store->FindClient("pt-1"));
}

// Under a NonBlockingScope a call answers kWouldBlock before it borrows a session: one that used
// the killed session would answer kUnavailable.
TEST_F(PostgresStoreTest, NonBlockingCallsAreRefusedBeforeTheDatabase) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  db_.Exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  NonBlockingScope no_blocking;
  for (int i = 0; i < 2; ++i) {
    auto read = store->FindClient("pt-1");
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, ErrorCode::kWouldBlock);
    auto write = store->GetOrCreateSetting("k", "v");
    ASSERT_FALSE(write);
    EXPECT_EQ(write.error().code, ErrorCode::kWouldBlock);
    auto version = store->ForeignChangeVersion();
    ASSERT_FALSE(version);
    EXPECT_EQ(version.error().code, ErrorCode::kWouldBlock);
  }
}

TEST(PostgresConnectionString, TellsPostgresFromSqlitePaths) {
  EXPECT_TRUE(IsPostgres("postgres://u@h/db"));
  EXPECT_TRUE(IsPostgres("postgresql://u:p@h:5432/db?sslmode=require"));
  EXPECT_TRUE(IsPostgres("host=127.0.0.1 dbname=obauth"));
  EXPECT_TRUE(IsPostgres(" dbname = obauth"));
  EXPECT_FALSE(IsPostgres("./data/obauth.db"));
  EXPECT_FALSE(IsPostgres("/var/lib/obauth/a=b.db"));
  EXPECT_FALSE(IsPostgres("postgres.db"));
}

TEST(PostgresConnectionString, DescriptionNeverShowsThePassword) {
  const std::string uri = Describe("postgresql://alice:s3cr3t-pw@db.example:6543/obauth");
  EXPECT_EQ(uri.find("s3cr3t-pw"), std::string::npos) << uri;
  EXPECT_NE(uri.find("host=db.example"), std::string::npos) << uri;
  EXPECT_NE(uri.find("dbname=obauth"), std::string::npos) << uri;
  const std::string keywords = Describe("host=h dbname=d password='s3cr3t pw' user=u");
  EXPECT_EQ(keywords.find("s3cr3t"), std::string::npos) << keywords;
  EXPECT_NE(keywords.find("user=u"), std::string::npos) << keywords;
}

}  // namespace
}  // namespace obauth::store::postgres
