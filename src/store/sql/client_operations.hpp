// The ClientStore operations of the SQL backends. Q is the backend's query set
// (store/<backend>/queries.hpp), Db its connection (store/sql/statements.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "store/client_store.hpp"
#include "store/sql/audit_operations.hpp"
#include "store/sql/statements.hpp"

namespace obauth::store::sql {

template <class Q>
struct ClientOperations {
  template <class Db>
  static Result<void> CreatePartner(Db& db, const Partner& partner, const std::string& secret_hash,
                                    const AuditEvent& audit) {
    if (auto r = Run(db, Q::kInsertClient, partner.client_id, ClientKindName(ClientKind::kPartner),
                     nullptr, partner.name, partner.created_at);
        !r) {
      return r.error();
    }
    if (auto r =
            Run(db, Q::kInsertSecret, partner.client_id, Blob{secret_hash}, partner.created_at);
        !r) {
      return r.error();
    }
    return AuditOperations<Q>::Insert(db, audit);
  }

  // Run inside one read snapshot.
  template <class Db>
  static Result<ClientCredentials> FindClient(Db& db, std::string_view client_id) {
    ClientCredentials out;
    {
      OBAUTH_TRY(stmt, Query(db, Q::kFindClient, client_id));
      OBAUTH_TRY(row, stmt->Step());
      if (!row) return MakeError(ErrorCode::kNotFound, "Client not found");
      out.client_id = std::string(client_id);
      out.kind = stmt->Text(0) == ClientKindName(ClientKind::kPartner) ? ClientKind::kPartner
                                                                       : ClientKind::kRecipient;
      out.disabled = stmt->Int(1) != 0;
      out.retired = stmt->Int(2) != 0;
      out.partner_id = stmt->Text(3);
      out.scope = stmt->Text(4);
      out.token_epoch = stmt->Int(5);
    }
    OBAUTH_TRY(stmt, Query(db, Q::kFindSecrets, client_id));
    while (true) {
      OBAUTH_TRY(row, stmt->Step());
      if (!row) break;
      out.secrets.push_back({stmt->Int(0), stmt->Bytes(1), stmt->OptionalInt(2)});
    }
    OBAUTH_TRY(revoked, Query(db, Q::kFindRevokedTokens, client_id));
    std::unordered_set<std::string> revoked_ids;
    while (true) {
      OBAUTH_TRY(row, revoked->Step());
      if (!row) break;
      revoked_ids.insert(revoked->Text(0));
    }
    out.revoked_tokens = RevokedTokens(std::move(revoked_ids));
    return out;
  }

  template <class Db>
  static Result<void> RecordSecretUse(Db& db, const std::vector<SecretUse>& unordered) {
    std::vector<const SecretUse*> uses;
    uses.reserve(unordered.size());
    for (const auto& use : unordered) uses.push_back(&use);
    std::sort(uses.begin(), uses.end(),
              [](const SecretUse* a, const SecretUse* b) { return a->client_id < b->client_id; });
    const std::string* locked = nullptr;
    for (const SecretUse* p : uses) {
      const SecretUse& use = *p;
      if (locked == nullptr || *locked != use.client_id) {
        OBAUTH_TRY(lock, Query(db, Q::kLockClient, use.client_id));
        if (auto r = lock->Step(); !r) return r.error();
        locked = &use.client_id;
      }
      if (auto x = Run(db, Q::kSecretUsed, use.secret_id, use.last_used_at); !x) {
        return x.error();
      }
      if (use.previous_authentications > 0) {
        if (auto x = Run(db, Q::kCountPreviousUse, use.client_id, use.previous_authentications,
                         use.secret_id);
            !x) {
          return x.error();
        }
      }
    }
    return {};
  }

  template <class Db>
  static Result<void> RevokeToken(Db& db, std::string_view client_id, std::string_view token_id,
                                  std::int64_t expires_at) {
    if (auto x = Run(db, Q::kInsertRevokedToken, token_id, client_id, expires_at); !x) {
      return x.error();
    }
    return {};
  }

  template <class Db>
  static Result<std::int64_t> PurgeRevokedTokens(Db& db, std::int64_t cutoff) {
    return Run(db, Q::kPurgeRevokedTokens, cutoff);
  }
};

}  // namespace obauth::store::sql
