#include "store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <unordered_map>

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

// Marks bytes to bind as a BLOB rather than TEXT.
struct Blob {
  std::string_view bytes;
};

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
    for (const char* pragma :
         {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
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
  [[nodiscard]] Result<void> ReadTransaction(F&& body) {
    if (auto r = Exec("BEGIN"); !r) return r;
    Result<void> result = body();
    (void)Exec(result ? "COMMIT" : "ROLLBACK");
    return result;
  }

 private:
  Connection(sqlite3* db, std::mutex* write_mu) : db_(db), write_mu_(write_mu) {}
  sqlite3* db_;
  std::mutex* write_mu_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

// Returns its connection to the pool when destroyed.
class SqliteStore::Lease {
 public:
  Lease(SqliteStore* store, std::unique_ptr<Connection> connection)
      : store_(store), connection_(std::move(connection)) {}
  Lease(Lease&&) = default;
  ~Lease() {
    if (connection_) store_->Release(std::move(connection_));
  }
  Connection* operator->() const { return connection_.get(); }
  Connection& operator*() const { return *connection_; }

 private:
  SqliteStore* store_;
  std::unique_ptr<Connection> connection_;
};

namespace {

Error RecipientNotFound() { return MakeError(ErrorCode::kNotFound, "Data Recipient not found"); }

// The statement for `sql` with `args` bound to ?1, ?2, ... in order.
template <class... Args>
Result<std::unique_ptr<Statement>> Query(Connection& db, const char* sql, const Args&... args) {
  OBAUTH_TRY(stmt, db.Prepare(sql));
  int index = 0;
  (stmt->Bind(++index, args), ...);
  return std::move(stmt);
}

// Runs a statement that returns no rows; how many rows it changed.
template <class... Args>
Result<std::int64_t> Run(Connection& db, const char* sql, const Args&... args) {
  OBAUTH_TRY(stmt, Query(db, sql, args...));
  if (auto r = stmt->Run(); !r) return r.error();
  return std::int64_t{stmt->Changes()};
}

Result<void> InsertAudit(Connection& db, const AuditEvent& e) {
  auto r = Run(db, queries::kInsertAudit, e.at, e.partner_id, e.actor, e.action, e.client_id,
               e.request_id, e.source, e.options_json);
  if (!r) return r.error();
  return {};
}

// Stores the replay (if any), replacing one for the same key older than 24 hours.
Result<void> InsertReplay(Connection& db, const Replay* replay) {
  if (replay == nullptr) return {};
  constexpr std::int64_t kDay = 24 * 60 * 60;
  if (auto r = Run(db, queries::kDeleteStaleReplay, replay->partner_id, replay->key,
                   replay->created_at - kDay);
      !r) {
    return r.error();
  }
  auto r = Run(db, queries::kInsertReplay, replay->partner_id, replay->key,
               Blob{replay->fingerprint}, Blob{replay->sealed}, replay->created_at);
  if (!r && r.error().code == ErrorCode::kConflict) {
    return MakeError(ErrorCode::kKeyInUse,
                     "A request with this Idempotency-Key is already in progress",
                     "idempotency key taken by a concurrent request");
  }
  if (!r) return r.error();
  return {};
}

Result<void> Migrate(Connection& db, const std::string& path) {
  if (auto r = db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                       "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT");
      !r) {
    return r;
  }
  return db.Transaction([&]() -> Result<void> {
    OBAUTH_TRY(stmt, db.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
    OBAUTH_TRY(row, stmt->Step());
    (void)row;
    const std::int64_t current = stmt->Int(0);
    const int latest = kMigrations.back().version;
    if (current > latest) {
      return InternalError("database " + path + " has schema version " + std::to_string(current) +
                           ", newer than this obauth supports (" + std::to_string(latest) + ")");
    }
    for (const auto& migration : kMigrations) {
      if (migration.version <= current) continue;
      if (auto r = db.Exec(std::string(migration.sql).c_str()); !r) return r;
      OBAUTH_TRY(insert, db.Prepare("INSERT INTO schema_migrations (version, applied_at) "
                                    "VALUES (?1, unixepoch())"));
      if (auto r = insert->Bind(1, std::int64_t{migration.version}).Run(); !r) return r;
    }
    return {};
  });
}

Result<void> WriteRecipientLists(Connection& db, const Recipient& r) {
  for (const char* sql : {queries::kDeleteRedirectUris, queries::kDeleteContacts}) {
    if (auto x = Run(db, sql, r.client_id); !x) return x.error();
  }
  for (std::size_t i = 0; i < r.redirect_uris.size(); ++i) {
    if (auto x = Run(db, queries::kInsertRedirectUri, r.client_id, static_cast<std::int64_t>(i),
                     r.redirect_uris[i]);
        !x) {
      return x.error();
    }
  }
  for (std::size_t i = 0; i < r.contact_emails.size(); ++i) {
    if (auto x = Run(db, queries::kInsertContact, r.client_id, static_cast<std::int64_t>(i),
                     r.contact_emails[i]);
        !x) {
      return x.error();
    }
  }
  return {};
}

Result<std::vector<std::string>> Column(Connection& db, const char* sql, std::string_view key) {
  OBAUTH_TRY(stmt, db.Prepare(sql));
  stmt->Bind(1, key);
  std::vector<std::string> out;
  while (true) {
    OBAUTH_TRY(row, stmt->Step());
    if (!row) break;
    out.push_back(stmt->Text(0));
  }
  return out;
}

Recipient ReadRecipient(const Statement& s) {
  Recipient r;
  r.client_id = s.Text(0);
  r.partner_id = s.Text(1);
  r.name = s.Text(2);
  r.scope = s.Text(3);
  r.logo_uri = s.OptionalText(4);
  r.description = s.OptionalText(5);
  r.terms_uri = s.OptionalText(6);
  r.client_uri = s.OptionalText(7);
  r.country = s.OptionalText(8);
  r.created_at = s.Int(9);
  r.updated_at = s.Int(10);
  return r;
}

Result<void> FillLists(Connection& db, Recipient& r) {
  OBAUTH_TRY(uris, Column(db, queries::kRedirectUris, r.client_id));
  OBAUTH_TRY(emails, Column(db, queries::kContacts, r.client_id));
  r.redirect_uris = std::move(uris);
  r.contact_emails = std::move(emails);
  return {};
}

}  // namespace

SqliteStore::SqliteStore(std::string path, int max_connections)
    : path_(std::move(path)), max_connections_(max_connections < 1 ? 1 : max_connections) {}

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
  auto store = std::unique_ptr<SqliteStore>(new SqliteStore(path, max_connections));
  auto connection = Connection::Open(path, &store->write_mu_);
  if (!connection) return connection.error();
  if (auto r = Migrate(**connection, path); !r) {
    if (r.error().code == ErrorCode::kInternal || r.error().code == ErrorCode::kUnavailable) {
      r.error().internal = "cannot prepare database " + path + ": " + r.error().internal;
    }
    return r.error();
  }
  store->writer_ = std::move(*connection);
  return store;
}

Result<SqliteStore::Lease> SqliteStore::Acquire() {
  std::unique_lock lock(mu_);
  available_.wait(lock, [&] { return !idle_.empty() || open_ < max_connections_; });
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  ++open_;
  lock.unlock();
  auto connection = Connection::Open(path_, &write_mu_);
  if (!connection) {
    std::lock_guard relock(mu_);
    --open_;
    available_.notify_one();
    return connection.error();
  }
  return Lease(this, std::move(*connection));
}

void SqliteStore::Release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(connection));
  available_.notify_one();
}

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

