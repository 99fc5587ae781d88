#include "store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <unordered_map>

#include "store/sql/migrate.hpp"
#include "store/sql/sql_store_impl.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/queries.hpp"

namespace obauth::store::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr char kBeginImmediate[] = "BEGIN IMMEDIATE";
constexpr char kCommit[] = "COMMIT";
constexpr char kRollback[] = "ROLLBACK";
constexpr char kSavepoint[] = "SAVEPOINT write";
constexpr char kRollbackToSavepoint[] = "ROLLBACK TO write";
constexpr char kReleaseSavepoint[] = "RELEASE write";
// The WAL's size, in frames (pages), past which a commit asks for a checkpoint: SQLite's default
// for its automatic checkpoint (4 MiB of 4 KiB pages).
constexpr int kCheckpointFrames = 1000;
// Checkpoint passes made while batches commit, and the frames left for the last pass, made
// between two batches.
constexpr int kCheckpointPasses = 4;
constexpr int kCatchUpFrames = 64;

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return MakeError(ErrorCode::kUnavailable, "Service Unavailable", std::move(message));
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return MakeError(ErrorCode::kConflict, "Already exists", std::move(message));
      }
      return InternalError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

using sql::Blob;

// A cached prepared statement, reset and unbound when the handle goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  Statement& Bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& Bind(int index, const std::string& text) {
    return Bind(index, std::string_view(text));
  }
  Statement& Bind(int index, Blob blob) {
    sqlite3_bind_blob(stmt_, index, blob.bytes.data(), static_cast<int>(blob.bytes.size()),
                      SQLITE_STATIC);
    return *this;
  }
  Statement& Bind(int index, int value) { return Bind(index, std::int64_t{value}); }
  Statement& Bind(int index, bool value) { return Bind(index, std::int64_t{value ? 1 : 0}); }
  Statement& Bind(int index, std::nullptr_t) {
    sqlite3_bind_null(stmt_, index);
    return *this;
  }
  Statement& Bind(int index, const std::optional<std::int64_t>& value) {
    if (value) return Bind(index, *value);
    return Bind(index, nullptr);
  }
  Statement& Bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& Bind(int index, const std::optional<std::string>& value) {
    if (value) return Bind(index, std::string_view(*value));
    sqlite3_bind_null(stmt_, index);
    return *this;
  }

  // true when a row is ready, false when done.
  [[nodiscard]] Result<bool> Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, sqlite3_extended_errcode(db_), "step");
  }
  [[nodiscard]] Result<void> Run() {
    auto row = Step();
    if (!row) return row.error();
    return {};
  }
  int Changes() const { return sqlite3_changes(db_); }

  std::string Text(int col) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                : std::string();
  }
  std::string Bytes(int col) const { return Text(col); }
  std::optional<std::string> OptionalText(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return Text(col);
  }
  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::optional<std::int64_t> OptionalInt(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return Int(col);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

}  // namespace

