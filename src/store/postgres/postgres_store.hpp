// PostgresStore: the Store on a PostgreSQL database, for several obauth instances sharing one
// database. Thread-safe: each call borrows a connection from a pool of at most `pool_size`;
// every write runs in its own transaction and announces itself with NOTIFY, which the other
// instances' ForeignChangeVersion counts.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace obauth::store::postgres {

class Connection;

// True when `db` names a PostgreSQL database rather than a SQLite file: a postgres:// or
// postgresql:// URI, or a libpq keyword string (`host=... dbname=...`).
bool IsPostgres(const std::string& db);

// `conninfo` as it may be shown in logs and errors: every parameter but the password.
std::string Describe(const std::string& conninfo);

class PostgresStore final : public Store {
 public:
  // Connects to `conninfo` (a URI or keyword string, see IsPostgres) and applies pending
  // migrations under an advisory lock, so instances starting together migrate once. No call
  // waits longer than about `timeout` seconds for a connection, a free pool slot or a statement
  // (the connection string may set its own connect_timeout and options). kUnavailable when the
  // server cannot be reached; kInternal when the schema is newer than this build or a migration
  // fails.
  [[nodiscard]] static Result<std::unique_ptr<PostgresStore>> Open(const std::string& conninfo,
                                                                   int pool_size, int timeout = 5);
  ~PostgresStore() override;

  Result<void> CreatePartner(const Partner& partner, const std::string& secret_hash,
                             const AuditEvent& audit) override;
  Result<ClientCredentials> FindClient(std::string_view client_id) override;
  Result<void> CreateRecipient(const Recipient& recipient, const std::string& secret_hash,
                               const Replay* replay, const AuditEvent& audit) override;
  Result<std::vector<Recipient>> ListRecipients(std::string_view partner_id) override;
  Result<Recipient> GetRecipient(std::string_view partner_id, std::string_view client_id,
                                 std::int64_t now) override;
  Result<void> UpdateRecipient(const Recipient& recipient, const AuditEvent& audit) override;
  Result<std::optional<std::int64_t>> RotateSecret(const RotateSecretRequest& request,
                                                   const Replay* replay,
                                                   const AuditEvent& audit) override;
  Result<bool> RevokePreviousSecret(std::string_view partner_id, std::string_view client_id,
                                    std::int64_t now, const AuditEvent& audit) override;
  Result<void> RetireRecipient(std::string_view partner_id, std::string_view client_id,
                               std::int64_t now, const AuditEvent& audit) override;
  Result<void> RecordSecretUse(const std::vector<SecretUse>& uses) override;
  Result<std::vector<AuditEvent>> ListAuditEvents(const AuditQuery& query) override;
  Result<std::optional<Replay>> FindReplay(std::string_view partner_id, std::string_view key,
                                           std::int64_t not_before) override;
  Result<std::int64_t> PurgeReplays(std::int64_t cutoff) override;
  Result<std::optional<std::string>> GetSetting(std::string_view name) override;
  Result<std::string> GetOrCreateSetting(std::string_view name,
                                         std::string_view value_if_absent) override;
  // Counts the notifications of other PostgresStore objects' commits received on a listening
  // connection; reconnecting it counts as a change (notifications may have been missed).
  Result<std::uint64_t> ForeignChangeVersion() override;

 private:
  class Lease;
  PostgresStore(std::string conninfo, int pool_size, int timeout);
  Result<Lease> Acquire();
  void Release(std::unique_ptr<Connection> connection);

  // Runs `body` in one transaction that also notifies the other instances; its outcome once
  // committed.
  using WriteBody = std::function<Result<void>(Connection&)>;
  Result<void> Write(const WriteBody& body);

  const std::string conninfo_;
  const int pool_size_;
  const int timeout_;           // seconds
  const std::string instance_;  // this object's NOTIFY payload, to skip its own notifications
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;
  std::mutex listen_mu_;  // guards the two below
  std::unique_ptr<Connection> listener_;
  std::uint64_t foreign_changes_ = 0;
};

}  // namespace obauth::store::postgres
