// SQL statements of the SQLite backend (the query set of store/sql/operations.hpp), prepared
// once per connection.
#pragma once

namespace obauth::store::sqlite {

struct Queries {
  static constexpr char kInsertClient[] =
      "INSERT INTO clients (client_id, kind, partner_id, name, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
  static constexpr char kInsertSecret[] =
      "INSERT INTO client_secrets (client_id, secret_hash, created_at) VALUES (?1, ?2, ?3)";
  static constexpr char kFindClient[] =
      "SELECT c.kind, c.disabled, c.retired_at IS NOT NULL, coalesce(c.partner_id, ''), "
      "coalesce(r.scope, ''), c.token_epoch FROM clients c "
      "LEFT JOIN recipients r ON r.client_id = c.client_id WHERE c.client_id = ?1";
  // The current secret first, then previous ones.
  static constexpr char kFindSecrets[] =
      "SELECT id, secret_hash, expires_at FROM client_secrets WHERE client_id = ?1 "
      "ORDER BY expires_at IS NOT NULL, id DESC";
  static constexpr char kInsertRecipient[] =
      "INSERT INTO recipients (client_id, scope, logo_uri, description, terms_uri, client_uri, "
      "country) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
  static constexpr char kUpdateClient[] =
      "UPDATE clients SET name = ?3, updated_at = ?4 "
      "WHERE client_id = ?1 AND partner_id = ?2 AND retired_at IS NULL";
  static constexpr char kTouchClient[] =
      "UPDATE clients SET updated_at = ?3 "
      "WHERE client_id = ?1 AND partner_id = ?2 AND retired_at IS NULL";
  static constexpr char kUpdateRecipient[] =
      "UPDATE recipients SET scope = ?2, logo_uri = ?3, description = ?4, terms_uri = ?5, "
      "client_uri = ?6, country = ?7 WHERE client_id = ?1";
  static constexpr char kInsertRedirectUri[] =
      "INSERT INTO recipient_redirect_uris (client_id, position, uri) VALUES (?1, ?2, ?3)";
  static constexpr char kDeleteRedirectUris[] =
      "DELETE FROM recipient_redirect_uris WHERE client_id = ?1";
  static constexpr char kInsertContact[] =
      "INSERT INTO recipient_contacts (client_id, position, email) VALUES (?1, ?2, ?3)";
  static constexpr char kDeleteContacts[] = "DELETE FROM recipient_contacts WHERE client_id = ?1";
// The columns ReadRecipient() reads, in its order (a macro so the literals concatenate).
#define OBAUTH_SELECT_RECIPIENT                                                                 \
  "SELECT c.client_id, c.partner_id, c.name, r.scope, r.logo_uri, r.description, r.terms_uri, " \
  "r.client_uri, r.country, c.created_at, c.updated_at FROM clients c "                         \
  "JOIN recipients r ON r.client_id = c.client_id "
  static constexpr char kGetRecipient[] = OBAUTH_SELECT_RECIPIENT
      "WHERE c.partner_id = ?1 AND c.client_id = ?2 AND c.retired_at IS NULL";
  static constexpr char kListRecipients[] = OBAUTH_SELECT_RECIPIENT
      "WHERE c.partner_id = ?1 AND c.retired_at IS NULL ORDER BY c.created_at, c.rowid";
#undef OBAUTH_SELECT_RECIPIENT
  static constexpr char kRedirectUris[] =
      "SELECT uri FROM recipient_redirect_uris WHERE client_id = ?1 ORDER BY position";
  static constexpr char kContacts[] =
      "SELECT email FROM recipient_contacts WHERE client_id = ?1 ORDER BY position";
  static constexpr char kSecretStatus[] =
      "SELECT (SELECT max(last_used_at) FROM client_secrets "
      "        WHERE client_id = ?1 AND expires_at IS NULL), "
      "       (SELECT max(expires_at) FROM client_secrets "
      "        WHERE client_id = ?1 AND expires_at > ?2), "
      "       (SELECT max(last_used_at) FROM client_secrets "
      "        WHERE client_id = ?1 AND expires_at > ?2), "
      "       previous_secret_authentications FROM clients WHERE client_id = ?1";

  // Rotation.
  static constexpr char kPreviousInGrace[] =
      "SELECT max(expires_at) FROM client_secrets "
      "WHERE client_id = ?1 AND expires_at IS NOT NULL AND expires_at > ?2";
  static constexpr char kDeletePreviousSecrets[] =
      "DELETE FROM client_secrets WHERE client_id = ?1 AND expires_at IS NOT NULL";
  static constexpr char kExpireCurrentSecret[] =
      "UPDATE client_secrets SET expires_at = ?2 WHERE client_id = ?1 AND expires_at IS NULL";
  static constexpr char kDeleteCurrentSecret[] =
      "DELETE FROM client_secrets WHERE client_id = ?1 AND expires_at IS NULL";
  static constexpr char kDeleteAllSecrets[] = "DELETE FROM client_secrets WHERE client_id = ?1";
  static constexpr char kBumpTokenEpoch[] =
      "UPDATE clients SET token_epoch = token_epoch + 1 WHERE client_id = ?1";
  static constexpr char kResetPreviousCount[] =
      "UPDATE clients SET previous_secret_authentications = 0 WHERE client_id = ?1";
  static constexpr char kRetireClient[] =
      "UPDATE clients SET retired_at = ?3, updated_at = ?3, token_epoch = token_epoch + 1 "
      "WHERE client_id = ?1 AND partner_id = ?2 AND retired_at IS NULL";