Result<void> SqliteStore::CreatePartner(const Partner& partner, const std::string& secret_hash,
                                        const AuditEvent& audit) {
  return Write([&](Connection& db) -> Result<void> {
    if (auto r = Run(db, queries::kInsertClient, partner.client_id, std::string_view("partner"),
                     nullptr, partner.name, partner.created_at);
        !r) {
      return r.error();
    }
    if (auto r = Run(db, queries::kInsertSecret, partner.client_id, Blob{secret_hash},
                     partner.created_at);
        !r) {
      return r.error();
    }
    return InsertAudit(db, audit);
  });
}

Result<ClientCredentials> SqliteStore::FindClient(std::string_view client_id) {
  OBAUTH_TRY(db, Acquire());
  ClientCredentials out;
  {
    OBAUTH_TRY(stmt, Query(*db, queries::kFindClient, client_id));
    OBAUTH_TRY(row, stmt->Step());
    if (!row) return MakeError(ErrorCode::kNotFound, "Client not found");
    out.client_id = std::string(client_id);
    out.kind = stmt->Text(0) == "partner" ? ClientKind::kPartner : ClientKind::kRecipient;
    out.disabled = stmt->Int(1) != 0;
    out.retired = stmt->Int(2) != 0;
    out.partner_id = stmt->Text(3);
    out.scope = stmt->Text(4);
    out.token_epoch = stmt->Int(5);
  }
  OBAUTH_TRY(stmt, Query(*db, queries::kFindSecrets, client_id));
  while (true) {
    OBAUTH_TRY(row, stmt->Step());
    if (!row) break;
    out.secrets.push_back({stmt->Int(0), stmt->Text(1), stmt->OptionalInt(2)});
  }
  return out;
}

