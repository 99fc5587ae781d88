// SqliteStore: the embedded default Database on one SQLite file (WAL, synchronous=FULL).
// Thread-safe: each read borrows a connection from a bounded pool; every write of this object
// runs on its one writer connection in BEGIN IMMEDIATE transactions, so several processes may
// share the file and PRAGMA data_version on the writer tells their commits from ours.
// Checkpoints run on a thread of their own: SQLite's automatic checkpoint would run inside the
// COMMIT that crosses the WAL's threshold, and every write of that batch and of the batches
// queued behind it would wait for the copy of the pages and the database file's fsync.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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
    enum State { kQueued, kWrite, kDone };
    explicit PendingWrite(const WriteBody* b) : body(b) {}
    const WriteBody* body;
    Result<void> result;
    // kQueued until its batch committed (kDone, `result` set) or its thread is to write the next
    // batch (kWrite).
    std::atomic<State> state{kQueued};
  };
  void RunBatch(const std::vector<std::shared_ptr<PendingWrite>>& batch);
  // The checkpoint thread: a PASSIVE checkpoint each time a commit leaves the WAL past its
  // threshold, on a connection of its own, until the store is destroyed.
  void RunCheckpoints();

  const std::string path_;
  std::mutex write_mu_;                 // one write transaction at a time in this process
  std::unique_ptr<Connection> writer_;  // every write; used under write_mu_ only
  std::unique_ptr<Pool> readers_;       // every read
  std::mutex queue_mu_;                 // guards the two members below
  std::vector<std::shared_ptr<PendingWrite>> queued_writes_;
  bool writing_ = false;                      // a thread is writing a batch or about to
  std::unique_ptr<Connection> checkpointer_;  // used by checkpoints_ only
  std::mutex checkpoint_mu_;                  // guards the two flags below
  std::condition_variable checkpoint_due_;
  bool checkpoint_wanted_ = false;
  bool stopping_ = false;
  std::thread checkpoints_;  // last: started once everything above exists, joined first
};

}  // namespace obauth::store::sqlite
