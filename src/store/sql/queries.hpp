// The SQL statements both backends run word for word, written once, with numbered parameters in
// PostgreSQL's form ($1, $2, ...). A backend's query set (store/<backend>/queries.hpp) derives
// from CommonQueries<its parameter style> and adds the statements of its own dialect under the
// same names: the operations (store/sql/*_operations.hpp) use Q::kName and bind parameters by
// number, in the order they pass them. Each statement is one constant with a fixed address, so a
// connection prepares it once (connections key their prepared statements by that address, and
// two statements of the same text are one).
#pragma once

#include <cstddef>

namespace obauth::store::sql {

// A string literal as a template argument.
template <std::size_t N>
struct Literal {
  constexpr Literal(const char (&text)[N]) {  // NOLINT: implicit, so "..." converts
    for (std::size_t i = 0; i < N; ++i) chars[i] = text[i];
  }
  char chars[N];
};

// PostgreSQL: parameters as written, $1, $2, ...
struct PostgresParameters {
  template <Literal kSql>
  static constexpr const char* kText = kSql.chars;
};

// SQLite: parameters as ?1, ?2, ..., converted at compile time. SQLite would accept $1, but as a
// named parameter numbered by its first appearance rather than by its digits: in
// "SET name = $3 WHERE client_id = $1" the first argument would be bound to name.
struct SqliteParameters {
 private:
  template <std::size_t N>
  static constexpr Literal<N> Convert(const Literal<N>& sql) {
    Literal<N> out = sql;
    for (std::size_t i = 0; i + 1 < N; ++i) {
      if (out.chars[i] == '$' && out.chars[i + 1] >= '0' && out.chars[i + 1] <= '9') {
        out.chars[i] = '?';
      }
    }
    return out;
  }
  template <Literal kSql>
  static constexpr auto kConverted = Convert(kSql);

 public:
  template <Literal kSql>
  static constexpr const char* kText = kConverted<kSql>.chars;
};

// The columns RecipientOperations::ReadRecipient() reads, in its order, for the recipient
// queries here and in the backends' query sets (a macro so the literals concatenate).
#define OBAUTH_SQL_RECIPIENT_COLUMNS                                                     \
  "c.client_id, c.partner_id, c.name, r.scope, r.logo_uri, r.description, r.terms_uri, " \
  "r.client_uri, r.country, c.created_at, c.updated_at"
#define OBAUTH_SQL_RECIPIENT_FROM " FROM clients c JOIN recipients r ON r.client_id = c.client_id "
#define OBAUTH_SQL_SELECT_RECIPIENT "SELECT " OBAUTH_SQL_RECIPIENT_COLUMNS OBAUTH_SQL_RECIPIENT_FROM
// How many columns OBAUTH_SQL_RECIPIENT_COLUMNS has: a list query's next column is seq
// (store::ListPosition::sequence).
inline constexpr int kRecipientColumns = 11;
// How many columns ProviderOperations::ReadRegistration() reads: a list query's next two are its
// recipient's created_at and seq (store::ListPosition).
inline constexpr int kRegistrationColumns = 8;
// How many columns ConnectionOperations::ReadConnection() reads: a list query's next is seq.
inline constexpr int kConnectionColumns = 12;

// The statements both dialects share. The backend adds kFindClient, kLockClient, kSecretUsed and
// kListAudit.
//
// Lists page by position (store/page.hpp): (created_at, seq) of the recipient, seq being the
// insertion order (an identity column in PostgreSQL, the rowid copied by a trigger in SQLite).
// Both seek the row-value comparison in the index clients_by_partner (partner_id, created_at,
// seq), so a page costs the same anywhere in the list. A first page starts after (-1, 0, 0).
template <class Parameters>
struct CommonQueries {
 private:
  template <Literal kSql>
  static constexpr const char* Sql = Parameters::template kText<kSql>;

