// SQL statements of the PostgreSQL backend: the statements both backends share
// (store/sql/queries.hpp) and those of PostgreSQL's own dialect. Prepared once per connection.
// Parameter types are inferred by the server; where a parameter is only compared with NULL it is
// cast.
#pragma once

#include "store/sql/queries.hpp"

namespace obauth::store::postgres {

struct Queries : sql::CommonQueries<sql::PostgresParameters> {
  static constexpr char kFindClient[] =
      "SELECT c.kind, c.disabled, (c.retired_at IS NOT NULL)::int, coalesce(c.partner_id, ''), "
      "coalesce(r.scope, ''), c.token_epoch FROM clients c "
      "LEFT JOIN recipients r ON r.client_id = c.client_id WHERE c.client_id = $1";

  // Usage.
  static constexpr char kLockClient[] = "SELECT 1 FROM clients WHERE client_id = $1 FOR UPDATE";
  static constexpr char kSecretUsed[] =
      "UPDATE client_secrets SET last_used_at = greatest(coalesce(last_used_at, 0), $2) "
      "WHERE id = $1";

  // Audit trail.
  static constexpr char kListAudit[] =
      "SELECT id, at, partner_id, actor, action, client_id, request_id, source, options "
      "FROM audit_events WHERE partner_id = $1 AND ($2::text IS NULL OR client_id = $2::text) "
      "AND ($3::bigint IS NULL OR id < $3::bigint) ORDER BY id DESC LIMIT $4";
};

}  // namespace obauth::store::postgres
