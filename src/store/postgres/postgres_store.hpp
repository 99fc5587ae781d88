// PostgresStore: the Database on a PostgreSQL database, for several obauth instances sharing one
// database. Thread-safe: each call borrows a connection from a pool of at most `pool_size`;
// every write runs in its own transaction and announces itself with NOTIFY, which the other
// instances' ForeignChangeVersion counts.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/sql/pool.hpp"
#include "store/sql/sql_store.hpp"

namespace obauth::store::postgres {

class Connection;
struct Queries;
class PostgresStore;
using PostgresStoreBase = sql::SqlStore<PostgresStore, Connection, Queries>;

}  // namespace obauth::store::postgres

// Instantiated in postgres_store.cpp, where Connection is complete; declared before the class below
// derives from it, so no other file instantiates the member functions.
extern template class obauth::store::sql::SqlStore<obauth::store::postgres::PostgresStore,
                                                   obauth::store::postgres::Connection,
                                                   obauth::store::postgres::Queries>;

namespace obauth::store::postgres {

// True when `db` names a PostgreSQL database rather than a SQLite file: a postgres:// or
// postgresql:// URI, or a libpq keyword string (`host=... dbname=...`).
bool IsPostgres(const std::string& db);

// `conninfo` as it may be shown in logs and errors: every parameter but the password.
std::string Describe(const std::string& conninfo);

class PostgresStore final : public PostgresStoreBase {
 public:
  // Connects to `conninfo` (a URI or keyword string, see IsPostgres) and applies pending
  // migrations under an advisory lock, so instances starting together migrate once. No call
  // waits longer than about `timeout` seconds for a connection, a free pool slot or a statement
  // (the connection string may set its own connect_timeout and options). kUnavailable when the
  // server cannot be reached; kInternal when the schema is newer than this build or a migration
  // fails.
  [[nodiscard]] static Result<std::unique_ptr<PostgresStore>> Open(const std::string& conninfo,
                                                                   int pool_size, int timeout = 5);
  ~PostgresStore() override;

 private:
  friend PostgresStoreBase;
  using Pool = sql::Pool<Connection>;
  PostgresStore(std::string conninfo, int pool_size, int timeout);
  // A pooled connection, within `timeout` seconds. A session that broke, or was left inside a
  // transaction, is closed when given back; a broken one closes the idle ones too.
  Result<Pool::Lease> Acquire();
  // ChangeFeed::ForeignChangeVersion: counts the notifications of other PostgresStore objects'
  // commits received on a listening connection; reconnecting it counts as a change
  // (notifications may have been missed).
  Result<std::uint64_t> ReadForeignChangeVersion();

  // Runs `body` in one transaction that also notifies the other instances; its outcome once
  // committed.
  using WriteBody = std::function<Result<void>(Connection&)>;
  Result<void> Write(const WriteBody& body);

  const std::string conninfo_;
  const int pool_size_;
  const int timeout_;           // seconds
  const std::string instance_;  // this object's NOTIFY payload, to skip its own notifications
  std::unique_ptr<Pool> pool_;
  std::mutex listen_mu_;  // guards the two below
  std::unique_ptr<Connection> listener_;
  std::uint64_t foreign_changes_ = 0;
};

}  // namespace obauth::store::postgres