 public:
  // Clients and recipients.
  static constexpr const char* kInsertClient =
      Sql<"INSERT INTO clients (client_id, kind, partner_id, name, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $5)">;
  static constexpr const char* kInsertSecret =
      Sql<"INSERT INTO client_secrets (client_id, secret_hash, created_at) VALUES ($1, $2, $3)">;
  // The current secret first, then previous ones.
  static constexpr const char* kFindSecrets =
      Sql<"SELECT id, secret_hash, expires_at FROM client_secrets WHERE client_id = $1 "
          "ORDER BY expires_at IS NOT NULL, id DESC">;
  static constexpr const char* kInsertRecipient =
      Sql<"INSERT INTO recipients (client_id, scope, logo_uri, description, terms_uri, client_uri, "
          "country) VALUES ($1, $2, $3, $4, $5, $6, $7)">;
  static constexpr const char* kUpdateClient =
      Sql<"UPDATE clients SET name = $3, updated_at = $4 "
          "WHERE client_id = $1 AND partner_id = $2 AND retired_at IS NULL">;
  static constexpr const char* kTouchClient =
      Sql<"UPDATE clients SET updated_at = $3 "
          "WHERE client_id = $1 AND partner_id = $2 AND retired_at IS NULL">;
  static constexpr const char* kUpdateRecipient =
      Sql<"UPDATE recipients SET scope = $2, logo_uri = $3, description = $4, terms_uri = $5, "
          "client_uri = $6, country = $7 WHERE client_id = $1">;
  static constexpr const char* kInsertRedirectUri =
      Sql<"INSERT INTO recipient_redirect_uris (client_id, position, uri) VALUES ($1, $2, $3)">;
  static constexpr const char* kDeleteRedirectUris =
      Sql<"DELETE FROM recipient_redirect_uris WHERE client_id = $1">;
  static constexpr const char* kInsertContact =
      Sql<"INSERT INTO recipient_contacts (client_id, position, email) VALUES ($1, $2, $3)">;
  static constexpr const char* kDeleteContacts =
      Sql<"DELETE FROM recipient_contacts WHERE client_id = $1">;
  static constexpr const char* kGetRecipient =
      Sql<OBAUTH_SQL_SELECT_RECIPIENT
          "WHERE c.partner_id = $1 AND c.client_id = $2 AND c.retired_at IS NULL">;
  static constexpr const char* kRedirectUris =
      Sql<"SELECT uri FROM recipient_redirect_uris WHERE client_id = $1 ORDER BY position">;
  // A page of the partner's live recipients, one more than the page holds (which tells whether
  // more follow); the column after the recipient's is seq.
  static constexpr const char* kListRecipients =
      Sql<"SELECT " OBAUTH_SQL_RECIPIENT_COLUMNS ", c.seq" OBAUTH_SQL_RECIPIENT_FROM
          "WHERE c.partner_id = $1 AND c.retired_at IS NULL AND (c.created_at, c.seq) > ($2, $3) "
          "ORDER BY c.created_at, c.seq LIMIT $4">;
  // The contacts of the recipients of one page: after ($2, $3) up to ($4, $5), in list order.
  static constexpr const char* kListContacts =
      Sql<"SELECT k.client_id, k.email FROM clients c JOIN recipient_contacts k "
          "ON k.client_id = c.client_id WHERE c.partner_id = $1 AND c.retired_at IS NULL "
          "AND (c.created_at, c.seq) > ($2, $3) AND (c.created_at, c.seq) <= ($4, $5) "
          "ORDER BY c.created_at, c.seq, k.position">;
  static constexpr const char* kContacts =
      Sql<"SELECT email FROM recipient_contacts WHERE client_id = $1 ORDER BY position">;
  static constexpr const char* kSecretStatus =
      Sql<"SELECT (SELECT max(last_used_at) FROM client_secrets "
          "        WHERE client_id = $1 AND expires_at IS NULL), "
          "       (SELECT max(expires_at) FROM client_secrets "
          "        WHERE client_id = $1 AND expires_at > $2), "
          "       (SELECT max(last_used_at) FROM client_secrets "
          "        WHERE client_id = $1 AND expires_at > $2), "
          "       previous_secret_authentications FROM clients WHERE client_id = $1">;

