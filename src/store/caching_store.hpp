// CachingStore: the client and recipient interfaces of a Database, answered from memory where
// that is safe. FindClient is answered from memory after the first read, so the token endpoint
// and bearer checks need no database read on the hot path; an id found unknown is remembered as
// such too (up to as many entries, kept apart, so that unknown ids never push known ones out),
// so that it is refused on the same path and at the same cost as a known id with a wrong secret,
// and an id longer than any client's is unknown without a read; and GetRecipient likewise — but
// only for reads under a NonBlockingScope (the read-only GET /api/v1/recipients/{id} tried on an
// I/O thread): every other GetRecipient, such as the read before an update, goes to the database,
// so a read-modify-write never starts from a copy. A write made through this object drops the
// affected client and recipient at once, so every client and recipient write of the process
// must go through it. A change made by anyone else (the command line, another instance) is
// noticed by a thread that polls the database's ForeignChangeVersion every `poll_interval` and
// then forgets everything. A cached recipient whose previous secret's grace ends is dropped at
// that second. Connections are cached by id (GetConnection, FindConnectionByRefresh) and every
// connection write goes through here too: revoking a connection forgets the cached ones, and lists
// its token marker among its recipient's revoked tokens, which FindClient answers, so RedeemCode
// and RevokeConnection drop that client; SetUpstream drops the connection it changes. The
// database's other interfaces (audit, replays, providers, settings) are not cached: use the
// database for them. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "store/client_store.hpp"
#include "store/connection_store.hpp"
#include "store/database.hpp"
#include "store/non_blocking_scope.hpp"
#include "store/recipient_store.hpp"

namespace obauth::store {

class CachingStore final : public ClientStore, public RecipientStore, public ConnectionStore {
 public:
  using Clock = std::chrono::steady_clock;

  // What the server uses: changes by other processes are seen within 250 ms
  // (docs/architecture.md, "Caches"), and at most 100,000 clients and as many recipients kept.
  static constexpr Clock::duration kPollInterval = std::chrono::milliseconds(250);
  static constexpr std::size_t kMaxEntries = 100000;
  // Client ids are made by obauth ("pt-"/"dc-" and 25 characters): a longer one is nobody's.
  static constexpr std::size_t kMaxClientIdBytes = 64;

  // `database` does the work and must outlive this object; at most `max_entries` clients and as
  // many recipients are kept (a cache is cleared when full, which only costs reads). Foreign
  // writes are looked for every `poll_interval`.
  CachingStore(Database& database, Clock::duration poll_interval, std::size_t max_entries);
  ~CachingStore() override;

  // Looks for foreign writes now, as the polling thread does: forgets everything cached when the
  // database's ForeignChangeVersion moved or cannot be read.
  void PollForeignChanges();

  // ClientStore.
  Result<void> CreatePartner(const Partner& partner, const std::string& secret_hash,
                             const AuditEvent& audit) override {
    return Dropping(partner.client_id, database_.CreatePartner(partner, secret_hash, audit));
  }
  Result<ClientCredentials> FindClient(std::string_view client_id) override;
  Result<void> RecordSecretUse(const std::vector<SecretUse>& uses) override;
  Result<void> RevokeToken(std::string_view client_id, std::string_view token_id,
                           std::int64_t expires_at) override {
    return Dropping(client_id, database_.RevokeToken(client_id, token_id, expires_at));
  }
  Result<std::int64_t> PurgeRevokedTokens(std::int64_t cutoff) override;

  // RecipientStore.
  Result<void> CreateRecipient(const Recipient& recipient, const std::string& secret_hash,
                               const Replay* replay, const AuditEvent& audit) override {
    return Dropping(recipient.client_id,
                    database_.CreateRecipient(recipient, secret_hash, replay, audit));
  }
  Result<Page<Recipient>> ListRecipients(std::string_view partner_id,
                                         const PageRequest& page) override {
    return database_.ListRecipients(partner_id, page);  // not cached
  }
  Result<Recipient> GetRecipient(std::string_view partner_id, std::string_view client_id,
                                 std::int64_t now) override;
  Result<void> UpdateRecipient(const Recipient& recipient, const AuditEvent& audit) override {
    return Dropping(recipient.client_id, database_.UpdateRecipient(recipient, audit));
  }
  Result<std::optional<std::int64_t>> RotateSecret(const RotateSecretRequest& request,
                                                   const Replay* replay,
                                                   const AuditEvent& audit) override {
    return Dropping(request.client_id, database_.RotateSecret(request, replay, audit));
  }
  Result<bool> RevokePreviousSecret(std::string_view partner_id, std::string_view client_id,
                                    std::int64_t now, const AuditEvent& audit) override {
    return Dropping(client_id, database_.RevokePreviousSecret(partner_id, client_id, now, audit));
  }
  Result<void> RetireRecipient(std::string_view partner_id, std::string_view client_id,
                               std::int64_t now, const AuditEvent& audit) override {
    return Dropping(client_id, database_.RetireRecipient(partner_id, client_id, now, audit));
  }

