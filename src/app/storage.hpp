// Opening the database that --db names, with the server key, for serve and for the operator
// commands. Throws Fatal on failure.
#pragma once

#include <memory>
#include <string>

#include "core/metrics.hpp"
#include "core/secret.hpp"
#include "crypto/client_secret.hpp"
#include "store/database.hpp"

namespace obauth::app {

struct Storage {
  std::unique_ptr<store::Database> store;  // every store interface, uncached
  Secret server_key;
  std::unique_ptr<crypto::SecretHasher> hasher;
};

// `db` as it may be logged: a SQLite path, or a PostgreSQL connection without its password.
std::string DescribeDb(const std::string& db);

// The store `db` names: a PostgreSQL connection string (store::postgres::IsPostgres) or a SQLite
// file, with at most `connections` database connections; its calls are counted into `metrics`
// when given.
Storage OpenStorage(const std::string& db, std::string key_file, int connections,
                    int db_timeout = 5, DomainMetrics* metrics = nullptr);

}  // namespace obauth::app