  // Rotation.
  static constexpr const char* kPreviousInGrace =
      Sql<"SELECT max(expires_at) FROM client_secrets "
          "WHERE client_id = $1 AND expires_at IS NOT NULL AND expires_at > $2">;
  static constexpr const char* kDeletePreviousSecrets =
      Sql<"DELETE FROM client_secrets WHERE client_id = $1 AND expires_at IS NOT NULL">;
  static constexpr const char* kExpireCurrentSecret =
      Sql<"UPDATE client_secrets SET expires_at = $2 WHERE client_id = $1 AND expires_at IS NULL">;
  static constexpr const char* kDeleteCurrentSecret =
      Sql<"DELETE FROM client_secrets WHERE client_id = $1 AND expires_at IS NULL">;
  static constexpr const char* kDeleteAllSecrets =
      Sql<"DELETE FROM client_secrets WHERE client_id = $1">;
  static constexpr const char* kBumpTokenEpoch =
      Sql<"UPDATE clients SET token_epoch = token_epoch + 1 WHERE client_id = $1">;
  static constexpr const char* kResetPreviousCount =
      Sql<"UPDATE clients SET previous_secret_authentications = 0 WHERE client_id = $1">;
  static constexpr const char* kRetireClient =
      Sql<"UPDATE clients SET retired_at = $3, updated_at = $3, token_epoch = token_epoch + 1 "
          "WHERE client_id = $1 AND partner_id = $2 AND retired_at IS NULL">;

  // Usage.
  static constexpr const char* kCountPreviousUse = Sql<
      "UPDATE clients SET previous_secret_authentications = previous_secret_authentications + $2 "
      "WHERE client_id = $1 AND EXISTS (SELECT 1 FROM client_secrets "
      "WHERE id = $3 AND expires_at IS NOT NULL)">;

  // Audit trail.
  static constexpr const char* kInsertAudit =
      Sql<"INSERT INTO audit_events (at, partner_id, actor, action, client_id, request_id, source, "
          "options) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)">;

  // Idempotency replays.
  static constexpr const char* kFindReplay =
      Sql<"SELECT fingerprint, sealed, created_at FROM idempotency_replays "
          "WHERE partner_id = $1 AND idempotency_key = $2 AND created_at >= $3">;
  static constexpr const char* kDeleteStaleReplay =
      Sql<"DELETE FROM idempotency_replays "
          "WHERE partner_id = $1 AND idempotency_key = $2 AND created_at < $3">;
  static constexpr const char* kInsertReplay =
      Sql<"INSERT INTO idempotency_replays (partner_id, idempotency_key, fingerprint, sealed, "
          "created_at) VALUES ($1, $2, $3, $4, $5)">;
  static constexpr const char* kPurgeReplays =
      Sql<"DELETE FROM idempotency_replays WHERE created_at < $1">;

  // Revoked access tokens.
  static constexpr const char* kInsertRevokedToken =
      Sql<"INSERT INTO revoked_tokens (token_id, client_id, expires_at) VALUES ($1, $2, $3) "
          "ON CONFLICT (token_id) DO NOTHING">;
  static constexpr const char* kFindRevokedTokens =
      Sql<"SELECT token_id FROM revoked_tokens WHERE client_id = $1">;
  static constexpr const char* kPurgeRevokedTokens =
      Sql<"DELETE FROM revoked_tokens WHERE expires_at < $1">;

