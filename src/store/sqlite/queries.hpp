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
