// SqliteStore: the embedded default Database on one SQLite file (WAL, synchronous=FULL).
// Thread-safe: each read borrows a connection from a bounded pool; every write of this object
// runs on its one writer connection in BEGIN IMMEDIATE transactions, so several processes may
// share the file and PRAGMA data_version on the writer tells their commits from ours.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/sql/pool.hpp"
#include "store/sql/sql_store.hpp"

namespace obauth::store::sqlite {

class Connection;
struct Queries;
class SqliteStore;
using SqliteStoreBase = sql::SqlStore<SqliteStore, Connection, Queries>;

}  // namespace obauth::store::sqlite

// Instantiated in sqlite_store.cpp, where Connection is complete; declared before the class below
// derives from it, so no other file instantiates the member functions.
extern template class obauth::store::sql::SqlStore<obauth::store::sqlite::SqliteStore,
                                                   obauth::store::sqlite::Connection,
                                                   obauth::store::sqlite::Queries>;

namespace obauth::store::sqlite {

class SqliteStore final : public SqliteStoreBase {
 public:
  // Opens the database at `path` (created with mode 0600 if missing; its directory must exist)
  // and applies pending migrations. kUnavailable with a message naming the path when the file
  // cannot be opened; kInternal when the schema is newer than this build.
  [[nodiscard]] static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                                 int max_connections);
  ~SqliteStore() override;

 private:
  friend SqliteStoreBase;
  using Pool = sql::Pool<Connection>;
  explicit SqliteStore(std::string path);
  // A pooled connection (SqlStore reads on it); waits as long as it takes for one.
  Result<Pool::Lease> Acquire();
  // PRAGMA data_version on the writer connection (ChangeFeed::ForeignChangeVersion).
  Result<std::uint64_t> ReadForeignChangeVersion();

  // Group commit. Runs `body` in a write transaction and returns its outcome once committed.
  // Write transactions that arrive while another batch is being written are run together by one
  // thread, one after another on one connection inside one BEGIN IMMEDIATE ... COMMIT, each in
  // its own savepoint: one fsync covers the whole batch. A body that fails is rolled back to its
  // savepoint and only its caller sees the failure; if COMMIT fails, every body of the batch
  // fails with that error.
  using WriteBody = std::function<Result<void>(Connection&)>;
  Result<void> Write(const WriteBody& body);
  struct PendingWrite {
    const WriteBody* body;
    Result<void> result;
    bool done = false;
  };
  void RunBatch(const std::vector<PendingWrite*>& batch);

  const std::string path_;
  std::mutex write_mu_;                 // one write transaction at a time in this process
  std::unique_ptr<Connection> writer_;  // every write; used under write_mu_ only
  std::unique_ptr<Pool> readers_;       // every read
  std::mutex queue_mu_;                 // guards the members below
  std::condition_variable batch_done_;
  std::vector<PendingWrite*> queued_writes_;
  bool writing_ = false;  // a thread is writing a batch
};

}  // namespace obauth::store::sqlite