  // Data Providers (the catalogue) and registrations. The provider columns, in ReadProvider()'s
  // order.
#define OBAUTH_PROVIDER_COLUMNS                                                   \
  "p.provider_id, p.name, p.country, p.provider_url, p.scope, p.data_inventory, " \
  "p.connector_name, p.account_types, p.updated_at, p.connector "
  static constexpr const char* kInsertProvider =
      Sql<"INSERT INTO providers (provider_id, name, country, provider_url, scope, data_inventory, "
          "connector_name, account_types, updated_at, connector) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)">;
  static constexpr const char* kUpdateProvider =
      Sql<"UPDATE providers SET name = $2, country = $3, provider_url = $4, scope = $5, "
          "data_inventory = $6, connector_name = $7, account_types = $8, updated_at = $9, "
          "connector = $10 WHERE provider_id = $1">;
  static constexpr const char* kGetProvider =
      Sql<"SELECT " OBAUTH_PROVIDER_COLUMNS "FROM providers p WHERE p.provider_id = $1">;
  static constexpr const char* kListProviders =
      Sql<"SELECT " OBAUTH_PROVIDER_COLUMNS "FROM providers p ORDER BY p.provider_id">;
  static constexpr const char* kListProvidersForRecipient =
      Sql<"SELECT " OBAUTH_PROVIDER_COLUMNS
          ", g.status FROM providers p "
          "LEFT JOIN registrations g ON g.provider_id = p.provider_id AND g.client_id = $1 "
          "ORDER BY p.provider_id">;
#undef OBAUTH_PROVIDER_COLUMNS
  static constexpr const char* kLiveRecipientOfPartner =
      Sql<"SELECT 1 FROM clients WHERE client_id = $1 AND partner_id = $2 "
          "AND kind = 'recipient' AND retired_at IS NULL">;
  static constexpr const char* kInsertRegistration =
      Sql<"INSERT INTO registrations (client_id, provider_id, status, requested_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $4) ON CONFLICT (client_id, provider_id) DO NOTHING">;
  // A page of the registrations of the partner's live recipients, in their list order then by
  // provider, after ($2, $3, $4); the columns after the registration's are created_at and seq.
  static constexpr const char* kListRegistrations =
      Sql<"SELECT g.client_id, c.name, g.provider_id, p.name, p.country, g.status, g.requested_at, "
          "g.updated_at, c.created_at, c.seq FROM clients c JOIN registrations g "
          "ON g.client_id = c.client_id JOIN providers p ON p.provider_id = g.provider_id "
          "WHERE c.partner_id = $1 AND c.retired_at IS NULL AND (c.created_at, c.seq) >= ($2, $3) "
          "AND (c.created_at, c.seq, g.provider_id) > ($2, $3, $4) "
          "ORDER BY c.created_at, c.seq, g.provider_id LIMIT $5">;
  // The same for one recipient ($2), after provider $3.
  static constexpr const char* kListRecipientRegistrations =
      Sql<"SELECT g.client_id, c.name, g.provider_id, p.name, p.country, g.status, g.requested_at, "
          "g.updated_at, c.created_at, c.seq FROM clients c JOIN registrations g "
          "ON g.client_id = c.client_id JOIN providers p ON p.provider_id = g.provider_id "
          "WHERE c.partner_id = $1 AND c.client_id = $2 AND c.retired_at IS NULL "
          "AND g.provider_id > $3 ORDER BY g.provider_id LIMIT $4">;
  static constexpr const char* kGetRegistration =
      Sql<"SELECT g.client_id, c.name, g.provider_id, p.name, p.country, g.status, g.requested_at, "
          "g.updated_at FROM registrations g JOIN clients c ON c.client_id = g.client_id JOIN "
          "providers p ON p.provider_id = g.provider_id "
          "WHERE g.client_id = $1 AND g.provider_id = $2">;
  static constexpr const char* kTransitionRegistration =
      Sql<"UPDATE registrations SET status = $4, updated_at = $5 "
          "WHERE client_id = $1 AND provider_id = $2 AND status = $3">;