  // Usage. The single writer needs no row locks: kLockClient only reads.
  static constexpr char kLockClient[] = "SELECT 1 FROM clients WHERE client_id = ?1";
  static constexpr char kSecretUsed[] =
      "UPDATE client_secrets SET last_used_at = max(coalesce(last_used_at, 0), ?2) WHERE id = ?1";
  static constexpr char kCountPreviousUse[] =
      "UPDATE clients SET previous_secret_authentications = previous_secret_authentications + ?2 "
      "WHERE client_id = ?1 AND EXISTS (SELECT 1 FROM client_secrets "
      "WHERE id = ?3 AND expires_at IS NOT NULL)";

  // Audit trail.
  static constexpr char kInsertAudit[] =
      "INSERT INTO audit_events (at, partner_id, actor, action, client_id, request_id, source, "
      "options) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
  static constexpr char kListAudit[] =
      "SELECT id, at, partner_id, actor, action, client_id, request_id, source, options "
      "FROM audit_events WHERE partner_id = ?1 AND (?2 IS NULL OR client_id = ?2) "
      "AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4";

  // Idempotency replays.
  static constexpr char kFindReplay[] =
      "SELECT fingerprint, sealed, created_at FROM idempotency_replays "
      "WHERE partner_id = ?1 AND idempotency_key = ?2 AND created_at >= ?3";
  static constexpr char kDeleteStaleReplay[] =
      "DELETE FROM idempotency_replays "
      "WHERE partner_id = ?1 AND idempotency_key = ?2 AND created_at < ?3";
  static constexpr char kInsertReplay[] =
      "INSERT INTO idempotency_replays (partner_id, idempotency_key, fingerprint, sealed, "
      "created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
  static constexpr char kPurgeReplays[] = "DELETE FROM idempotency_replays WHERE created_at < ?1";

  // Revoked access tokens.
  static constexpr char kInsertRevokedToken[] =
      "INSERT INTO revoked_tokens (token_id, client_id, expires_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (token_id) DO NOTHING";
  static constexpr char kFindRevokedTokens[] =
      "SELECT token_id FROM revoked_tokens WHERE client_id = ?1";
  static constexpr char kPurgeRevokedTokens[] = "DELETE FROM revoked_tokens WHERE expires_at < ?1";

  // Data Providers (the catalogue) and registrations. The provider columns, in ReadProvider()'s
  // order.
#define OBAUTH_PROVIDER_COLUMNS                                                   \
  "p.provider_id, p.name, p.country, p.provider_url, p.scope, p.data_inventory, " \
  "p.connector_name, p.account_types, p.updated_at "
  static constexpr char kInsertProvider[] =
      "INSERT INTO providers (provider_id, name, country, provider_url, scope, data_inventory, "
      "connector_name, account_types, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
  static constexpr char kUpdateProvider[] =
      "UPDATE providers SET name = ?2, country = ?3, provider_url = ?4, scope = ?5, "
      "data_inventory = ?6, connector_name = ?7, account_types = ?8, updated_at = ?9 "
      "WHERE provider_id = ?1";
  static constexpr char kGetProvider[] =
      "SELECT " OBAUTH_PROVIDER_COLUMNS "FROM providers p WHERE p.provider_id = ?1";
  static constexpr char kListProviders[] =
      "SELECT " OBAUTH_PROVIDER_COLUMNS "FROM providers p ORDER BY p.provider_id";
  static constexpr char kListProvidersForRecipient[] =
      "SELECT " OBAUTH_PROVIDER_COLUMNS
      ", g.status FROM providers p "
      "LEFT JOIN registrations g ON g.provider_id = p.provider_id AND g.client_id = ?1 "
      "ORDER BY p.provider_id";
#undef OBAUTH_PROVIDER_COLUMNS
  static constexpr char kLiveRecipientOfPartner[] =
      "SELECT 1 FROM clients WHERE client_id = ?1 AND partner_id = ?2 "
      "AND kind = 'recipient' AND retired_at IS NULL";
  static constexpr char kInsertRegistration[] =
      "INSERT INTO registrations (client_id, provider_id, status, requested_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (client_id, provider_id) DO NOTHING";
  static constexpr char kGetRegistration[] =
      "SELECT g.client_id, c.name, g.provider_id, p.name, p.country, g.status, g.requested_at, "
      "g.updated_at FROM registrations g JOIN clients c ON c.client_id = g.client_id JOIN "
      "providers p ON p.provider_id = g.provider_id "
      "WHERE g.client_id = ?1 AND g.provider_id = ?2";
  static constexpr char kListRegistrations[] =
      "SELECT g.client_id, c.name, g.provider_id, p.name, p.country, g.status, g.requested_at, "
      "g.updated_at FROM registrations g JOIN clients c ON c.client_id = g.client_id JOIN "
      "providers p ON p.provider_id = g.provider_id "
      "WHERE c.partner_id = ?1 AND c.retired_at IS NULL "
      "AND (?2 IS NULL OR g.client_id = ?2) "
      "ORDER BY g.client_id, g.provider_id";
  static constexpr char kTransitionRegistration[] =
      "UPDATE registrations SET status = ?4, updated_at = ?5 "
      "WHERE client_id = ?1 AND provider_id = ?2 AND status = ?3";

  // Settings.
  static constexpr char kInsertSettingIfAbsent[] =
      "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING";
  static constexpr char kGetSetting[] = "SELECT value FROM settings WHERE name = ?1";
  static constexpr char kReplaceSetting[] =
      "UPDATE settings SET value = ?3 WHERE name = ?1 AND value = ?2";
};

}  // namespace obauth::store::sqlite
