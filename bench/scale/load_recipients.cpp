// load_recipients: bulk-loads N Data Recipients of one partner straight into an obauth SQLite
// database, for bench/scale.sh (creating a million through the HTTP API, one durable
// transaction each, would take hours). Single-threaded command-line tool; never run it against a
// database a server is writing to.
//
// Each recipient gets the rows SqliteStore::CreateRecipient writes for
//   POST /api/v1/recipients {"name": "Bench Recipient <i>", "scope": ["ACCOUNT_BASIC"],
//                            "redirect_uris": ["https://x.example/cb"]}
// with the same SQL (store/sqlite/queries.hpp): a clients row (kind 'recipient'), a recipients
// row, one redirect URI, a client_secrets row holding SecretHasher::Hash(client_id, secret)
// under the key in the database's key file, and the "recipient.created" audit event. Ids and
// secrets are drawn as the server draws them ("dc-" + 25 of [a-z0-9]; 32 CSPRNG bytes in
// base64url). Rows go in large transactions with synchronous = OFF, then a checkpoint with
// synchronous = FULL makes the result durable before the tool reports success.
//
// Refuses a database whose schema version is not the latest this tree's migrations know (a new
// migration may change what a recipient is) or whose key file is not the one it was set up with.
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "crypto/client_secret.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/queries.hpp"

