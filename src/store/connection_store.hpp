// ConnectionStore: the customer's half of the Outbound flow (reference §5.1, §5.2, §5.5) —
// authorization codes waiting to be exchanged, and connections (a recipient × a provider × a
// customer, with the scopes and accounts the customer consented to and the keyed hash of its
// refresh token). Codes and refresh tokens are "<id>.<secret>" (oauth/grant_tokens.hpp) and
// stored only as keyed hashes (HMAC-SHA-256 under a key derived from the server key): a lookup
// takes the row's id and the hash, and finds nothing unless both match. Each change that the audit
// trail shows records its AuditEvent in the same transaction. Implementations are thread-safe;
// every successful write is durable before the call returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/audit_store.hpp"
#include "store/page.hpp"

namespace obauth::store {

// What a customer approved on a consent page, as a code carries it to its connection.
struct Consent {
  std::string client_id;  // the Data Recipient
  std::int64_t provider_id = 0;
  std::string customer_id;  // the customer at the provider (the sandbox: the username)
  std::string subject;      // the pairwise `sub` of the customer for this recipient and provider
  std::string scope;        // canonical, space-separated
  // The consented accounts' FDX accountIds, in order; none is empty or holds a space.
  std::vector<std::string> accounts;
};

// An authorization code (RFC 6749 §4.1.2): at most 60 s, single use.
struct AuthorizationCode {
  std::string code_id;    // time-ordered (crypto::TimeOrderedId), the code's first part
  std::string code_hash;  // keyed hash of the whole code (32 bytes)
  Consent consent;
  std::string redirect_uri;                   // exactly the authorize request's
  std::optional<std::string> code_challenge;  // PKCE S256 challenge (RFC 7636), when one was sent
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> redeemed_at;   // set by the first exchange
  std::optional<std::string> connection_id;  // the connection that exchange created
  // Through an fdx connector: the provider's tokens of this consent, sealed
  // (consent::Upstream::Seal, base64url text), which the exchange hands to the connection.
  std::optional<std::string> upstream;
};

struct Connection {
  std::string connection_id;
  Consent consent;
  std::string client_name;  // the recipient's name (filled by reads, ignored by writes)
  std::int64_t created_at = 0;
  std::int64_t last_used_at = 0;  // creation or the last refresh
  std::optional<std::int64_t> revoked_at;
  // Through an fdx connector: the provider's tokens, sealed (as AuthorizationCode::upstream);
  // cleared once a revoked connection was revoked at the provider too.
  std::optional<std::string> upstream;
};

// The bytes of a connection's text as a list shows it (PageRequest::max_bytes).
inline std::size_t TextBytes(const Connection& c) {
  std::size_t bytes = c.connection_id.size() + c.consent.client_id.size() +
                      c.consent.subject.size() + c.consent.scope.size() + c.client_name.size();
  for (const auto& a : c.consent.accounts) bytes += a.size();
  return bytes;
}

// A refresh of a connection, written in batches (TouchConnections).
struct ConnectionUse {
  std::string connection_id;
  std::int64_t at = 0;
};

// What RedeemCode did.
struct Redemption {
  bool redeemed = false;  // true: this call exchanged the code and created the connection
  // When the code had been exchanged before: the connection of that first exchange, which this
  // call revoked (RFC 6749 §4.1.2), or nullopt when it was revoked already.
  std::optional<std::string> revoked_connection_id;
  // When redeemed: the live connections of the same recipient, provider and customer that this
  // call revoked (superseded), oldest first; usually none, at most one.
  std::vector<std::string> superseded_connection_ids;
};

// How a connection's revocation reaches its access tokens, which are verified without a database
// read: the recipient's client record lists a revoked token with this id (ClientStore) until
// `marker_expires_at`, when every access token of the connection has expired.
inline std::string ConnectionTokenMarker(std::string_view connection_id) {
  return "connection:" + std::string(connection_id);
}

class ConnectionStore {
 public:
  virtual ~ConnectionStore() = default;

