// SqlStore: every store interface of a SQL backend (store::Database), written once over the
// operations in store/sql/*_operations.hpp. A backend derives from SqlStore<Backend, Db, Q> (Db:
// its connection type, Q: its query set, store/<backend>/queries.hpp) and gives this class access
// (friend) to
//
//   Result<void> Write(const std::function<Result<void>(Db&)>& body);  // one write transaction
//   Result<Lease> Acquire();  // a pooled connection (sql::Pool): `*lease` is a Db&
//   Result<std::uint64_t> ReadForeignChangeVersion();  // ChangeFeed::ForeignChangeVersion
//
// where Db has `ReadTransaction(f)`, running f() inside one read snapshot. Under a
// NonBlockingScope every call answers kWouldBlock before any of these is called. The member
// functions are defined in store/sql/sql_store_impl.hpp, which only the backend's source file
// includes: its header declares `extern template class SqlStore<...>`, its source file
// instantiates it where Db is complete.
#pragma once

#include <chrono>
#include <functional>

#include "core/metrics.hpp"
#include "store/database.hpp"

namespace obauth::store::sql {

template <class Backend, class Db, class Q>
class SqlStore : public Database {
 public:
  // ClientStore.
  Result<void> CreatePartner(const Partner& partner, const std::string& secret_hash,
                             const AuditEvent& audit) override;
  Result<ClientCredentials> FindClient(std::string_view client_id) override;
  Result<void> RecordSecretUse(const std::vector<SecretUse>& uses) override;
  Result<void> RevokeToken(std::string_view client_id, std::string_view token_id,
                           std::int64_t expires_at) override;
  Result<std::int64_t> PurgeRevokedTokens(std::int64_t cutoff) override;

  // RecipientStore.
  Result<void> CreateRecipient(const Recipient& r, const std::string& secret_hash,
                               const Replay* replay, const AuditEvent& audit) override;
  Result<Page<Recipient>> ListRecipients(std::string_view partner_id,
                                         const PageRequest& page) override;
  Result<Recipient> GetRecipient(std::string_view partner_id, std::string_view client_id,
                                 std::int64_t now) override;
  Result<void> UpdateRecipient(const Recipient& r, const AuditEvent& audit) override;
  Result<std::optional<std::int64_t>> RotateSecret(const RotateSecretRequest& q,
                                                   const Replay* replay,
                                                   const AuditEvent& audit) override;
  Result<bool> RevokePreviousSecret(std::string_view partner_id, std::string_view client_id,
                                    std::int64_t now, const AuditEvent& audit) override;
  Result<void> RetireRecipient(std::string_view partner_id, std::string_view client_id,
                               std::int64_t now, const AuditEvent& audit) override;

  // AuditStore.
  Result<std::vector<AuditEvent>> ListAuditEvents(const AuditQuery& q) override;

  // ReplayStore.
  Result<std::optional<Replay>> FindReplay(std::string_view partner_id, std::string_view key,
                                           std::int64_t not_before) override;
  Result<std::int64_t> PurgeReplays(std::int64_t cutoff) override;

  // ProviderStore.
  Result<ProviderImport> UpsertProviders(const std::vector<Provider>& providers) override;
  Result<std::vector<Provider>> ListProviders() override;
  Result<Provider> GetProvider(std::int64_t provider_id) override;
  Result<std::vector<ProviderForRecipient>> ListProvidersForRecipient(
      std::string_view client_id) override;
  Result<std::vector<Registration>> RequestRegistrations(
      std::string_view partner_id, const std::vector<std::string>& client_ids,
      const std::vector<std::int64_t>& provider_ids, std::int64_t now,
      const AuditEvent& audit) override;
  Result<Page<Registration>> ListRegistrations(std::string_view partner_id,
                                               std::optional<std::string_view> client_id,
                                               const PageRequest& page) override;
  Result<Registration> GetRegistration(std::string_view client_id,
                                       std::int64_t provider_id) override;
  Result<Registration> TransitionRegistration(std::string_view client_id, std::int64_t provider_id,
                                              RegistrationStatus from, RegistrationStatus to,
                                              std::int64_t now, const AuditEvent& audit) override;

  // SettingStore.
  Result<std::optional<std::string>> GetSetting(std::string_view name) override;
  Result<std::string> GetOrCreateSetting(std::string_view name,
                                         std::string_view value_if_absent) override;
  Result<std::string> ReplaceSetting(std::string_view name, std::string_view expected,
                                     std::string_view desired) override;

  // ConnectionStore.
  Result<void> CreateCode(const AuthorizationCode& code) override;
  Result<AuthorizationCode> FindCode(std::string_view code_id, std::string_view code_hash) override;
  Result<Redemption> RedeemCode(std::string_view code_id, std::string_view code_hash,
                                const store::Connection& connection,
                                const std::string& refresh_hash, std::int64_t now,
                                std::int64_t marker_expires_at, const AuditEvent& audit,
                                const AuditEvent& reuse_audit) override;
  Result<std::int64_t> PurgeCodes(std::int64_t cutoff) override;
  Result<store::Connection> FindConnectionByRefresh(std::string_view connection_id,
                                                    std::string_view refresh_hash) override;
  Result<store::Connection> GetConnection(std::string_view connection_id) override;
  Result<void> TouchConnections(const std::vector<ConnectionUse>& uses) override;
  Result<bool> RevokeConnection(std::string_view connection_id, std::int64_t now,
                                std::int64_t marker_expires_at, const AuditEvent& audit) override;
  Result<void> SetUpstream(std::string_view connection_id,
                           const std::optional<std::string>& upstream) override;
  Result<std::vector<store::Connection>> ListUpstreamRevocations(std::size_t limit) override;
  Result<Page<store::Connection>> ListConnections(std::string_view client_id,
                                                  const PageRequest& page) override;
  Result<std::vector<store::Connection>> ListCustomerConnections(
      std::int64_t provider_id, std::string_view customer_id) override;

  // ChangeFeed.
  Result<std::uint64_t> ForeignChangeVersion() override;

  // Counts the latency of every database call and its failures (unavailable, internal) into
  // `metrics` from now on. Call before the store is shared.
  void CountInto(DomainMetrics* metrics) { metrics_ = metrics; }

 private:
  Backend& self() { return static_cast<Backend&>(*this); }

  // body(Db&) on a pooled connection; ReadSnapshot inside one read snapshot.
  template <class F>
  auto Read(F&& body);
  template <class F>
  auto ReadSnapshot(F&& body);

  // The value `body` answers, from inside a write transaction, once it has committed.
  template <class T, class F>
  Result<T> Written(F&& body);
  // The backend's Write, counted.
  Result<void> Write(const std::function<Result<void>(Db&)>& body);

  // `result` of a call of `operation` begun at `start`, counted into metrics_.
  template <class R>
  R Counted(DomainMetrics::DbOperation operation, std::chrono::steady_clock::time_point start,
            R result);

  DomainMetrics* metrics_ = nullptr;
};

}  // namespace obauth::store::sql
