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
  Statement& BindBlob(int index, std::string_view bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
    return *this;
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

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

}  // namespace

// One SQLite connection with its prepared statements. Used by one thread at a time.
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& path) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(
        path.c_str(), &db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
        nullptr);
    auto connection = std::unique_ptr<Connection>(new Connection(db));
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
    if (auto r = Exec("BEGIN IMMEDIATE"); !r) return r;
    Result<void> result = body();
    if (result) result = Exec("COMMIT");
    if (!result) (void)Exec("ROLLBACK");
    return result;
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
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
    OBAUTH_TRY(del, db.Prepare(sql));
    if (auto x = del->Bind(1, r.client_id).Run(); !x) return x;
  }
  for (std::size_t i = 0; i < r.redirect_uris.size(); ++i) {
    OBAUTH_TRY(ins, db.Prepare(queries::kInsertRedirectUri));
    if (auto x = ins->Bind(1, r.client_id)
                     .Bind(2, static_cast<std::int64_t>(i))
                     .Bind(3, r.redirect_uris[i])
                     .Run();
        !x) {
      return x;
    }
  }
  for (std::size_t i = 0; i < r.contact_emails.size(); ++i) {
    OBAUTH_TRY(ins, db.Prepare(queries::kInsertContact));
    if (auto x = ins->Bind(1, r.client_id)
                     .Bind(2, static_cast<std::int64_t>(i))
                     .Bind(3, r.contact_emails[i])
                     .Run();
        !x) {
      return x;
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

Error RecipientNotFound() { return MakeError(ErrorCode::kNotFound, "Data Recipient not found"); }

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
  auto connection = Connection::Open(path);
  if (!connection) return connection.error();
  if (auto r = Migrate(**connection, path); !r) {
    if (r.error().code == ErrorCode::kInternal || r.error().code == ErrorCode::kUnavailable) {
      r.error().internal = "cannot prepare database " + path + ": " + r.error().internal;
    }
    return r.error();
  }
  store->open_ = 1;
  store->idle_.push_back(std::move(*connection));
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
  auto connection = Connection::Open(path_);
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

Result<void> SqliteStore::CreatePartner(const Partner& partner, const std::string& secret_hash) {
  OBAUTH_TRY(db, Acquire());
  return db->Transaction([&]() -> Result<void> {
    OBAUTH_TRY(client, db->Prepare(queries::kInsertClient));
    if (auto r = client->Bind(1, partner.client_id)
                     .Bind(2, std::string_view("partner"))
                     .Bind(3, std::optional<std::string>())
                     .Bind(4, partner.name)
                     .Bind(5, partner.created_at)
                     .Run();
        !r) {
      return r;
    }
    OBAUTH_TRY(secret, db->Prepare(queries::kInsertSecret));
    return secret->Bind(1, partner.client_id)
        .BindBlob(2, secret_hash)
        .Bind(3, partner.created_at)
        .Run();
  });
}

Result<ClientCredentials> SqliteStore::FindClient(std::string_view client_id) {
  OBAUTH_TRY(db, Acquire());
  ClientCredentials out;
  {
    OBAUTH_TRY(stmt, db->Prepare(queries::kFindClient));
    stmt->Bind(1, client_id);
    OBAUTH_TRY(row, stmt->Step());
    if (!row) return MakeError(ErrorCode::kNotFound, "Client not found");
    out.client_id = std::string(client_id);
    out.kind = stmt->Text(0) == "partner" ? ClientKind::kPartner : ClientKind::kRecipient;
    out.disabled = stmt->Int(1) != 0;
    out.scope = stmt->Text(2);
  }
  OBAUTH_TRY(stmt, db->Prepare(queries::kFindSecrets));
  stmt->Bind(1, client_id);
  while (true) {
    OBAUTH_TRY(row, stmt->Step());
    if (!row) break;
    out.secret_hashes.push_back(stmt->Text(0));
  }
  return out;
}

Result<void> SqliteStore::CreateRecipient(const Recipient& r, const std::string& secret_hash) {
  OBAUTH_TRY(db, Acquire());
  return db->Transaction([&]() -> Result<void> {
    OBAUTH_TRY(client, db->Prepare(queries::kInsertClient));
    if (auto x = client->Bind(1, r.client_id)
                     .Bind(2, std::string_view("recipient"))
                     .Bind(3, r.partner_id)
                     .Bind(4, r.name)
                     .Bind(5, r.created_at)
                     .Run();
        !x) {
      return x;
    }
    OBAUTH_TRY(row, db->Prepare(queries::kInsertRecipient));
    if (auto x = row->Bind(1, r.client_id)
                     .Bind(2, r.scope)
                     .Bind(3, r.logo_uri)
                     .Bind(4, r.description)
                     .Bind(5, r.terms_uri)
                     .Bind(6, r.client_uri)
                     .Bind(7, r.country)
                     .Run();
        !x) {
      return x;
    }
    if (auto x = WriteRecipientLists(*db, r); !x) return x;
    OBAUTH_TRY(secret, db->Prepare(queries::kInsertSecret));
    return secret->Bind(1, r.client_id).BindBlob(2, secret_hash).Bind(3, r.created_at).Run();
  });
}

Result<std::vector<Recipient>> SqliteStore::ListRecipients(std::string_view partner_id) {
  OBAUTH_TRY(db, Acquire());
  std::vector<Recipient> out;
  // One read transaction, so the list and its child rows come from one snapshot.
  if (auto r = db->Exec("BEGIN"); !r) return r.error();
  auto result = [&]() -> Result<void> {
    {
      OBAUTH_TRY(stmt, db->Prepare(queries::kListRecipients));
      stmt->Bind(1, partner_id);
      while (true) {
        OBAUTH_TRY(row, stmt->Step());
        if (!row) break;
        out.push_back(ReadRecipient(*stmt));
      }
    }
    for (auto& r : out) {
      if (auto x = FillLists(*db, r); !x) return x;
    }
    return {};
  }();
  (void)db->Exec(result ? "COMMIT" : "ROLLBACK");
  if (!result) return result.error();
  return out;
}

Result<Recipient> SqliteStore::GetRecipient(std::string_view partner_id,
                                            std::string_view client_id) {
  OBAUTH_TRY(db, Acquire());
  if (auto r = db->Exec("BEGIN"); !r) return r.error();
  Recipient out;
  auto result = [&]() -> Result<void> {
    {
      OBAUTH_TRY(stmt, db->Prepare(queries::kGetRecipient));
      stmt->Bind(1, partner_id).Bind(2, client_id);
      OBAUTH_TRY(row, stmt->Step());
      if (!row) return RecipientNotFound();
      out = ReadRecipient(*stmt);
    }
    return FillLists(*db, out);
  }();
  (void)db->Exec(result ? "COMMIT" : "ROLLBACK");
  if (!result) return result.error();
  return out;
}

Result<void> SqliteStore::UpdateRecipient(const Recipient& r) {
  OBAUTH_TRY(db, Acquire());
  return db->Transaction([&]() -> Result<void> {
    OBAUTH_TRY(client, db->Prepare(queries::kUpdateClient));
    if (auto x = client->Bind(1, r.client_id)
                     .Bind(2, r.partner_id)
                     .Bind(3, r.name)
                     .Bind(4, r.updated_at)
                     .Run();
        !x) {
      return x;
    }
    if (client->Changes() == 0) return RecipientNotFound();
    OBAUTH_TRY(row, db->Prepare(queries::kUpdateRecipient));
    if (auto x = row->Bind(1, r.client_id)
                     .Bind(2, r.scope)
                     .Bind(3, r.logo_uri)
                     .Bind(4, r.description)
                     .Bind(5, r.terms_uri)
                     .Bind(6, r.client_uri)
                     .Bind(7, r.country)
                     .Run();
        !x) {
      return x;
    }
    return WriteRecipientLists(*db, r);
  });
}

Result<void> SqliteStore::ReplaceSecret(std::string_view partner_id, std::string_view client_id,
                                        const std::string& secret_hash, std::int64_t now) {
  OBAUTH_TRY(db, Acquire());
  return db->Transaction([&]() -> Result<void> {
    OBAUTH_TRY(touch, db->Prepare(queries::kTouchClient));
    if (auto x = touch->Bind(1, client_id).Bind(2, partner_id).Bind(3, now).Run(); !x) return x;
    if (touch->Changes() == 0) return RecipientNotFound();
    OBAUTH_TRY(del, db->Prepare(queries::kDeleteSecrets));
    if (auto x = del->Bind(1, client_id).Run(); !x) return x;
    OBAUTH_TRY(ins, db->Prepare(queries::kInsertSecret));
    return ins->Bind(1, client_id).BindBlob(2, secret_hash).Bind(3, now).Run();
  });
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
  OBAUTH_TRY(db, Acquire());
  std::string value;
  auto result = db->Transaction([&]() -> Result<void> {
    {
      OBAUTH_TRY(ins, db->Prepare(queries::kInsertSettingIfAbsent));
      if (auto x = ins->Bind(1, name).Bind(2, value_if_absent).Run(); !x) return x;
    }
    OBAUTH_TRY(get, db->Prepare(queries::kGetSetting));
    get->Bind(1, name);
    OBAUTH_TRY(row, get->Step());
    if (!row) return InternalError("setting vanished: " + std::string(name));
    value = get->Text(0);
    return {};
  });
  if (!result) return result.error();
  return value;
}

}  // namespace obauth::store::sqlite