  // Stores a new code. kConflict if its id exists (never: 64 random bits in each millisecond);
  // kValidation when an account id is empty or holds a space (accounts are stored
  // space-separated). The recipient must exist (a client id of no client: kInternal).
  [[nodiscard]] virtual Result<void> CreateCode(const AuthorizationCode& code) = 0;
  // The code with this id and hash, redeemed or not, expired or not, or kNotFound.
  [[nodiscard]] virtual Result<AuthorizationCode> FindCode(std::string_view code_id,
                                                           std::string_view code_hash) = 0;
  // Exchanges the code once, in one transaction:
  //  - not redeemed yet: marks it redeemed at `now` by `connection.connection_id` and creates
  //    `connection` (its consent is the code's; the caller copies it; its created_at and
  //    last_used_at are stored as given, revoked_at and client_name ignored) with
  //    `refresh_hash`; a live connection of the same recipient, provider and customer is revoked
  //    at `now` (superseded: one live connection per triple), with its token marker; records
  //    `audit` (action "connection.created", made for the new connection) → redeemed, with the
  //    superseded ids.
  //  - redeemed before: revokes the connection of that first exchange (if still live) at `now`
  //    with its token marker (client = the recipient, expiring at `marker_expires_at`) and
  //    then records `reuse_audit` (made by the caller: "connection.revoked", reason code_reuse)
  //    → not redeemed, with the revoked id; when that connection was revoked already, nothing is
  //    written or recorded → not redeemed, nullopt.
  // Of any number of concurrent calls for one code, across processes too, exactly one redeems.
  // kNotFound when no code has this id and hash; kValidation when an account id is empty or
  // holds a space; kConflict when `connection.connection_id` exists (never: random).
  [[nodiscard]] virtual Result<Redemption> RedeemCode(
      std::string_view code_id, std::string_view code_hash, const Connection& connection,
      const std::string& refresh_hash, std::int64_t now, std::int64_t marker_expires_at,
      const AuditEvent& audit, const AuditEvent& reuse_audit) = 0;
  // Forgets codes that expired before `cutoff`; how many.
  [[nodiscard]] virtual Result<std::int64_t> PurgeCodes(std::int64_t cutoff) = 0;

  // The connection with this id whose refresh token has this hash, live or revoked, or
  // kNotFound.
  [[nodiscard]] virtual Result<Connection> FindConnectionByRefresh(
      std::string_view connection_id, std::string_view refresh_hash) = 0;
  // The connection, live or revoked, or kNotFound.
  [[nodiscard]] virtual Result<Connection> GetConnection(std::string_view connection_id) = 0;
  // Records refreshes in one transaction: each connection's last_used_at becomes its use's `at`
  // unless that would move it back. A connection that does not exist is skipped.
  [[nodiscard]] virtual Result<void> TouchConnections(const std::vector<ConnectionUse>& uses) = 0;
  // Revokes the connection at `now` and lists its token marker for its recipient until
  // `marker_expires_at`, recording `audit`; false (and nothing recorded) when it was revoked
  // already. kNotFound when no such connection.
  [[nodiscard]] virtual Result<bool> RevokeConnection(std::string_view connection_id,
                                                      std::int64_t now,
                                                      std::int64_t marker_expires_at,
                                                      const AuditEvent& audit) = 0;

  // Replaces the connection's sealed provider tokens (a refresh at the provider), or clears them
  // (nullopt: revoked at the provider). kNotFound when no such connection.
  [[nodiscard]] virtual Result<void> SetUpstream(std::string_view connection_id,
                                                 const std::optional<std::string>& upstream) = 0;
  // Up to `limit` revoked connections that still hold provider tokens (to revoke at the
  // provider, then SetUpstream(id, nullopt)), revoked first first.
  [[nodiscard]] virtual Result<std::vector<Connection>> ListUpstreamRevocations(
      std::size_t limit) = 0;

  // A page of the connections of recipient `client_id`, live and revoked, oldest first
  // (position: created_at, insertion order). The caller checks that the recipient is the
  // partner's.
  [[nodiscard]] virtual Result<Page<Connection>> ListConnections(std::string_view client_id,
                                                                 const PageRequest& page) = 0;
  // The live connections of a customer at a provider, oldest first, with their recipients'
  // names (the connected-apps page; a customer has few).
  [[nodiscard]] virtual Result<std::vector<Connection>> ListCustomerConnections(
      std::int64_t provider_id, std::string_view customer_id) = 0;
};

}  // namespace obauth::store
