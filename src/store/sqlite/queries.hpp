// SQL statements of the SQLite backend: the statements both backends share
// (store/sql/queries.hpp, with ?N parameters) and those of SQLite's own dialect. Prepared once
// per connection.
#pragma once

#include "store/sql/queries.hpp"

namespace obauth::store::sqlite {

struct Queries : sql::CommonQueries<sql::SqliteParameters> {
  static constexpr char kFindClient[] =
      "SELECT c.kind, c.disabled, c.retired_at IS NOT NULL, coalesce(c.partner_id, ''), "
      "coalesce(r.scope, ''), c.token_epoch FROM clients c "
      "LEFT JOIN recipients r ON r.client_id = c.client_id WHERE c.client_id = ?1";
  // A page, oldest first, after (?2, ?3) when given; rowid breaks ties in insertion order
  // (clients are never deleted, so a rowid is never reused).
  static constexpr char kListRecipients[] =
      "SELECT " OBAUTH_SQL_RECIPIENT_COLUMNS ", c.rowid" OBAUTH_SQL_RECIPIENT_FROM
      "WHERE c.partner_id = ?1 AND c.retired_at IS NULL "
      "AND (?2 IS NULL OR (c.created_at, c.rowid) > (?2, ?3)) "
      "ORDER BY c.created_at, c.rowid LIMIT ?4";
  // The contacts of the recipients of a page: after (?2, ?3) up to (?4, ?5), in list order.
  static constexpr char kListContacts[] =
      "SELECT k.client_id, k.email FROM clients c JOIN recipient_contacts k "
      "ON k.client_id = c.client_id WHERE c.partner_id = ?1 AND c.retired_at IS NULL "
      "AND (?2 IS NULL OR (c.created_at, c.rowid) > (?2, ?3)) "
      "AND (c.created_at, c.rowid) <= (?4, ?5) ORDER BY c.created_at, c.rowid, k.position";

  // Usage. The single writer needs no row locks: kLockClient only reads.
  static constexpr char kLockClient[] = "SELECT 1 FROM clients WHERE client_id = ?1";
  static constexpr char kSecretUsed[] =
      "UPDATE client_secrets SET last_used_at = max(coalesce(last_used_at, 0), ?2) WHERE id = ?1";

  // Audit trail.
  static constexpr char kListAudit[] =
      "SELECT id, at, partner_id, actor, action, client_id, request_id, source, options "
      "FROM audit_events WHERE partner_id = ?1 AND (?2 IS NULL OR client_id = ?2) "
      "AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4";

  // Registrations.
  // A page in the recipients' order (kListRecipients), then by provider, after (?3, ?4, ?5).
  static constexpr char kListRegistrations[] =
      "SELECT g.client_id, c.name, g.provider_id, p.name, p.country, g.status, g.requested_at, "
      "g.updated_at, c.created_at, c.rowid FROM clients c JOIN registrations g "
      "ON g.client_id = c.client_id JOIN providers p ON p.provider_id = g.provider_id "
      "WHERE c.partner_id = ?1 AND c.retired_at IS NULL "
      "AND (?2 IS NULL OR c.client_id = ?2) "
      "AND (?3 IS NULL OR (c.created_at, c.rowid, g.provider_id) > (?3, ?4, ?5)) "
      "ORDER BY c.created_at, c.rowid, g.provider_id LIMIT ?6";
};

}  // namespace obauth::store::sqlite
