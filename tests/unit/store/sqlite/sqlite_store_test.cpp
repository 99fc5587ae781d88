#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "store/store_conformance.hpp"
#include "temp_dir.hpp"

namespace obauth::store::sqlite {
namespace {

// A fresh database file in its own temporary directory per test.
class SqliteStoreFactory {
 public:
  void SetUp() { dir_ = test_support::MakeUniqueTempDir(); }
  void TearDown() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Result<std::unique_ptr<Store>> Open() {
    auto opened = SqliteStore::Open((dir_ / "obauth.db").string(), 4);
    if (!opened) return opened.error();
    return std::unique_ptr<Store>(std::move(*opened));
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreConformance, SqliteStoreFactory);

namespace {

class SqliteStoreTest : public test_support::TempDirTest {};

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

TEST_F(SqliteStoreTest, ConcurrentGetOrCreateSettingAgreesOnOneValue) {
  auto opened = SqliteStore::Open(DbPath(), 4);
  ASSERT_TRUE(opened);
  SqliteStore& store = **opened;
  constexpr int kThreads = 8;
  std::vector<std::string> seen(kThreads);
  std::vector<bool> ok(kThreads, false);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        auto value = store.GetOrCreateSetting("key", "value-" + std::to_string(i));
        if (value) {
          seen[static_cast<std::size_t>(i)] = *value;
          ok[static_cast<std::size_t>(i)] = true;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  for (int i = 0; i < kThreads; ++i) EXPECT_TRUE(ok[static_cast<std::size_t>(i)]) << i;
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 1u);
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
