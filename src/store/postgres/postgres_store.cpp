#include "store/postgres/postgres_store.hpp"

#include <libpq-fe.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <random>
#include <string_view>
#include <unordered_map>

#include "store/postgres/migrations.hpp"
#include "store/postgres/queries.hpp"
#include "store/sql/migrate.hpp"
#include "store/sql/sql_store_impl.hpp"

namespace obauth::store::postgres {
namespace {

constexpr char kNotifySql[] = "SELECT pg_notify('obauth_changes', $1)";
constexpr char kListenSql[] = "LISTEN obauth_changes";
// pg_advisory_xact_lock key taken by migrations: "obauth" in ASCII.
constexpr char kMigrationLockSql[] = "SELECT pg_advisory_xact_lock(122045335409768)";

Error PgError(std::string_view what, PGconn* conn, const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string detail = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  while (!detail.empty() && std::isspace(static_cast<unsigned char>(detail.back()))) {
    detail.pop_back();
  }
  std::string message = std::string(what) + ": " + detail;
  const std::string_view code = state ? state : "";
  if (code == "23505") return MakeError(ErrorCode::kConflict, "Already exists", std::move(message));
  // Text PostgreSQL cannot store (a NUL character): no such row can exist or be written.
  if (code == "22021" || code == "22P05") {
    return MakeError(ErrorCode::kValidation, "Text must not contain NUL characters",
                     std::move(message));
  }
  // No SQLSTATE: libpq's own failure, such as a lost connection. 08: connection exceptions;
  // 53: insufficient resources; 57P: the server is shutting down or restarting; 40001/40P01:
  // serialization failure and deadlock, which a retry resolves.
  if (code.empty() || code.starts_with("08") || code.starts_with("53") || code.starts_with("57P") ||
      code == "40001" || code == "40P01") {
    return MakeError(ErrorCode::kUnavailable, "Service Unavailable", std::move(message));
  }
  return InternalError(std::move(message));
}

// A prepared statement execution: parameters are bound first, the first Step() runs it. Text and
// bytea parameters are sent in binary form (exact bytes, so a NUL is refused by the server rather
// than cutting the string short), numbers as text. Results come back as text.
class Statement {
 public:
  Statement(PGconn* conn, const std::string& name) : conn_(conn), name_(name) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() {
    if (result_) PQclear(result_);
  }

  Statement& Bind(int index, std::string_view text) { return Set(index, std::string(text), 1); }
  Statement& Bind(int index, const std::string& text) {
    return Bind(index, std::string_view(text));
  }
  Statement& Bind(int index, sql::Blob blob) { return Set(index, std::string(blob.bytes), 1); }
  Statement& Bind(int index, std::int64_t value) { return Set(index, std::to_string(value), 0); }
  Statement& Bind(int index, int value) { return Bind(index, std::int64_t{value}); }
  Statement& Bind(int index, bool value) { return Bind(index, std::int64_t{value ? 1 : 0}); }
  Statement& Bind(int index, std::nullptr_t) { return Set(index, std::nullopt, 0); }
  Statement& Bind(int index, const std::optional<std::int64_t>& value) {
    return value ? Bind(index, *value) : Bind(index, nullptr);
  }
  Statement& Bind(int index, const std::optional<std::string>& value) {
    return value ? Bind(index, std::string_view(*value)) : Bind(index, nullptr);
  }

  // true when a row is ready, false when done.
  [[nodiscard]] Result<bool> Step() {
    if (result_ == nullptr) {
      if (auto r = Execute(); !r) return r.error();
    }
    return ++row_ < PQntuples(result_);
  }
  [[nodiscard]] Result<void> Run() {
    if (auto r = Step(); !r) return r.error();
    return {};
  }
  int Changes() const { return std::atoi(PQcmdTuples(result_)); }

  std::string Text(int col) const {
    return std::string(PQgetvalue(result_, row_, col),
                       static_cast<std::size_t>(PQgetlength(result_, row_, col)));
  }
  std::string Bytes(int col) const {
    std::size_t length = 0;
    unsigned char* bytes = PQunescapeBytea(
        reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row_, col)), &length);
    if (bytes == nullptr) return {};
    std::string out(reinterpret_cast<const char*>(bytes), length);
    PQfreemem(bytes);
    return out;
  }
  std::optional<std::string> OptionalText(int col) const {
    if (PQgetisnull(result_, row_, col)) return std::nullopt;
    return Text(col);
  }
  std::int64_t Int(int col) const {
    return std::strtoll(PQgetvalue(result_, row_, col), nullptr, 10);
  }
  std::optional<std::int64_t> OptionalInt(int col) const {
    if (PQgetisnull(result_, row_, col)) return std::nullopt;
    return Int(col);
  }

 private:
  struct Param {
    std::optional<std::string> value;
    int format = 0;
  };

