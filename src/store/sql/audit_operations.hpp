// The AuditStore operations of the SQL backends, and the insert every audited change runs in
// its own transaction. Q is the backend's query set (store/<backend>/queries.hpp), Db its
// connection (store/sql/statements.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "store/audit_store.hpp"
#include "store/sql/statements.hpp"

namespace obauth::store::sql {

template <class Q>
struct AuditOperations {
  // Records `e`; called inside the transaction of the change it describes.
  template <class Db>
  static Result<void> Insert(Db& db, const AuditEvent& e) {
    auto r = Run(db, Q::kInsertAudit, e.at, e.partner_id, e.actor, e.action, e.client_id,
                 e.request_id, e.source, e.options_json);
    if (!r) return r.error();
    return {};
  }

  template <class Db>
  static Result<std::vector<AuditEvent>> ListAuditEvents(Db& db, const AuditQuery& q) {
    OBAUTH_TRY(stmt, Query(db, Q::kListAudit, q.partner_id, q.client_id, q.before_id,
                           std::int64_t{q.limit}));
    std::vector<AuditEvent> out;
    while (true) {
      OBAUTH_TRY(row, stmt->Step());
      if (!row) break;
      out.push_back({stmt->Int(0), stmt->Int(1), stmt->Text(2), stmt->Text(3), stmt->Text(4),
                     stmt->Text(5), stmt->Text(6), stmt->Text(7), stmt->Text(8)});
    }
    return out;
  }
};

}  // namespace obauth::store::sql
