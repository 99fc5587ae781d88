// TempSqliteTest: a TempDirTest with a SQLite store open on a new database in the test's
// directory (DbPath()), closed in TearDown before the directory is removed. Not thread-safe; one
// per test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <utility>

#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace obauth::test_support {

class TempSqliteTest : public TempDirTest {
 protected:
  // A subclass that does more in SetUp calls this first, under ASSERT_NO_FATAL_FAILURE: store_ is
  // null when the database could not be opened.
  void SetUp() override {
    TempDirTest::SetUp();
    auto opened = store::sqlite::SqliteStore::Open(DbPath(), 1);
    ASSERT_TRUE(opened) << opened.error().internal;
    store_ = std::move(*opened);
  }
  void TearDown() override {
    store_.reset();
    TempDirTest::TearDown();
  }

  std::unique_ptr<store::sqlite::SqliteStore> store_;
};

}  // namespace obauth::test_support
