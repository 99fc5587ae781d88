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
    // zeroed within their pages instead of lingering in free space.
    for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
                               "PRAGMA foreign_keys = ON", "PRAGMA secure_delete = FAST"}) {
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

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back if it fails.
  template <class F>
  [[nodiscard]] Result<void> Transaction(F&& body) {
    std::lock_guard writer(*write_mu_);
    if (auto r = Exec("BEGIN IMMEDIATE"); !r) return r;
    Result<void> result = body();
    if (result) result = Exec("COMMIT");
    if (!result) (void)Exec("ROLLBACK");
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
};

namespace {

constexpr char kCreateVersionTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT";
constexpr char kRecordVersion[] =
    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, unixepoch())";

}  // namespace

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {}

SqliteStore::~SqliteStore() = default;

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
  // Readers wait for a free connection as long as it takes, and every one is kept.
  store->readers_ = std::make_unique<Pool>(
      max_connections,
      Pool::Policy{[self] { return Connection::Open(self->path_, &self->write_mu_); }, std::nullopt,
                   nullptr, nullptr});
  return store;
}

Result<SqliteStore::Pool::Lease> SqliteStore::Acquire() { return readers_->Acquire(); }

Result<void> SqliteStore::Write(const WriteBody& body) {
  PendingWrite mine{&body, {}};
  std::unique_lock lock(queue_mu_);
  queued_writes_.push_back(&mine);
  batch_done_.wait(lock, [&] { return mine.done || !writing_; });
  if (mine.done) return mine.result;
  // No batch is being written: this thread writes everything queued so far, its own included.
  writing_ = true;
  std::vector<PendingWrite*> batch;
  batch.swap(queued_writes_);
  lock.unlock();
  RunBatch(batch);
  lock.lock();
  for (auto* pending : batch) pending->done = true;
  writing_ = false;
  batch_done_.notify_all();
  return mine.result;
}

void SqliteStore::RunBatch(const std::vector<PendingWrite*>& batch) {
  Connection& db = *writer_;
  const Result<void> committed = db.Transaction([&]() -> Result<void> {
    for (auto* pending : batch) {
      if (auto r = db.Exec("SAVEPOINT write"); !r) {
        pending->result = r;
        continue;
      }
      pending->result = (*pending->body)(db);
      if (!pending->result) (void)db.Exec("ROLLBACK TO write");
      (void)db.Exec("RELEASE write");
    }
    return {};
  });
  if (!committed) {
    for (auto* pending : batch) {
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