Result<void> SqliteStore::CreateRecipient(const Recipient& r, const std::string& secret_hash,
                                          const Replay* replay, const AuditEvent& audit) {
  return Write([&](Connection& db) -> Result<void> {
    if (auto x = Run(db, queries::kInsertClient, r.client_id, std::string_view("recipient"),
                     r.partner_id, r.name, r.created_at);
        !x) {
      return x.error();
    }
    if (auto x = Run(db, queries::kInsertRecipient, r.client_id, r.scope, r.logo_uri, r.description,
                     r.terms_uri, r.client_uri, r.country);
        !x) {
      return x.error();
    }
    if (auto x = WriteRecipientLists(db, r); !x) return x;
    if (auto x = Run(db, queries::kInsertSecret, r.client_id, Blob{secret_hash}, r.created_at);
        !x) {
      return x.error();
    }
    if (auto x = InsertReplay(db, replay); !x) return x;
    return InsertAudit(db, audit);
  });
}

Result<std::vector<Recipient>> SqliteStore::ListRecipients(std::string_view partner_id) {
  OBAUTH_TRY(db, Acquire());
  std::vector<Recipient> out;
  if (auto r = db->ReadTransaction([&]() -> Result<void> {
        {
          OBAUTH_TRY(stmt, Query(*db, queries::kListRecipients, partner_id));
          while (true) {
            OBAUTH_TRY(row, stmt->Step());
            if (!row) break;
            out.push_back(ReadRecipient(*stmt));
          }
        }
        for (auto& recipient : out) {
          if (auto x = FillLists(*db, recipient); !x) return x;
        }
        return {};
      });
      !r) {
    return r.error();
  }
  return out;
}

Result<Recipient> SqliteStore::GetRecipient(std::string_view partner_id, std::string_view client_id,
                                            std::int64_t now) {
  OBAUTH_TRY(db, Acquire());
  Recipient out;
  if (auto r = db->ReadTransaction([&]() -> Result<void> {
        {
          OBAUTH_TRY(stmt, Query(*db, queries::kGetRecipient, partner_id, client_id));
          OBAUTH_TRY(row, stmt->Step());
          if (!row) return RecipientNotFound();
          out = ReadRecipient(*stmt);
        }
        {
          OBAUTH_TRY(stmt, Query(*db, queries::kSecretStatus, client_id, now));
          OBAUTH_TRY(row, stmt->Step());
          if (row) {
            out.secrets.secret_last_used_at = stmt->OptionalInt(0);
            out.secrets.previous_expires_at = stmt->OptionalInt(1);
            out.secrets.previous_last_used_at = stmt->OptionalInt(2);
            out.secrets.previous_authentications = stmt->Int(3);
          }
        }
        return FillLists(*db, out);
      });
      !r) {
    return r.error();
  }
  return out;
}

