// The member functions of sql::SqlStore (store/sql/sql_store.hpp), for the backends' source
// files only.
#pragma once

#include <utility>

#include "store/non_blocking_scope.hpp"
#include "store/sql/audit_operations.hpp"
#include "store/sql/client_operations.hpp"
#include "store/sql/connection_operations.hpp"
#include "store/sql/provider_operations.hpp"
#include "store/sql/recipient_operations.hpp"
#include "store/sql/replay_operations.hpp"
#include "store/sql/setting_operations.hpp"
#include "store/sql/sql_store.hpp"

namespace obauth::store::sql {

template <class Backend, class Db, class Q>
Result<void> SqlStore<Backend, Db, Q>::CreatePartner(const Partner& partner,
                                                     const std::string& secret_hash,
                                                     const AuditEvent& audit) {
  return Write(
      [&](Db& db) { return ClientOperations<Q>::CreatePartner(db, partner, secret_hash, audit); });
}

template <class Backend, class Db, class Q>
Result<ClientCredentials> SqlStore<Backend, Db, Q>::FindClient(std::string_view client_id) {
  return ReadSnapshot([&](Db& db) { return ClientOperations<Q>::FindClient(db, client_id); });
}

template <class Backend, class Db, class Q>
Result<void> SqlStore<Backend, Db, Q>::CreateRecipient(const Recipient& r,
                                                       const std::string& secret_hash,
                                                       const Replay* replay,
                                                       const AuditEvent& audit) {
  return Write([&](Db& db) {
    return RecipientOperations<Q>::CreateRecipient(db, r, secret_hash, replay, audit);
  });
}

template <class Backend, class Db, class Q>
Result<Page<Recipient>> SqlStore<Backend, Db, Q>::ListRecipients(std::string_view partner_id,
                                                                 const PageRequest& page) {
  return ReadSnapshot(
      [&](Db& db) { return RecipientOperations<Q>::ListRecipients(db, partner_id, page); });
}

template <class Backend, class Db, class Q>
Result<Recipient> SqlStore<Backend, Db, Q>::GetRecipient(std::string_view partner_id,
                                                         std::string_view client_id,
                                                         std::int64_t now) {
  return ReadSnapshot(
      [&](Db& db) { return RecipientOperations<Q>::GetRecipient(db, partner_id, client_id, now); });
}

template <class Backend, class Db, class Q>
Result<void> SqlStore<Backend, Db, Q>::UpdateRecipient(const Recipient& r,
                                                       const AuditEvent& audit) {
  return Write([&](Db& db) { return RecipientOperations<Q>::UpdateRecipient(db, r, audit); });
}

template <class Backend, class Db, class Q>
Result<std::optional<std::int64_t>> SqlStore<Backend, Db, Q>::RotateSecret(
    const RotateSecretRequest& q, const Replay* replay, const AuditEvent& audit) {
  std::optional<std::int64_t> previous_expires_at;
  auto result = Write([&](Db& db) {
    return RecipientOperations<Q>::RotateSecret(db, q, replay, audit, previous_expires_at);
  });
  if (!result) return result.error();
  return previous_expires_at;
}

template <class Backend, class Db, class Q>
Result<bool> SqlStore<Backend, Db, Q>::RevokePreviousSecret(std::string_view partner_id,
                                                            std::string_view client_id,
                                                            std::int64_t now,
                                                            const AuditEvent& audit) {
  bool revoked = false;
  auto result = Write([&](Db& db) {
    return RecipientOperations<Q>::RevokePreviousSecret(db, partner_id, client_id, now, audit,
                                                        revoked);
  });
  if (!result) return result.error();
  return revoked;
}

template <class Backend, class Db, class Q>
Result<void> SqlStore<Backend, Db, Q>::RetireRecipient(std::string_view partner_id,
                                                       std::string_view client_id, std::int64_t now,
                                                       const AuditEvent& audit) {
  return Write([&](Db& db) {
    return RecipientOperations<Q>::RetireRecipient(db, partner_id, client_id, now, audit);
  });
}

template <class Backend, class Db, class Q>
Result<void> SqlStore<Backend, Db, Q>::RecordSecretUse(const std::vector<SecretUse>& uses) {
  if (uses.empty()) return {};
  return Write([&](Db& db) { return ClientOperations<Q>::RecordSecretUse(db, uses); });
}

template <class Backend, class Db, class Q>
Result<std::vector<AuditEvent>> SqlStore<Backend, Db, Q>::ListAuditEvents(const AuditQuery& q) {
  return Read([&](Db& db) { return AuditOperations<Q>::ListAuditEvents(db, q); });
}

template <class Backend, class Db, class Q>
Result<std::optional<Replay>> SqlStore<Backend, Db, Q>::FindReplay(std::string_view partner_id,
                                                                   std::string_view key,
                                                                   std::int64_t not_before) {
  return Read(
      [&](Db& db) { return ReplayOperations<Q>::FindReplay(db, partner_id, key, not_before); });
}

template <class Backend, class Db, class Q>
Result<std::int64_t> SqlStore<Backend, Db, Q>::PurgeReplays(std::int64_t cutoff) {
  return Written<std::int64_t>(
      [&](Db& db) { return ReplayOperations<Q>::PurgeReplays(db, cutoff); });
}

template <class Backend, class Db, class Q>
Result<void> SqlStore<Backend, Db, Q>::RevokeToken(std::string_view client_id,
                                                   std::string_view token_id,
                                                   std::int64_t expires_at) {
  return Write([&](Db& db) {
    return ClientOperations<Q>::RevokeToken(db, client_id, token_id, expires_at);
  });
}

template <class Backend, class Db, class Q>
Result<std::int64_t> SqlStore<Backend, Db, Q>::PurgeRevokedTokens(std::int64_t cutoff) {
  return Written<std::int64_t>(
      [&](Db& db) { return ClientOperations<Q>::PurgeRevokedTokens(db, cutoff); });
}

template <class Backend, class Db, class Q>
Result<ProviderImport> SqlStore<Backend, Db, Q>::UpsertProviders(
    const std::vector<Provider>& providers) {
  return Written<ProviderImport>(
      [&](Db& db) { return ProviderOperations<Q>::UpsertProviders(db, providers); });
}

template <class Backend, class Db, class Q>
Result<std::vector<Provider>> SqlStore<Backend, Db, Q>::ListProviders() {
  return Read([&](Db& db) { return ProviderOperations<Q>::ListProviders(db); });
}

template <class Backend, class Db, class Q>
Result<Provider> SqlStore<Backend, Db, Q>::GetProvider(std::int64_t provider_id) {
  return Read([&](Db& db) { return ProviderOperations<Q>::GetProvider(db, provider_id); });
}

template <class Backend, class Db, class Q>
Result<std::vector<ProviderForRecipient>> SqlStore<Backend, Db, Q>::ListProvidersForRecipient(
    std::string_view client_id) {
  return Read(
      [&](Db& db) { return ProviderOperations<Q>::ListProvidersForRecipient(db, client_id); });
}

template <class Backend, class Db, class Q>
Result<std::vector<Registration>> SqlStore<Backend, Db, Q>::RequestRegistrations(
    std::string_view partner_id, const std::vector<std::string>& client_ids,
    const std::vector<std::int64_t>& provider_ids, std::int64_t now, const AuditEvent& audit) {
  return Written<std::vector<Registration>>([&](Db& db) {
    return ProviderOperations<Q>::RequestRegistrations(db, partner_id, client_ids, provider_ids,
                                                       now, audit);
  });
}

template <class Backend, class Db, class Q>
Result<Page<Registration>> SqlStore<Backend, Db, Q>::ListRegistrations(
    std::string_view partner_id, std::optional<std::string_view> client_id,
    const PageRequest& page) {
  return ReadSnapshot([&](Db& db) {
    return ProviderOperations<Q>::ListRegistrations(db, partner_id, client_id, page);
  });
}

template <class Backend, class Db, class Q>
Result<Registration> SqlStore<Backend, Db, Q>::GetRegistration(std::string_view client_id,
                                                               std::int64_t provider_id) {
  return Read(
      [&](Db& db) { return ProviderOperations<Q>::GetRegistration(db, client_id, provider_id); });
}

template <class Backend, class Db, class Q>
Result<Registration> SqlStore<Backend, Db, Q>::TransitionRegistration(
    std::string_view client_id, std::int64_t provider_id, RegistrationStatus from,
    RegistrationStatus to, std::int64_t now, const AuditEvent& audit) {
  return Written<Registration>([&](Db& db) {
    return ProviderOperations<Q>::TransitionRegistration(db, client_id, provider_id, from, to, now,
                                                         audit);
  });
}

template <class Backend, class Db, class Q>
Result<std::optional<std::string>> SqlStore<Backend, Db, Q>::GetSetting(std::string_view name) {
  return Read([&](Db& db) { return SettingOperations<Q>::GetSetting(db, name); });
}

template <class Backend, class Db, class Q>
Result<std::string> SqlStore<Backend, Db, Q>::GetOrCreateSetting(std::string_view name,
                                                                 std::string_view value_if_absent) {
  return Written<std::string>(
      [&](Db& db) { return SettingOperations<Q>::GetOrCreateSetting(db, name, value_if_absent); });
}

template <class Backend, class Db, class Q>
Result<std::string> SqlStore<Backend, Db, Q>::ReplaceSetting(std::string_view name,
                                                             std::string_view expected,
                                                             std::string_view desired) {
  return Written<std::string>(
      [&](Db& db) { return SettingOperations<Q>::ReplaceSetting(db, name, expected, desired); });
}

template <class Backend, class Db, class Q>
Result<void> SqlStore<Backend, Db, Q>::CreateCode(const AuthorizationCode& code) {
  return Write([&](Db& db) { return ConnectionOperations<Q>::CreateCode(db, code); });
}

template <class Backend, class Db, class Q>
Result<AuthorizationCode> SqlStore<Backend, Db, Q>::FindCode(std::string_view code_id,
                                                             std::string_view code_hash) {
  return Read([&](Db& db) { return ConnectionOperations<Q>::FindCode(db, code_id, code_hash); });
}

// A Redemption that did not redeem is a value, not an error: the revocation it made commits.
template <class Backend, class Db, class Q>
Result<Redemption> SqlStore<Backend, Db, Q>::RedeemCode(
    std::string_view code_id, std::string_view code_hash, const store::Connection& connection,
    const std::string& refresh_hash, std::int64_t now, std::int64_t marker_expires_at,
    const AuditEvent& audit, const AuditEvent& reuse_audit) {
  return Written<Redemption>([&](Db& db) {
    return ConnectionOperations<Q>::RedeemCode(db, code_id, code_hash, connection, refresh_hash,
                                               now, marker_expires_at, audit, reuse_audit);
  });
}

template <class Backend, class Db, class Q>
Result<std::int64_t> SqlStore<Backend, Db, Q>::PurgeCodes(std::int64_t cutoff) {
  return Written<std::int64_t>(
      [&](Db& db) { return ConnectionOperations<Q>::PurgeCodes(db, cutoff); });
}

template <class Backend, class Db, class Q>
Result<store::Connection> SqlStore<Backend, Db, Q>::FindConnectionByRefresh(
    std::string_view connection_id, std::string_view refresh_hash) {
  return Read([&](Db& db) {
    return ConnectionOperations<Q>::FindConnectionByRefresh(db, connection_id, refresh_hash);
  });
}

template <class Backend, class Db, class Q>
Result<store::Connection> SqlStore<Backend, Db, Q>::GetConnection(std::string_view connection_id) {
  return Read([&](Db& db) { return ConnectionOperations<Q>::GetConnection(db, connection_id); });
}

template <class Backend, class Db, class Q>
Result<void> SqlStore<Backend, Db, Q>::TouchConnections(const std::vector<ConnectionUse>& uses) {
  if (uses.empty()) return {};
  return Write([&](Db& db) { return ConnectionOperations<Q>::TouchConnections(db, uses); });
}

template <class Backend, class Db, class Q>
Result<bool> SqlStore<Backend, Db, Q>::RevokeConnection(std::string_view connection_id,
                                                        std::int64_t now,
                                                        std::int64_t marker_expires_at,
                                                        const AuditEvent& audit) {
  return Written<bool>([&](Db& db) {
    return ConnectionOperations<Q>::RevokeConnection(db, connection_id, now, marker_expires_at,
                                                     audit);
  });
}

template <class Backend, class Db, class Q>
Result<void> SqlStore<Backend, Db, Q>::SetUpstream(std::string_view connection_id,
                                                   const std::optional<std::string>& upstream) {
  return Write(
      [&](Db& db) { return ConnectionOperations<Q>::SetUpstream(db, connection_id, upstream); });
}

template <class Backend, class Db, class Q>
Result<std::vector<store::Connection>> SqlStore<Backend, Db, Q>::ListUpstreamRevocations(
    std::size_t limit) {
  return Read([&](Db& db) { return ConnectionOperations<Q>::ListUpstreamRevocations(db, limit); });
}

template <class Backend, class Db, class Q>
Result<Page<store::Connection>> SqlStore<Backend, Db, Q>::ListConnections(
    std::string_view client_id, const PageRequest& page) {
  return Read(
      [&](Db& db) { return ConnectionOperations<Q>::ListConnections(db, client_id, page); });
}

template <class Backend, class Db, class Q>
Result<std::vector<store::Connection>> SqlStore<Backend, Db, Q>::ListCustomerConnections(
    std::int64_t provider_id, std::string_view customer_id) {
  return Read([&](Db& db) {
    return ConnectionOperations<Q>::ListCustomerConnections(db, provider_id, customer_id);
  });
}

template <class Backend, class Db, class Q>
Result<std::uint64_t> SqlStore<Backend, Db, Q>::ForeignChangeVersion() {
  if (NonBlockingScope::Active()) return WouldBlock();
  return self().ReadForeignChangeVersion();
}

// Under a NonBlockingScope, Read and Write answer kWouldBlock before borrowing a connection; such
// a call is not counted: it is made again on a worker thread.
template <class Backend, class Db, class Q>
template <class F>
auto SqlStore<Backend, Db, Q>::Read(F&& body) {
  using Out = decltype(body(std::declval<Db&>()));
  if (NonBlockingScope::Active()) return Out(WouldBlock());
  constexpr auto kRead = DomainMetrics::DbOperation::kRead;
  const auto start = std::chrono::steady_clock::now();
  auto lease = self().Acquire();
  if (!lease) return Counted(kRead, start, Out(lease.error()));
  return Counted(kRead, start, body(**lease));
}

template <class Backend, class Db, class Q>
Result<void> SqlStore<Backend, Db, Q>::Write(const std::function<Result<void>(Db&)>& body) {
  if (NonBlockingScope::Active()) return WouldBlock();
  const auto start = std::chrono::steady_clock::now();
  return Counted(DomainMetrics::DbOperation::kWrite, start, self().Write(body));
}

template <class Backend, class Db, class Q>
template <class R>
R SqlStore<Backend, Db, Q>::Counted(DomainMetrics::DbOperation operation,
                                    std::chrono::steady_clock::time_point start, R result) {
  if (metrics_ == nullptr) return result;
  if (!result) {
    switch (result.error().code) {
      case ErrorCode::kWouldBlock:
        return result;  // not tried (NonBlockingScope): made again on a worker thread
      case ErrorCode::kUnavailable:
        metrics_->DatabaseFailed(DomainMetrics::DbError::kUnavailable);
        break;
      case ErrorCode::kInternal:
        metrics_->DatabaseFailed(DomainMetrics::DbError::kInternal);
        break;
      default:  // an answer (not found, conflict...), not a failure of the database
        break;
    }
  }
  metrics_->DatabaseCall(operation, std::chrono::steady_clock::now() - start);
  return result;
}

template <class Backend, class Db, class Q>
template <class F>
auto SqlStore<Backend, Db, Q>::ReadSnapshot(F&& body) {
  return Read([&](Db& db) { return db.ReadTransaction([&] { return body(db); }); });
}

template <class Backend, class Db, class Q>
template <class T, class F>
Result<T> SqlStore<Backend, Db, Q>::Written(F&& body) {
  T value{};
  auto result = Write([&](Db& db) -> Result<void> {
    OBAUTH_TRY(answer, body(db));
    value = std::move(answer);
    return {};
  });
  if (!result) return result.error();
  return value;
}

}  // namespace obauth::store::sql
