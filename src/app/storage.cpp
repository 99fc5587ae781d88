#include "app/storage.hpp"

#include <cstdlib>
#include <filesystem>

#include "app/fatal.hpp"
#include "app/key_file.hpp"
#include "crypto/derive_key.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace obauth::app {

std::string DescribeDb(const std::string& db) {
  if (store::postgres::IsPostgres(db)) return "postgresql (" + store::postgres::Describe(db) + ")";
  return db;
}

Storage OpenStorage(const std::string& db, std::string key_file, int connections, int db_timeout,
                    DomainMetrics* metrics) {
  const char* master_key = std::getenv(kMasterKeyVariable);
  if (master_key != nullptr && !key_file.empty()) {
    throw Fatal{std::string("give the server key either by --key-file or by ") +
                kMasterKeyVariable + ", not both"};
  }
  std::unique_ptr<store::Database> store;
  if (store::postgres::IsPostgres(db)) {
    // Several instances share the database; each must key the secret hashes alike.
    if (key_file.empty() && master_key == nullptr) {
      throw Fatal{std::string("with a PostgreSQL --db, --key-file or ") + kMasterKeyVariable +
                  " is required (every instance sharing the database uses the same key)"};
    }
    auto postgres = OrDie(store::postgres::PostgresStore::Open(db, connections, db_timeout));
    postgres->CountInto(metrics);
    store = std::move(postgres);
  } else {
    const std::filesystem::path parent = std::filesystem::path(db).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec) throw Fatal{"cannot create directory " + parent.string() + ": " + ec.message()};
    }
    auto sqlite = OrDie(store::sqlite::SqliteStore::Open(db, connections));
    sqlite->CountInto(metrics);
    store = std::move(sqlite);
    if (key_file.empty()) key_file = DefaultKeyFile(db);
  }
  auto key = OrDie(master_key != nullptr ? UseServerKey(master_key, *store)
                                         : LoadServerKey(key_file, *store));
  auto hasher = std::make_unique<crypto::SecretHasher>(
      crypto::DeriveKey(key, crypto::KeyPurpose::kSecretHashing));
  return {std::move(store), std::move(key), std::move(hasher)};
}

}  // namespace obauth::app