Result<void> SqliteStore::UpdateRecipient(const Recipient& r, const AuditEvent& audit) {
  return Write([&](Connection& db) -> Result<void> {
    OBAUTH_TRY(changed,
               Run(db, queries::kUpdateClient, r.client_id, r.partner_id, r.name, r.updated_at));
    if (changed == 0) return RecipientNotFound();
    if (auto x = Run(db, queries::kUpdateRecipient, r.client_id, r.scope, r.logo_uri, r.description,
                     r.terms_uri, r.client_uri, r.country);
        !x) {
      return x.error();
    }
    if (auto x = WriteRecipientLists(db, r); !x) return x;
    return InsertAudit(db, audit);
  });
}

Result<std::optional<std::int64_t>> SqliteStore::RotateSecret(const RotateSecretRequest& q,
                                                              const Replay* replay,
                                                              const AuditEvent& audit) {
  std::optional<std::int64_t> previous_expires_at;
  auto result = Write([&](Connection& db) -> Result<void> {
    OBAUTH_TRY(live, Run(db, queries::kTouchClient, q.client_id, q.partner_id, q.now));
    if (live == 0) return RecipientNotFound();
    {
      OBAUTH_TRY(stmt, Query(db, queries::kPreviousInGrace, q.client_id, q.now));
      OBAUTH_TRY(row, stmt->Step());
      if (row && stmt->OptionalInt(0)) {
        return MakeError(ErrorCode::kConflict,
                         "The previous secret is still in its grace period; end it with DELETE "
                         "/api/v1/recipients/" +
                             q.client_id + "/secret/previous before rotating again");
      }
    }
    // At most two secrets: drop expired previous ones, then keep the current one as the
    // previous secret only when a grace period was asked for.
    for (const char* sql : {queries::kDeletePreviousSecrets, queries::kResetPreviousCount}) {
      if (auto x = Run(db, sql, q.client_id); !x) return x.error();
    }
    if (q.grace_seconds > 0) {
      previous_expires_at = q.now + q.grace_seconds;
      if (auto x = Run(db, queries::kExpireCurrentSecret, q.client_id, *previous_expires_at); !x) {
        return x.error();
      }
    } else if (auto x = Run(db, queries::kDeleteCurrentSecret, q.client_id); !x) {
      return x.error();
    }
    if (auto x = Run(db, queries::kInsertSecret, q.client_id, Blob{q.new_hash}, q.now); !x) {
      return x.error();
    }
    if (q.revoke_tokens) {
      if (auto x = Run(db, queries::kBumpTokenEpoch, q.client_id); !x) return x.error();
    }
    if (auto x = InsertReplay(db, replay); !x) return x;
    return InsertAudit(db, audit);
  });
  if (!result) return result.error();
  return previous_expires_at;
}

Result<bool> SqliteStore::RevokePreviousSecret(std::string_view partner_id,
                                               std::string_view client_id, std::int64_t now,
                                               const AuditEvent& audit) {
  bool revoked = false;
  auto result = Write([&](Connection& db) -> Result<void> {
    OBAUTH_TRY(live, Run(db, queries::kTouchClient, client_id, partner_id, now));
    if (live == 0) return RecipientNotFound();
    {
      OBAUTH_TRY(stmt, Query(db, queries::kPreviousInGrace, client_id, now));
      OBAUTH_TRY(row, stmt->Step());
      revoked = row && stmt->OptionalInt(0).has_value();
    }
    if (auto x = Run(db, queries::kDeletePreviousSecrets, client_id); !x) return x.error();
    return revoked ? InsertAudit(db, audit) : Result<void>();
  });
  if (!result) return result.error();
  return revoked;
}

Result<void> SqliteStore::RetireRecipient(std::string_view partner_id, std::string_view client_id,
                                          std::int64_t now, const AuditEvent& audit) {
  return Write([&](Connection& db) -> Result<void> {
    OBAUTH_TRY(retired, Run(db, queries::kRetireClient, client_id, partner_id, now));
    if (retired == 0) return RecipientNotFound();
    if (auto x = Run(db, queries::kDeleteAllSecrets, client_id); !x) return x.error();
    return InsertAudit(db, audit);
  });
}

