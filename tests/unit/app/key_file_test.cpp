#include "app/key_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace obauth::app {
namespace {

class KeyFileTest : public test_support::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    store_ = Open(DbPath());
    ASSERT_NE(store_, nullptr);
    key_path_ = DefaultKeyFile(DbPath());
  }
  void TearDown() override {
    store_.reset();
    TempDirTest::TearDown();
  }

  static std::unique_ptr<store::sqlite::SqliteStore> Open(const std::string& path) {
    auto opened = store::sqlite::SqliteStore::Open(path, 1);
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().internal);
    return opened ? std::move(*opened) : nullptr;
  }

  static void Write(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }

  void ExpectFailure(const Result<Secret>& r, std::string_view why) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInternal);
    EXPECT_NE(r.error().internal.find(key_path_), std::string::npos) << r.error().internal;
    EXPECT_NE(r.error().internal.find(why), std::string::npos) << r.error().internal;
  }

  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::string key_path_;
};

TEST_F(KeyFileTest, DefaultKeyFileAppendsDotKey) {
  EXPECT_EQ(DefaultKeyFile("/var/lib/obauth/obauth.db"), "/var/lib/obauth/obauth.db.key");
  EXPECT_EQ(DefaultKeyFile("db"), "db.key");
}

TEST_F(KeyFileTest, FirstLoadCreatesPrivateHexKeyFile) {
  auto key = LoadServerKey(key_path_, *store_);
  ASSERT_TRUE(key) << key.error().internal;
  EXPECT_EQ(key->Expose().size(), 32u);
  const std::string text = Read(key_path_);
  ASSERT_EQ(text.size(), 65u);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), 64u);
  struct stat st {};
  ASSERT_EQ(::stat(key_path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST_F(KeyFileTest, LaterLoadsReturnTheSameKey) {
  auto first = LoadServerKey(key_path_, *store_);
  ASSERT_TRUE(first);
  store_.reset();
  store_ = Open(DbPath());
  auto second = LoadServerKey(key_path_, *store_);
  ASSERT_TRUE(second) << second.error().internal;
  EXPECT_EQ(second->Expose(), first->Expose());
}

TEST_F(KeyFileTest, PreProvisionedKeyFileIsAdopted) {
  Write(key_path_, std::string(64, 'a') + "\n");
  auto key = LoadServerKey(key_path_, *store_);
  ASSERT_TRUE(key) << key.error().internal;
  EXPECT_EQ(key->Expose(), std::string(32, '\xaa'));
}

TEST_F(KeyFileTest, MissingKeyFileForSetUpDatabaseIsRefused) {
  ASSERT_TRUE(LoadServerKey(key_path_, *store_));
  ASSERT_EQ(std::remove(key_path_.c_str()), 0);
  ExpectFailure(LoadServerKey(key_path_, *store_), "missing");
  // No new key was created behind the operator's back.
  EXPECT_FALSE(std::ifstream(key_path_).good());
}

TEST_F(KeyFileTest, AnotherKeyForSetUpDatabaseIsRefused) {
  ASSERT_TRUE(LoadServerKey(key_path_, *store_));
  Write(key_path_, std::string(64, 'b') + "\n");
  ExpectFailure(LoadServerKey(key_path_, *store_), "not the key the database was set up with");
}

TEST_F(KeyFileTest, MalformedKeyFileIsRefused) {
  for (const std::string& text : {std::string(63, 'a'), std::string(66, 'a'), std::string(64, 'A'),
                                  std::string(64, 'g'), std::string("not hex at all")}) {
    SCOPED_TRACE(text);
    Write(key_path_, text + "\n");
    ExpectFailure(LoadServerKey(key_path_, *store_), "not 64 lowercase hex characters");
  }
}

TEST_F(KeyFileTest, KeyFromTheEnvironmentIsRecordedAndThenRequired) {
  const std::string hex(64, 'c');
  auto key = UseServerKey(hex + "\n", *store_);
  ASSERT_TRUE(key) << key.error().internal;
  EXPECT_EQ(key->Expose(), std::string(32, '\xcc'));
  // No key file appears, and the database now refuses any other key.
  EXPECT_FALSE(std::ifstream(key_path_).good());
  auto other = UseServerKey(std::string(64, 'd'), *store_);
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().internal.find("OBAUTH_MASTER_KEY: this is not the key the database"),
            std::string::npos)
      << other.error().internal;
  EXPECT_EQ(other.error().internal.find(std::string(64, 'd')), std::string::npos);
  // The same key from a file is the same key.
  Write(key_path_, hex + "\n");
  EXPECT_TRUE(LoadServerKey(key_path_, *store_));
}

TEST_F(KeyFileTest, MalformedKeyInTheEnvironmentIsRefusedWithoutEchoingIt) {
  auto key = UseServerKey("0123not-hex", *store_);
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().internal.find("OBAUTH_MASTER_KEY: not 64 lowercase hex characters"),
            std::string::npos)
      << key.error().internal;
  EXPECT_EQ(key.error().internal.find("0123not-hex"), std::string::npos);
}

}  // namespace
}  // namespace obauth::app