// One SQLite connection with its prepared statements. Used by one thread at a time.
class Connection {
 public:
  // `write_mu` (shared by the store's connections) serializes this process's write
  // transactions in memory; SQLite's busy handler, which sleeps and backs off up to 100 ms, then
  // only arbitrates between processes.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, std::mutex* write_mu) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(
        path.c_str(), &db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
        nullptr);
    auto connection = std::unique_ptr<Connection>(new Connection(db, write_mu));
    if (rc != SQLITE_OK) {
      return MakeError(ErrorCode::kUnavailable, "Service Unavailable",
                       "cannot open database " + path + ": " + sqlite3_errstr(rc));
    }
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    // secure_delete = FAST: deleted and overwritten rows (secret hashes, replaced settings) are
    // zeroed within their pages instead of lingering in free space. temp_store = MEMORY keeps the
    // savepoints' sub-journals (SqliteStore::RunBatch) in memory: by default one past 64 KiB is
    // spilled to a file in /var/tmp, created, written and unlinked in every larger batch. A
    // sub-journal holds the pages one write changed, bounded by that write.
    for (const char* pragma :
         {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON",
          "PRAGMA secure_delete = FAST", "PRAGMA temp_store = MEMORY"}) {
      if (auto r = connection->Exec(pragma); !r) {
        return MakeError(ErrorCode::kUnavailable, "Service Unavailable",
                         "cannot use database " + path + ": " + r.error().internal);
      }
    }
    return connection;
  }

  ~Connection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  [[nodiscard]] Result<void> Exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return {};
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return SqliteError(nullptr, sqlite3_extended_errcode(db_), text);
  }

  // The statement for `sql`, prepared on first use. `sql` must be a string constant.
  [[nodiscard]] Result<std::unique_ptr<Statement>> Prepare(const char* sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      sqlite3_stmt* stmt = nullptr;
      const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
      it = statements_.emplace(sql, stmt).first;
    }
    return std::make_unique<Statement>(db_, it->second);
  }

  // `hook(context, frames)` runs after each commit of this connection with the number of frames
  // in the WAL, instead of SQLite's automatic checkpoint (which it replaces).
  void OnCommit(void (*hook)(void* context, int frames), void* context) {
    commit_hook_ = hook;
    commit_context_ = context;
    sqlite3_wal_hook(
        db_,
        [](void* self, sqlite3*, const char*, int frames) {
          auto* connection = static_cast<Connection*>(self);
          connection->commit_hook_(connection->commit_context_, frames);
          return SQLITE_OK;
        },
        this);
  }

  // A PASSIVE checkpoint: copies what it can of the WAL into the database file without waiting
  // for (or blocking) readers and writers. Answers the number of the WAL's frames now copied.
  Result<int> Checkpoint() {
    int copied = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, &copied);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "checkpoint");
    return copied;
  }

  // Runs a statement without parameters or rows (a transaction's control statement), prepared
  // once: sqlite3_exec would parse it at every call. `sql` must be a string constant.
  [[nodiscard]] Result<void> Do(const char* sql) {
    OBAUTH_TRY(stmt, Prepare(sql));
    return stmt->Run();
  }

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back if it fails.
  template <class F>
  [[nodiscard]] Result<void> Transaction(F&& body) {
    std::lock_guard writer(*write_mu_);
    if (auto r = Do(kBeginImmediate); !r) return r;
    Result<void> result = body();
    if (result) result = Do(kCommit);
    if (!result) (void)Do(kRollback);
    return result;
  }

  // Runs `body` inside one read transaction, so every statement sees the same snapshot.
  template <class F>
  [[nodiscard]] auto ReadTransaction(F&& body) -> decltype(body()) {
    if (auto r = Exec("BEGIN"); !r) return r.error();
    auto result = body();
    (void)Exec(result ? "COMMIT" : "ROLLBACK");
    return result;
  }

 private:
  Connection(sqlite3* db, std::mutex* write_mu) : db_(db), write_mu_(write_mu) {}
  sqlite3* db_;
  std::mutex* write_mu_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
  void (*commit_hook_)(void*, int) = nullptr;
  void* commit_context_ = nullptr;
};

namespace {

constexpr char kCreateVersionTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT";
constexpr char kRecordVersion[] =
    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, unixepoch())";

}  // namespace

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {}

SqliteStore::~SqliteStore() {
  if (checkpoints_.joinable()) {
    {
      std::lock_guard lock(checkpoint_mu_);
      stopping_ = true;
    }
    checkpoint_due_.notify_one();
    checkpoints_.join();
  }
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       int max_connections) {
  // Create the file ourselves so it is private (0600): it holds the token signing key.
  // SQLite gives its -wal and -shm files the same mode.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(ErrorCode::kUnavailable, "Service Unavailable",
                     "cannot open database " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  auto store = std::unique_ptr<SqliteStore>(new SqliteStore(path));
  auto connection = Connection::Open(path, &store->write_mu_);
  if (!connection) return connection.error();
  // The version table is created before the migrations' BEGIN IMMEDIATE.
  const sql::MigrationSteps steps{{kCreateVersionTable}, {}, kRecordVersion, "database " + path};
  if (auto r = sql::Migrate(**connection, kMigrations, steps); !r) {
    if (r.error().code == ErrorCode::kInternal || r.error().code == ErrorCode::kUnavailable) {
      r.error().internal = "cannot prepare database " + path + ": " + r.error().internal;
    }
    return r.error();
  }
  store->writer_ = std::move(*connection);
  SqliteStore* self = store.get();
  auto checkpointer = Connection::Open(path, &store->write_mu_);
  if (!checkpointer) return checkpointer.error();
  store->checkpointer_ = std::move(*checkpointer);
  store->writer_->OnCommit(
      [](void* context, int frames) {
        if (frames < kCheckpointFrames) return;
        auto* store = static_cast<SqliteStore*>(context);
        {
          std::lock_guard lock(store->checkpoint_mu_);
          store->checkpoint_wanted_ = true;
        }
        store->checkpoint_due_.notify_one();
      },
      self);
  store->checkpoints_ = std::thread([self] { self->RunCheckpoints(); });
  // Readers wait for a free connection as long as it takes, and every one is kept.
  store->readers_ = std::make_unique<Pool>(
      max_connections,
      Pool::Policy{[self] { return Connection::Open(self->path_, &self->write_mu_); }, std::nullopt,
                   nullptr, nullptr});
  return store;
}

