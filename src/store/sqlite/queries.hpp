// SQL statements of the SQLite backend, prepared once per connection.
#pragma once

namespace obauth::store::sqlite::queries {

inline constexpr char kInsertClient[] =
    "INSERT INTO clients (client_id, kind, partner_id, name, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
inline constexpr char kInsertSecret[] =
    "INSERT INTO client_secrets (client_id, secret_hash, created_at) VALUES (?1, ?2, ?3)";
inline constexpr char kDeleteSecrets[] = "DELETE FROM client_secrets WHERE client_id = ?1";
inline constexpr char kFindClient[] =
    "SELECT c.kind, c.disabled, coalesce(r.scope, '') FROM clients c "
    "LEFT JOIN recipients r ON r.client_id = c.client_id WHERE c.client_id = ?1";
inline constexpr char kFindSecrets[] =
    "SELECT secret_hash FROM client_secrets WHERE client_id = ?1";
inline constexpr char kInsertRecipient[] =
    "INSERT INTO recipients (client_id, scope, logo_uri, description, terms_uri, client_uri, "
    "country) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
inline constexpr char kUpdateClient[] =
    "UPDATE clients SET name = ?3, updated_at = ?4 WHERE client_id = ?1 AND partner_id = ?2";
inline constexpr char kTouchClient[] =
    "UPDATE clients SET updated_at = ?3 WHERE client_id = ?1 AND partner_id = ?2";
inline constexpr char kUpdateRecipient[] =
    "UPDATE recipients SET scope = ?2, logo_uri = ?3, description = ?4, terms_uri = ?5, "
    "client_uri = ?6, country = ?7 WHERE client_id = ?1";
inline constexpr char kInsertRedirectUri[] =
    "INSERT INTO recipient_redirect_uris (client_id, position, uri) VALUES (?1, ?2, ?3)";
inline constexpr char kDeleteRedirectUris[] =
    "DELETE FROM recipient_redirect_uris WHERE client_id = ?1";
inline constexpr char kInsertContact[] =
    "INSERT INTO recipient_contacts (client_id, position, email) VALUES (?1, ?2, ?3)";
inline constexpr char kDeleteContacts[] = "DELETE FROM recipient_contacts WHERE client_id = ?1";
inline constexpr char kGetRecipient[] =
    "SELECT c.client_id, c.partner_id, c.name, r.scope, r.logo_uri, r.description, r.terms_uri, "
    "r.client_uri, r.country, c.created_at, c.updated_at FROM clients c "
    "JOIN recipients r ON r.client_id = c.client_id WHERE c.partner_id = ?1 AND c.client_id = ?2";
inline constexpr char kListRecipients[] =
    "SELECT c.client_id, c.partner_id, c.name, r.scope, r.logo_uri, r.description, r.terms_uri, "
    "r.client_uri, r.country, c.created_at, c.updated_at FROM clients c "
    "JOIN recipients r ON r.client_id = c.client_id WHERE c.partner_id = ?1 "
    "ORDER BY c.created_at, c.rowid";
inline constexpr char kRedirectUris[] =
    "SELECT uri FROM recipient_redirect_uris WHERE client_id = ?1 ORDER BY position";
inline constexpr char kContacts[] =
    "SELECT email FROM recipient_contacts WHERE client_id = ?1 ORDER BY position";
inline constexpr char kInsertSettingIfAbsent[] =
    "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING";
inline constexpr char kGetSetting[] = "SELECT value FROM settings WHERE name = ?1";

}  // namespace obauth::store::sqlite::queries