  // ConnectionStore: the database's, dropping the recipient when a connection is revoked.
  Result<void> CreateCode(const AuthorizationCode& code) override {
    return database_.CreateCode(code);
  }
  Result<AuthorizationCode> FindCode(std::string_view code_id,
                                     std::string_view code_hash) override {
    return database_.FindCode(code_id, code_hash);
  }
  // Drops `connection.consent.client_id` (the code's recipient) when the call revoked a
  // connection, superseded or of the first exchange, or failed (it may have committed).
  Result<Redemption> RedeemCode(std::string_view code_id, std::string_view code_hash,
                                const Connection& connection, const std::string& refresh_hash,
                                std::int64_t now, std::int64_t marker_expires_at,
                                const AuditEvent& audit, const AuditEvent& reuse_audit) override;
  Result<std::int64_t> PurgeCodes(std::int64_t cutoff) override {
    return database_.PurgeCodes(cutoff);
  }
  // From memory after the first read (the refresh grant's hot path, so that it is answered on
  // an I/O thread like client_credentials); a connection revoked or superseded through this
  // object is dropped at once, one revoked by another process when the poll notices it.
  Result<Connection> FindConnectionByRefresh(std::string_view connection_id,
                                             std::string_view refresh_hash) override;
  // From memory after the first read, like FindConnectionByRefresh (the FDX data endpoints'
  // hot path).
  Result<Connection> GetConnection(std::string_view connection_id) override;
  // Writes the uses, and moves the last use of the cached connections along with them.
  Result<void> TouchConnections(const std::vector<ConnectionUse>& uses) override;
  // Reads the connection's recipient first (a connection never changes recipient), to drop it.
  Result<bool> RevokeConnection(std::string_view connection_id, std::int64_t now,
                                std::int64_t marker_expires_at, const AuditEvent& audit) override;
  // Drops the cached connection, so that GetConnection and FindConnectionByRefresh answer the
  // new tokens (even when the write failed: it may have committed).
  Result<void> SetUpstream(std::string_view connection_id,
                           const std::optional<std::string>& upstream) override;
  Result<std::vector<Connection>> ListUpstreamRevocations(std::size_t limit) override {
    return database_.ListUpstreamRevocations(limit);  // not cached
  }
  Result<Page<Connection>> ListConnections(std::string_view client_id,
                                           const PageRequest& page) override {
    return database_.ListConnections(client_id, page);
  }
  Result<std::vector<Connection>> ListCustomerConnections(std::int64_t provider_id,
                                                          std::string_view customer_id) override {
    return database_.ListCustomerConnections(provider_id, customer_id);
  }

 private:
  template <class T>
  using CacheMap = std::unordered_map<std::string, T>;

  // True when `result` is the database's kWouldBlock: the call was refused before it reached
  // the database (NonBlockingScope), so nothing can have changed.
  template <class R>
  static bool NotTried(const R& result) {
    return !result && result.error().code == ErrorCode::kWouldBlock;
  }

  // The current generation, to pass to Keep after a database read. Takes mu_.
  std::uint64_t Generation() {
    std::lock_guard lock(mu_);
    return generation_;
  }

  // Keeps `value`, read from the database, unless a write through this object or a foreign one
  // was noticed since `generation` was taken (the read may predate it). Clears `map` when full.
  // Takes mu_.
  template <class T>
  void Keep(CacheMap<T>& map, std::string_view key, const T& value, std::uint64_t generation) {
    std::lock_guard lock(mu_);
    if (generation != generation_) return;
    if (map.size() >= max_entries_) map.clear();
    map.insert_or_assign(std::string(key), value);
  }

  void PollUntilStopped(Clock::duration interval);

  // Drops every cached connection (a revocation, rare, may concern any of them). Takes mu_.
  void ForgetConnections();

  // Drops every cached client and recipient; a read racing this is not kept. Needs mu_.
  void ForgetAllLocked() {
    cache_.clear();
    unknown_.clear();
    recipients_.clear();
    connections_.clear();
    ++generation_;
  }

  // Drops the client whatever the outcome of the write: even a failed write may have committed.
  // Only a write that was never tried (NotTried) leaves the cache alone.
  template <class T>
  T Dropping(std::string_view client_id, T result) {
    if (NotTried(result)) return result;
    std::lock_guard lock(mu_);
    const std::string key(client_id);
    cache_.erase(key);
    unknown_.erase(key);
    recipients_.erase(key);
    ++generation_;
    return result;
  }

  Database& database_;
  const std::size_t max_entries_;
  std::mutex mu_;
  CacheMap<ClientCredentials> cache_;
  std::unordered_set<std::string> unknown_;  // ids the database did not know
  CacheMap<Recipient> recipients_;
  // A connection by id, with its refresh token's hash (which never changes) when it was read by
  // that token, else "" (read by id: FindConnectionByRefresh asks the database).
  struct RefreshableConnection {
    Connection connection;
    std::string refresh_hash;
  };
  CacheMap<RefreshableConnection> connections_;
  std::uint64_t generation_ = 0;  // bumped by every write, so a read racing one is not kept
  std::optional<std::uint64_t> foreign_version_;  // last seen; nullopt when unknown

  std::mutex poll_mu_;
  std::condition_variable stop_polling_;
  bool stopping_ = false;
  std::thread poller_;
};

}  // namespace obauth::store