  Statement& Set(int index, std::optional<std::string> value, int format) {
    const auto i = static_cast<std::size_t>(index - 1);
    if (params_.size() <= i) params_.resize(i + 1);
    params_[i] = Param{std::move(value), format};
    return *this;
  }

  Result<void> Execute() {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (const auto& p : params_) {
      values.push_back(p.value ? p.value->data() : nullptr);
      lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
      formats.push_back(p.format);
    }
    result_ = PQexecPrepared(conn_, name_.c_str(), static_cast<int>(params_.size()), values.data(),
                             lengths.data(), formats.data(), 0);
    const auto status = PQresultStatus(result_);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return {};
    Error error = PgError("statement", conn_, result_);
    PQclear(result_);
    result_ = nullptr;
    return error;
  }

  PGconn* conn_;
  const std::string& name_;
  std::vector<Param> params_;
  PGresult* result_ = nullptr;
  int row_ = -1;
};

}  // namespace

// One PostgreSQL session with its prepared statements. Used by one thread at a time.
class Connection {
 public:
  // Gives up connecting, and cancels any statement, after `timeout` seconds, unless the
  // connection string says otherwise; names the session "obauth" in pg_stat_activity.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo, int timeout) {
    const std::string seconds = std::to_string(timeout);
    const std::string options = "-c statement_timeout=" + std::to_string(timeout * 1000);
    const char* keywords[] = {"connect_timeout", "options", "application_name", "dbname", nullptr};
    const char* values[] = {seconds.c_str(), options.c_str(), "obauth", conninfo.c_str(), nullptr};
    // expand_dbname: the connection string's own settings override the defaults before it.
    auto connection =
        std::unique_ptr<Connection>(new Connection(PQconnectdbParams(keywords, values, 1)));
    if (connection->conn_ == nullptr || PQstatus(connection->conn_) != CONNECTION_OK) {
      Error error = PgError("cannot connect to PostgreSQL (" + Describe(conninfo) + ")",
                            connection->conn_, nullptr);
      error.code = ErrorCode::kUnavailable;
      error.public_message = "Service Unavailable";
      return error;
    }
    return connection;
  }

  ~Connection() { PQfinish(conn_); }

  // Runs `sql` (one or more statements, no parameters).
  [[nodiscard]] Result<void> Exec(const char* sql) {
    PGresult* result = PQexec(conn_, sql);
    const auto status = PQresultStatus(result);
    Result<void> out;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
      out = PgError("exec", conn_, result);
    PQclear(result);
    return out;
  }

  // The statement for `sql`, prepared on first use. `sql` must be a string constant.
  [[nodiscard]] Result<std::unique_ptr<Statement>> Prepare(const char* sql) {
    auto it = names_.find(sql);
    if (it == names_.end()) {
      std::string name = "s" + std::to_string(names_.size());
      PGresult* result = PQprepare(conn_, name.c_str(), sql, 0, nullptr);
      const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
      Error error = ok ? Error{} : PgError("prepare", conn_, result);
      PQclear(result);
      if (!ok) return error;
      it = names_.emplace(sql, std::move(name)).first;
    }
    return std::make_unique<Statement>(conn_, it->second);
  }

  // Runs `body` inside BEGIN ... COMMIT (READ COMMITTED); rolls back if it fails.
  template <class F>
  [[nodiscard]] Result<void> Transaction(F&& body) {
    if (auto r = Exec("BEGIN"); !r) return r;
    Result<void> result = body();
    if (result) result = Exec("COMMIT");
    if (!result) (void)Exec("ROLLBACK");
    return result;
  }

  // Runs `body` inside one REPEATABLE READ, READ ONLY transaction: one snapshot.
  template <class F>
  [[nodiscard]] auto ReadTransaction(F&& body) -> decltype(body()) {
    if (auto r = Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !r) return r.error();
    auto result = body();
    (void)Exec(result ? "COMMIT" : "ROLLBACK");
    return result;
  }

  // Idle, healthy and outside any transaction: fit to go back to the pool.
  bool Reusable() const {
    return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
  }

  PGconn* raw() const { return conn_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
  std::unordered_map<const char*, std::string> names_;
};

namespace {

constexpr char kCreateVersionTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)";
constexpr char kRecordVersion[] =
    "INSERT INTO schema_migrations (version, applied_at) "
    "VALUES ($1, extract(epoch from now())::bigint)";

std::string NewInstanceId() {
  std::random_device random;
  std::string id;
  for (int i = 0; i < 4; ++i) id += std::to_string(random()) + (i < 3 ? "-" : "");
  return id;
}

// The libpq connection keywords, such as host, dbname and password.
bool IsConnectionKeyword(std::string_view word) {
  PQconninfoOption* options = PQconndefaults();
  bool found = false;
  for (auto* o = options; o != nullptr && o->keyword != nullptr; ++o) {
    if (word == o->keyword) found = true;
  }
  PQconninfoFree(options);
  return found;
}

}  // namespace

