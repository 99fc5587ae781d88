// Databases on the tests' throwaway PostgreSQL cluster (scripts/pg-test-cluster.sh, started by
// the ctest fixture `postgres`; its base URL is in the file named by OBAUTH_TEST_POSTGRES).
#pragma once

#include <string>

namespace obauth::testing {

// A new, empty database on the test cluster, dropped (even with sessions still open) when the
// object goes away. Throws std::runtime_error, saying how to start the cluster, when there is
// none.
class PostgresDatabase {
 public:
  PostgresDatabase();
  // The same on the cluster at `base_url` (postgresql://USER@HOST:PORT, no database).
  explicit PostgresDatabase(std::string base_url);
  ~PostgresDatabase();
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  // postgresql://obauth@127.0.0.1:PORT/NAME
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

  // Runs `sql` on this database; throws std::runtime_error with the server's message on failure.
  void Exec(const std::string& sql) const;

 private:
  std::string base_;
  std::string name_;
  std::string url_;
};

}  // namespace obauth::testing
