// SQL statements of the SQLite backend: the statements both backends share
// (store/sql/queries.hpp, with ?N parameters) and those of SQLite's own dialect. Prepared once
// per connection.
#pragma once

#include "store/sql/queries.hpp"

namespace obauth::store::sqlite {

struct Queries : sql::CommonQueries<sql::SqliteParameters> {
  // A recipient's rowid is its client's seq (migration 6), which lists join on: these two
  // replace the shared statements of the same name. The client_id check only guards the join
  // (the unary + keeps the planner on the rowid).
  static constexpr char kInsertRecipient[] =
      "INSERT INTO recipients (rowid, client_id, scope, logo_uri, description, terms_uri, "
      "client_uri, country) VALUES ((SELECT seq FROM clients WHERE client_id = ?1), ?1, ?2, ?3, "
      "?4, ?5, ?6, ?7)";
  static constexpr char kListRecipients[] =
      "SELECT " OBAUTH_SQL_RECIPIENT_COLUMNS
      ", c.seq FROM clients c JOIN recipients r ON r.rowid = c.seq AND +r.client_id = c.client_id "
      "WHERE c.partner_id = ?1 AND c.retired_at IS NULL AND (c.created_at, c.seq) > (?2, ?3) "
      "ORDER BY c.created_at, c.seq LIMIT ?4";

  static constexpr char kFindClient[] =
      "SELECT c.kind, c.disabled, c.retired_at IS NOT NULL, coalesce(c.partner_id, ''), "
      "coalesce(r.scope, ''), c.token_epoch FROM clients c "
      "LEFT JOIN recipients r ON r.client_id = c.client_id WHERE c.client_id = ?1";

  // Usage. The single writer needs no row locks: kLockClient only reads.
  static constexpr char kLockClient[] = "SELECT 1 FROM clients WHERE client_id = ?1";
  static constexpr char kSecretUsed[] =
      "UPDATE client_secrets SET last_used_at = max(coalesce(last_used_at, 0), ?2) WHERE id = ?1";

  // Audit trail.
  static constexpr char kListAudit[] =
      "SELECT id, at, partner_id, actor, action, client_id, request_id, source, options "
      "FROM audit_events WHERE partner_id = ?1 AND (?2 IS NULL OR client_id = ?2) "
      "AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4";
};

}  // namespace obauth::store::sqlite