namespace {

using queries = obauth::store::sqlite::Queries;

// Raised for anything that stops the load: the message is printed and the tool exits 1.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class T>
T OrFail(obauth::Result<T> result, std::string_view what) {
  if (!result) throw Failure(std::string(what) + ": " + result.error().internal);
  return std::move(*result);
}

class Database {
 public:
  explicit Database(const std::string& path) {
    // No SQLITE_OPEN_CREATE: the server (or `obauth partner create`) makes the schema.
    const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr);
    if (rc != SQLITE_OK) {
      std::string why = sqlite3_errstr(rc);
      sqlite3_close_v2(db_);
      throw Failure("cannot open database " + path + ": " + why);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~Database() { sqlite3_close_v2(db_); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void Exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string why = message ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      throw Failure(sql + ": " + why);
    }
  }
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// One prepared statement, reset after each run.
class Statement {
 public:
  Statement(Database& db, const char* sql) : db_(db.get()), sql_(sql) {
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      throw Failure(std::string("prepare ") + sql + ": " + sqlite3_errmsg(db_));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Text(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Blob(int index, std::string_view bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Int(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& Null(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
  }
  // Runs the statement; true when it returned a row (whose columns stay readable until the next
  // call on this statement).
  bool Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    sqlite3_reset(stmt_);
    if (rc != SQLITE_DONE) throw Failure(std::string(sql_) + ": " + sqlite3_errmsg(db_));
    return false;
  }
  std::string ColumnText(int col) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                : std::string();
  }
  std::int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  void Reset() { sqlite3_reset(stmt_); }

 private:
  sqlite3* db_;
  const char* sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

std::string FromHex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  if (hex.size() % 2 != 0) return out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// The 32 key bytes of the key file, checked against the database's "server_key_check" setting
// exactly as app/key_file.cpp checks them at start-up.
std::string ReadServerKey(Database& db, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Failure("cannot read key file " + path);
  std::string text;
  std::getline(in, text);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
  const std::string key = FromHex(text);
  if (key.size() != 32) throw Failure("key file " + path + ": not 64 lowercase hex characters");
  Statement get(db, queries::kGetSetting);
  if (!get.Text(1, "server_key_check").Step()) {
    throw Failure("the database has no server_key_check: start the server on it once first");
  }
  const std::string stored = get.ColumnText(0);
  get.Reset();
  if (stored != obauth::crypto::ToHex(obauth::crypto::HmacSha256(key, "obauth server key check"))) {
    throw Failure("key file " + path + " is not the key this database was set up with");
  }
  return key;
}

void CheckSchema(Database& db) {
  Statement version(db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
  version.Step();
  const std::int64_t have = version.ColumnInt(0);
  version.Reset();
  const int want = obauth::store::sqlite::kMigrations.back().version;
  if (have != want) {
    throw Failure("database schema version " + std::to_string(have) + ", this loader writes " +
                  "the rows of version " + std::to_string(want) +
                  ": start the server of this tree on it once first");
  }
}

void CheckPartner(Database& db, const std::string& partner_id) {
  Statement find(db, queries::kFindClient);
  if (!find.Text(1, partner_id).Step() || find.ColumnText(0) != "partner") {
    throw Failure("no partner " + partner_id + " in the database");
  }
  find.Reset();
}

struct Options {
  std::string db;
  std::string key_file;
  std::string partner_id;
  std::int64_t count = 0;
  std::int64_t batch = 50000;
  std::string ids_out;
  std::string credentials_out;
  std::int64_t sample = 1000;
};

int Load(const Options& o) {
  const auto started = std::chrono::steady_clock::now();
  Database db(o.db);
  CheckSchema(db);
  const std::string key = ReadServerKey(db, o.key_file.empty() ? o.db + ".key" : o.key_file);
  CheckPartner(db, o.partner_id);
  const obauth::crypto::SecretHasher hasher{obauth::Secret(key)};

  // Throughput settings for this connection only; the server sets its own on every connection.
  db.Exec("PRAGMA foreign_keys = ON");
  db.Exec("PRAGMA synchronous = OFF");
  db.Exec("PRAGMA cache_size = -524288");  // 512 MiB: the indexes of random ids stay in memory
  db.Exec("PRAGMA wal_autocheckpoint = 0");

  Statement client(db, queries::kInsertClient);
  Statement recipient(db, queries::kInsertRecipient);
  Statement redirect(db, queries::kInsertRedirectUri);
  Statement secret_row(db, queries::kInsertSecret);
  Statement audit(db, queries::kInsertAudit);

  std::ofstream ids(o.ids_out, std::ios::trunc);
  std::ofstream credentials(o.credentials_out, std::ios::trunc);
  if (!ids || !credentials) throw Failure("cannot write " + o.ids_out + " or " + o.credentials_out);
  // Every stride-th recipient goes to the credentials file: random ids, so an even stride over
  // the insertion order is a uniform sample of the key space.
  const std::int64_t sample = std::min(o.sample, o.count);
  const std::int64_t stride = sample > 0 ? o.count / sample : 0;
  std::int64_t sampled = 0;

  const std::int64_t now = std::time(nullptr);
  const std::string options_json = R"({"idempotency_key":false})";
  db.Exec("BEGIN");
  for (std::int64_t i = 0; i < o.count; ++i) {
    const std::string id =
        "dc-" + OrFail(obauth::crypto::RandomString(25, obauth::crypto::kLowerAlnum), "id");
    const obauth::Secret secret = OrFail(obauth::crypto::NewClientSecret(), "secret");
    const std::string name = "Bench Recipient " + std::to_string(i);
    // kInsertClient: client_id, kind, partner_id, name, created_at (= updated_at).
    client.Text(1, id).Text(2, "recipient").Text(3, o.partner_id).Text(4, name).Int(5, now).Step();
    // kInsertRecipient: client_id, scope, then five optional fields left NULL.
    recipient.Text(1, id).Text(2, "ACCOUNT_BASIC");
    for (int col = 3; col <= 7; ++col) recipient.Null(col);
    recipient.Step();
    redirect.Text(1, id).Int(2, 0).Text(3, "https://x.example/cb").Step();
    secret_row.Text(1, id).Blob(2, hasher.Hash(id, secret)).Int(3, now).Step();
    // kInsertAudit: at, partner_id, actor, action, client_id, request_id, source, options.
    audit.Int(1, now)
        .Text(2, o.partner_id)
        .Text(3, o.partner_id)
        .Text(4, "recipient.created")
        .Text(5, id)
        .Text(6, "load-" + std::to_string(i))
        .Text(7, "bench/scale/load_recipients")
        .Text(8, options_json)
        .Step();

    ids << id << '\n';
    if (stride > 0 && i % stride == 0 && sampled < sample) {
      credentials << id << '\t' << secret.Expose() << '\n';
      if (sampled < 3) std::cout << "recipient " << id << " secret " << secret.Expose() << '\n';
      ++sampled;
    }
    if ((i + 1) % o.batch == 0) {
      db.Exec("COMMIT");
      db.Exec("PRAGMA wal_checkpoint(PASSIVE)");
      db.Exec("BEGIN");
      if ((i + 1) % (o.batch * 10) == 0) {
        std::cerr << "load_recipients: " << (i + 1) << " recipients" << std::endl;
      }
    }
  }
  db.Exec("COMMIT");
  // Durable before success is reported: fold the WAL into the database file with fsyncs.
  db.Exec("PRAGMA synchronous = FULL");
  db.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  ids.close();
  credentials.close();
  if (!ids || !credentials) throw Failure("writing " + o.ids_out + " or " + o.credentials_out);

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("loaded %lld recipients of %s in %.1f s (%.0f/s); %lld credentials in %s\n",
              static_cast<long long>(o.count), o.partner_id.c_str(), seconds,
              static_cast<double>(o.count) / seconds, static_cast<long long>(sampled),
              o.credentials_out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Bulk-load Data Recipients of one partner into an obauth SQLite database (bench only)"};
  Options o;
  app.add_option("--db", o.db, "SQLite database the server has set up")->required();
  app.add_option("--key-file", o.key_file, "Server key file (default: DB path + .key)");
  app.add_option("--partner", o.partner_id, "client_id of the owning partner")->required();
  app.add_option("--count", o.count, "Recipients to add")->required()->check(CLI::PositiveNumber);
  app.add_option("--batch", o.batch, "Recipients per transaction")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--ids-out", o.ids_out, "File for every new client_id, one a line")->required();
  app.add_option("--credentials-out", o.credentials_out,
                 "File for a sample of client_id<TAB>client_secret lines")
      ->required();
  app.add_option("--sample", o.sample, "Credentials to write (an even stride over the load)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    return Load(o);
  } catch (const Failure& f) {
    std::cerr << "load_recipients: error: " << f.what() << std::endl;
    return 1;
  }
}
