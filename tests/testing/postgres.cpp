#include "testing/postgres.hpp"

#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

namespace obauth::testing {
namespace {

std::string BaseUrl() {
  const char* file = std::getenv("OBAUTH_TEST_POSTGRES");
  std::ifstream in(file ? file : "");
  std::string url;
  if (!file || !std::getline(in, url) || url.empty()) {
    throw std::runtime_error(
        "no test PostgreSQL cluster: run the test through ctest (fixture `postgres`), or start one "
        "with scripts/pg-test-cluster.sh start STATE_DIR and set "
        "OBAUTH_TEST_POSTGRES=STATE_DIR/url");
  }
  return url;
}

void Run(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
      error = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(conn);
  if (!error.empty()) throw std::runtime_error(sql + " on " + url + ": " + error);
}

}  // namespace

PostgresDatabase::PostgresDatabase() : PostgresDatabase(BaseUrl()) {}

PostgresDatabase::PostgresDatabase(std::string base_url) : base_(std::move(base_url)) {
  static std::atomic<unsigned> counter{0};
  std::random_device random;
  name_ = "obauth_test_" + std::to_string(random()) + "_" + std::to_string(counter++);
  Run(base_ + "/postgres", "CREATE DATABASE " + name_);
  url_ = base_ + "/" + name_;
}

PostgresDatabase::~PostgresDatabase() {
  try {
    Run(base_ + "/postgres", "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The cluster is thrown away after the run anyway.
  }
}

void PostgresDatabase::Exec(const std::string& sql) const { Run(url_, sql); }

}  // namespace obauth::testing
