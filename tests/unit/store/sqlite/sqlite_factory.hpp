// SqliteFactory: the SQLite backend for the store conformance suites (store_test.hpp): a fresh
// database file in its own temporary directory per test.
#pragma once

#include <filesystem>
#include <memory>
#include <system_error>

#include "store/database.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace obauth::store::sqlite {

class SqliteFactory {
 public:
  void SetUp() { dir_ = test_support::MakeUniqueTempDir(); }
  void TearDown() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Result<std::unique_ptr<Database>> Open() {
    auto opened = SqliteStore::Open((dir_ / "obauth.db").string(), 4);
    if (!opened) return opened.error();
    return std::unique_ptr<Database>(std::move(*opened));
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace obauth::store::sqlite