  // Authorization codes and connections (store/connection_store.hpp). Hashes are bound as
  // blobs; accounts are stored space-separated.
  static constexpr const char* kInsertCode =
      Sql<"INSERT INTO authorization_codes (code_id, code_hash, client_id, provider_id, "
          "customer_id, subject, scope, accounts, redirect_uri, code_challenge, created_at, "
          "expires_at, redeemed_at, connection_id, upstream) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)">;
  static constexpr const char* kFindCode =
      Sql<"SELECT client_id, provider_id, customer_id, subject, scope, accounts, redirect_uri, "
          "code_challenge, created_at, expires_at, redeemed_at, connection_id, upstream "
          "FROM authorization_codes WHERE code_id = $1 AND code_hash = $2">;
  // The exchange: changes the row of the one call that finds it not redeemed yet (PostgreSQL
  // re-evaluates the condition once a concurrent exchange commits).
  static constexpr const char* kRedeemCode =
      Sql<"UPDATE authorization_codes SET redeemed_at = $3, connection_id = $4 "
          "WHERE code_id = $1 AND code_hash = $2 AND redeemed_at IS NULL">;
  static constexpr const char* kCodeConnection =
      Sql<"SELECT connection_id FROM authorization_codes WHERE code_id = $1 AND code_hash = $2">;
  static constexpr const char* kPurgeCodes =
      Sql<"DELETE FROM authorization_codes WHERE expires_at < $1">;
  static constexpr const char* kInsertConnection =
      Sql<"INSERT INTO connections (connection_id, client_id, provider_id, customer_id, subject, "
          "scope, accounts, refresh_hash, created_at, last_used_at, upstream) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)">;
  // The live connections of a (recipient, provider, customer), oldest first.
  static constexpr const char* kLiveConnectionsOf =
      Sql<"SELECT connection_id FROM connections WHERE client_id = $1 AND provider_id = $2 "
          "AND customer_id = $3 AND revoked_at IS NULL ORDER BY created_at, seq">;
  static constexpr const char* kRevokeConnection =
      Sql<"UPDATE connections SET revoked_at = $2 WHERE connection_id = $1 AND revoked_at IS NULL">;
  static constexpr const char* kConnectionClient =
      Sql<"SELECT client_id FROM connections WHERE connection_id = $1">;
  // Never moves last_used_at back (refreshes may finish out of order).
  static constexpr const char* kTouchConnection = Sql<
      "UPDATE connections SET last_used_at = $2 WHERE connection_id = $1 AND last_used_at < $2">;
  static constexpr const char* kSetUpstream =
      Sql<"UPDATE connections SET upstream = $2 WHERE connection_id = $1">;
  // The connection columns, in ConnectionOperations::ReadConnection()'s order (kConnectionColumns
  // of them: a list query's next column is seq), with the recipient's name.
#define OBAUTH_CONNECTION_COLUMNS                                                                \
  "n.connection_id, n.client_id, n.provider_id, n.customer_id, n.subject, n.scope, n.accounts, " \
  "c.name, n.created_at, n.last_used_at, n.revoked_at, n.upstream"
#define OBAUTH_CONNECTION_FROM " FROM connections n JOIN clients c ON c.client_id = n.client_id "
  static constexpr const char* kGetConnection =
      Sql<"SELECT " OBAUTH_CONNECTION_COLUMNS OBAUTH_CONNECTION_FROM "WHERE n.connection_id = $1">;
  static constexpr const char* kFindConnectionByRefresh =
      Sql<"SELECT " OBAUTH_CONNECTION_COLUMNS OBAUTH_CONNECTION_FROM
          "WHERE n.connection_id = $1 AND n.refresh_hash = $2">;
  // A page of a recipient's connections after ($2, $3), one more than the page holds; seeks the
  // index connections_by_client (client_id, created_at, seq).
  static constexpr const char* kListConnections =
      Sql<"SELECT " OBAUTH_CONNECTION_COLUMNS ", n.seq" OBAUTH_CONNECTION_FROM
          "WHERE n.client_id = $1 AND (n.created_at, n.seq) > ($2, $3) "
          "ORDER BY n.created_at, n.seq LIMIT $4">;
  static constexpr const char* kListCustomerConnections =
      Sql<"SELECT " OBAUTH_CONNECTION_COLUMNS OBAUTH_CONNECTION_FROM
          "WHERE n.provider_id = $1 AND n.customer_id = $2 AND n.revoked_at IS NULL "
          "ORDER BY n.created_at, n.seq">;
  // The revoked connections still holding provider tokens, revoked first first, at most $1;
  // walks the partial index connections_upstream_revoked (revoked_at, seq), which holds only them.
  static constexpr const char* kListUpstreamRevocations =
      Sql<"SELECT " OBAUTH_CONNECTION_COLUMNS OBAUTH_CONNECTION_FROM
          "WHERE n.revoked_at IS NOT NULL AND n.upstream IS NOT NULL "
          "ORDER BY n.revoked_at, n.seq LIMIT $1">;
#undef OBAUTH_CONNECTION_FROM
#undef OBAUTH_CONNECTION_COLUMNS

  // Settings.
  static constexpr const char* kInsertSettingIfAbsent =
      Sql<"INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING">;
  static constexpr const char* kGetSetting = Sql<"SELECT value FROM settings WHERE name = $1">;
  static constexpr const char* kReplaceSetting =
      Sql<"UPDATE settings SET value = $3 WHERE name = $1 AND value = $2">;
};

}  // namespace obauth::store::sql
