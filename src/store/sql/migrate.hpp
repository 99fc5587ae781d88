// The schema migrations of a SQL backend and the runner that applies them at start-up. Each
// backend numbers its own migrations (store/<backend>/migrations.hpp) and records the applied
// ones in its table schema_migrations.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace obauth::store::sql {

// One step of a schema. Append only: never edit a released migration.
struct Migration {
  int version;
  std::string_view sql;
};

// How a backend keeps its version table.
struct MigrationSteps {
  std::vector<const char*> before;  // run before the migrations' transaction
  std::vector<const char*> first;   // run first inside it
  const char* record_version;       // records an applied migration; its version is parameter 1
  std::string database;             // names the database in errors, e.g. "the database"
};

// Applies every migration of `migrations` (ascending versions) newer than the version recorded
// in schema_migrations, and records each, in one transaction: `db.Transaction(body)` runs body()
// in a write transaction and rolls it back when body fails. kInternal, with nothing applied,
// when the database's version is newer than the last of `migrations`; the error of a failing
// statement otherwise.
template <class Db>
Result<void> Migrate(Db& db, std::span<const Migration> migrations, const MigrationSteps& steps) {
  for (const char* sql : steps.before) {
    if (auto r = db.Exec(sql); !r) return r;
  }
  return db.Transaction([&]() -> Result<void> {
    for (const char* sql : steps.first) {
      if (auto r = db.Exec(sql); !r) return r;
    }
    std::int64_t current = 0;
    {  // finished before the migrations run: SQLite cannot drop an index while a read is open
      OBAUTH_TRY(stmt, db.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
      OBAUTH_TRY(row, stmt->Step());
      (void)row;
      current = stmt->Int(0);
    }
    const int latest = migrations.back().version;
    if (current > latest) {
      return InternalError(steps.database + " has schema version " + std::to_string(current) +
                           ", newer than this obauth supports (" + std::to_string(latest) + ")");
    }
    for (const auto& migration : migrations) {
      if (migration.version <= current) continue;
      if (auto r = db.Exec(std::string(migration.sql).c_str()); !r) return r;
      OBAUTH_TRY(insert, db.Prepare(steps.record_version));
      if (auto r = insert->Bind(1, std::int64_t{migration.version}).Run(); !r) return r;
    }
    return {};
  });
}

}  // namespace obauth::store::sql