Result<void> SqliteStore::RecordSecretUse(const std::vector<SecretUse>& uses) {
  if (uses.empty()) return {};
  return Write([&](Connection& db) -> Result<void> {
    for (const auto& use : uses) {
      if (auto x = Run(db, queries::kSecretUsed, use.secret_id, use.last_used_at); !x) {
        return x.error();
      }
      if (use.previous_authentications > 0) {
        if (auto x = Run(db, queries::kCountPreviousUse, use.client_id,
                         use.previous_authentications, use.secret_id);
            !x) {
          return x.error();
        }
      }
    }
    return {};
  });
}

Result<std::vector<AuditEvent>> SqliteStore::ListAuditEvents(const AuditQuery& q) {
  OBAUTH_TRY(db, Acquire());
  OBAUTH_TRY(stmt, Query(*db, queries::kListAudit, q.partner_id, q.client_id, q.before_id,
                         std::int64_t{q.limit}));
  std::vector<AuditEvent> out;
  while (true) {
    OBAUTH_TRY(row, stmt->Step());
    if (!row) break;
    out.push_back({stmt->Int(0), stmt->Int(1), stmt->Text(2), stmt->Text(3), stmt->Text(4),
                   stmt->Text(5), stmt->Text(6), stmt->Text(7), stmt->Text(8)});
  }
  return out;
}

Result<std::optional<Replay>> SqliteStore::FindReplay(std::string_view partner_id,
                                                      std::string_view key,
                                                      std::int64_t not_before) {
  OBAUTH_TRY(db, Acquire());
  OBAUTH_TRY(stmt, Query(*db, queries::kFindReplay, partner_id, key, not_before));
  OBAUTH_TRY(row, stmt->Step());
  if (!row) return std::optional<Replay>();
  return std::optional<Replay>(Replay{std::string(partner_id), std::string(key), stmt->Text(0),
                                      stmt->Text(1), stmt->Int(2)});
}

Result<std::int64_t> SqliteStore::PurgeReplays(std::int64_t cutoff) {
  std::int64_t purged = 0;
  auto result = Write([&](Connection& db) -> Result<void> {
    OBAUTH_TRY(n, Run(db, queries::kPurgeReplays, cutoff));
    purged = n;
    return {};
  });
  if (!result) return result.error();
  return purged;
}

Result<std::optional<std::string>> SqliteStore::GetSetting(std::string_view name) {
  OBAUTH_TRY(db, Acquire());
  OBAUTH_TRY(get, db->Prepare(queries::kGetSetting));
  get->Bind(1, name);
  OBAUTH_TRY(row, get->Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(get->Text(0));
}

Result<std::string> SqliteStore::GetOrCreateSetting(std::string_view name,
                                                    std::string_view value_if_absent) {
  std::string value;
  auto result = Write([&](Connection& db) -> Result<void> {
    {
      if (auto x = Run(db, queries::kInsertSettingIfAbsent, name, value_if_absent); !x) {
        return x.error();
      }
    }
    OBAUTH_TRY(get, db.Prepare(queries::kGetSetting));
    get->Bind(1, name);
    OBAUTH_TRY(row, get->Step());
    if (!row) return InternalError("setting vanished: " + std::string(name));
    value = get->Text(0);
    return {};
  });
  if (!result) return result.error();
  return value;
}

Result<std::uint64_t> SqliteStore::ForeignChangeVersion() {
  // data_version changes for commits by every other connection, and all of this object's commits
  // are made on writer_.
  std::lock_guard writer(write_mu_);
  OBAUTH_TRY(stmt, writer_->Prepare("PRAGMA data_version"));
  OBAUTH_TRY(row, stmt->Step());
  if (!row) return InternalError("PRAGMA data_version returned no row");
  return static_cast<std::uint64_t>(stmt->Int(0));
}

}  // namespace obauth::store::sqlite