Result<SqliteStore::Pool::Lease> SqliteStore::Acquire() { return readers_->Acquire(); }

Result<void> SqliteStore::Write(const WriteBody& body) {
  // Shared with the batch's writer, which may still be waking this thread after it returned.
  auto mine = std::make_shared<PendingWrite>(&body);
  {
    std::lock_guard lock(queue_mu_);
    queued_writes_.push_back(mine);
    if (!writing_) {
      writing_ = true;
      mine->state = PendingWrite::kWrite;
    }
  }
  mine->state.wait(PendingWrite::kQueued);
  if (mine->state == PendingWrite::kDone) return mine->result;
  // This thread writes the next batch: everything queued so far, its own write included.
  std::vector<std::shared_ptr<PendingWrite>> batch;
  {
    std::lock_guard lock(queue_mu_);
    batch.swap(queued_writes_);
  }
  RunBatch(batch);
  // Each thread of the batch is woken alone (no herd contending for one mutex); then the first
  // write queued meanwhile, whose thread writes the next batch.
  for (auto& pending : batch) {
    if (pending == mine) continue;
    pending->state = PendingWrite::kDone;
    pending->state.notify_one();
  }
  std::shared_ptr<PendingWrite> next;
  {
    std::lock_guard lock(queue_mu_);
    if (queued_writes_.empty()) {
      writing_ = false;
    } else {
      next = queued_writes_.front();
    }
  }
  if (next) {
    next->state = PendingWrite::kWrite;
    next->state.notify_one();
  }
  return mine->result;
}

void SqliteStore::RunCheckpoints() {
  std::unique_lock lock(checkpoint_mu_);
  while (true) {
    checkpoint_due_.wait(lock, [&] { return checkpoint_wanted_ || stopping_; });
    if (stopping_) return;
    checkpoint_wanted_ = false;
    lock.unlock();
    // The WAL is copied while batches go on committing, again as long as they appended more
    // than kCatchUpFrames meanwhile (a few times at most); then, between two batches, the last
    // frames, so that the WAL is wholly copied when the next batch begins, and that batch starts
    // the WAL over from its beginning. A failure (SQLITE_BUSY while another process checkpoints)
    // is left to the next commit past the threshold, which asks again.
    int copied = 0;
    for (int pass = 0; pass < kCheckpointPasses; ++pass) {
      auto now_copied = checkpointer_->Checkpoint();
      if (!now_copied || *now_copied - copied <= kCatchUpFrames) break;
      copied = *now_copied;
    }
    {
      std::lock_guard writer(write_mu_);
      (void)checkpointer_->Checkpoint();
    }
    lock.lock();
    // The commits that asked meanwhile are covered.
    checkpoint_wanted_ = false;
  }
}

void SqliteStore::RunBatch(const std::vector<std::shared_ptr<PendingWrite>>& batch) {
  Connection& db = *writer_;
  const Result<void> committed = db.Transaction([&]() -> Result<void> {
    for (const auto& pending : batch) {
      if (auto r = db.Do(kSavepoint); !r) {
        pending->result = r;
        continue;
      }
      pending->result = (*pending->body)(db);
      if (!pending->result) (void)db.Do(kRollbackToSavepoint);
      (void)db.Do(kReleaseSavepoint);
    }
    return {};
  });
  if (!committed) {
    for (const auto& pending : batch) {
      if (pending->result) pending->result = committed.error();
    }
  }
}

Result<std::uint64_t> SqliteStore::ReadForeignChangeVersion() {
  // data_version changes for commits by every other connection, and all of this object's commits
  // are made on writer_.
  std::lock_guard writer(write_mu_);
  OBAUTH_TRY(stmt, writer_->Prepare("PRAGMA data_version"));
  OBAUTH_TRY(row, stmt->Step());
  if (!row) return InternalError("PRAGMA data_version returned no row");
  return static_cast<std::uint64_t>(stmt->Int(0));
}

}  // namespace obauth::store::sqlite

template class obauth::store::sql::SqlStore<obauth::store::sqlite::SqliteStore,
                                            obauth::store::sqlite::Connection,
                                            obauth::store::sqlite::Queries>;