bool IsPostgres(const std::string& db) {
  if (db.starts_with("postgres://") || db.starts_with("postgresql://")) return true;
  const auto equals = db.find('=');
  if (equals == std::string::npos) return false;
  std::string_view keyword(db.data(), equals);
  while (!keyword.empty() && std::isspace(static_cast<unsigned char>(keyword.front()))) {
    keyword.remove_prefix(1);
  }
  while (!keyword.empty() && std::isspace(static_cast<unsigned char>(keyword.back()))) {
    keyword.remove_suffix(1);
  }
  return IsConnectionKeyword(keyword);
}

std::string Describe(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    if (error) PQfreemem(error);
    return "an invalid connection string";
  }
  std::string out;
  for (auto* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0' || std::string_view(o->keyword) == "password") {
      continue;
    }
    if (!out.empty()) out += ' ';
    out += std::string(o->keyword) + "=" + o->val;
  }
  PQconninfoFree(options);
  return out;
}

PostgresStore::PostgresStore(std::string conninfo, int pool_size, int timeout)
    : conninfo_(std::move(conninfo)),
      pool_size_(pool_size < 1 ? 1 : pool_size),
      timeout_(timeout < 1 ? 1 : timeout),
      instance_(NewInstanceId()) {}

PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& conninfo,
                                                           int pool_size, int timeout) {
  auto store = std::unique_ptr<PostgresStore>(new PostgresStore(conninfo, pool_size, timeout));
  OBAUTH_TRY(connection, Connection::Open(conninfo, store->timeout_));
  // Instances starting together queue on the advisory lock; the first applies the migrations,
  // the others then find them applied.
  const sql::MigrationSteps steps{
      {}, {kMigrationLockSql, kCreateVersionTable}, kRecordVersion, "the database"};
  if (auto r = sql::Migrate(*connection, kMigrations, steps); !r) {
    r.error().internal =
        "cannot prepare PostgreSQL database (" + Describe(conninfo) + "): " + r.error().internal;
    return r.error();
  }
  PostgresStore* self = store.get();
  store->pool_ = std::make_unique<Pool>(
      store->pool_size_,
      Pool::Policy{
          [self] { return Connection::Open(self->conninfo_, self->timeout_); },
          std::chrono::seconds(store->timeout_),
          [self] {
            return MakeError(ErrorCode::kUnavailable, "Service Unavailable",
                             "no database connection came free within " +
                                 std::to_string(self->timeout_) + " s (--db-pool " +
                                 std::to_string(self->pool_size_) + ")");
          },
          // A broken session, or one left inside a transaction, is closed; the next Acquire
          // opens anew. A broken one usually means the server restarted or failed over, which
          // broke the idle ones too: close them as well, rather than fail one request on each.
          [](const Connection& connection) {
            if (connection.Reusable()) return Pool::Disposal::kKeep;
            return PQstatus(connection.raw()) != CONNECTION_OK ? Pool::Disposal::kCloseAllIdle
                                                               : Pool::Disposal::kClose;
          }});
  store->pool_->Adopt(std::move(connection));
  return store;
}

Result<PostgresStore::Pool::Lease> PostgresStore::Acquire() { return pool_->Acquire(); }

Result<void> PostgresStore::Write(const WriteBody& body) {
  OBAUTH_TRY(db, Acquire());
  return db->Transaction([&]() -> Result<void> {
    if (auto r = body(*db); !r) return r;
    // Delivered to the listening instances at commit, and only if the transaction commits.
    OBAUTH_TRY(notify, db->Prepare(kNotifySql));
    return notify->Bind(1, instance_).Run();
  });
}

Result<std::uint64_t> PostgresStore::ReadForeignChangeVersion() {
  std::lock_guard lock(listen_mu_);
  if (listener_ == nullptr) {
    OBAUTH_TRY(connection, Connection::Open(conninfo_, timeout_));
    if (auto r = connection->Exec(kListenSql); !r) return r.error();
    listener_ = std::move(connection);
    return ++foreign_changes_;  // whatever happened while nobody listened
  }
  // A round trip finds a dead session and collects the notifications that have arrived.
  if (auto r = listener_->Exec("SELECT 1"); !r) {
    listener_.reset();
    return r.error();
  }
  while (PGnotify* notify = PQnotifies(listener_->raw())) {
    if (instance_ != notify->extra) ++foreign_changes_;
    PQfreemem(notify);
  }
  return foreign_changes_;
}

}  // namespace obauth::store::postgres

template class obauth::store::sql::SqlStore<obauth::store::postgres::PostgresStore,
                                            obauth::store::postgres::Connection,
                                            obauth::store::postgres::Queries>;
