// The RecipientStore operations of the SQL backends. Q is the backend's query set
// (store/<backend>/queries.hpp), Db its connection (store/sql/statements.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/client_kind.hpp"
#include "store/recipient_store.hpp"
#include "store/sql/audit_operations.hpp"
#include "store/sql/queries.hpp"
#include "store/sql/replay_operations.hpp"
#include "store/sql/statements.hpp"

namespace obauth::store::sql {

// The answer for a recipient that does not exist, is retired or is another partner's.
inline Error RecipientNotFound() {
  return MakeError(ErrorCode::kNotFound, "Data Recipient not found");
}

template <class Q>
struct RecipientOperations {
  template <class Db>
  static Result<void> CreateRecipient(Db& db, const Recipient& r, const std::string& secret_hash,
                                      const Replay* replay, const AuditEvent& audit) {
    if (auto x = Run(db, Q::kInsertClient, r.client_id, ClientKindName(ClientKind::kRecipient),
                     r.partner_id, r.name, r.created_at);
        !x) {
      return x.error();
    }
    if (auto x = Run(db, Q::kInsertRecipient, r.client_id, r.scope, r.logo_uri, r.description,
                     r.terms_uri, r.client_uri, r.country);
        !x) {
      return x.error();
    }
    if (auto x = WriteRecipientLists(db, r); !x) return x;
    if (auto x = Run(db, Q::kInsertSecret, r.client_id, Blob{secret_hash}, r.created_at); !x) {
      return x.error();
    }
    if (auto x = ReplayOperations<Q>::Insert(db, replay); !x) return x;
    return AuditOperations<Q>::Insert(db, audit);
  }

  // Run inside one read snapshot.
  template <class Db>
  static Result<Page<Recipient>> ListRecipients(Db& db, std::string_view partner_id,
                                                const PageRequest& page) {
    const ListPosition start = StartAfter(page);
    ListPosition last;  // the last item's
    OBAUTH_TRY(stmt, Query(db, Q::kListRecipients, partner_id, start.created_at, start.sequence,
                           static_cast<std::int64_t>(page.limit) + 1));
    OBAUTH_TRY(out, ReadPage<Recipient>(
                        *stmt, page, [](auto& s) { return ReadRecipient(s); },
                        [&last](auto& s, const Recipient& r) {
                          last = {r.created_at, s.Int(kRecipientColumns)};
                          return last;
                        }));
    stmt.reset();
    if (out.items.empty()) return out;
    // The page's contacts in one read, in the same order: the rows of each recipient follow
    // those of the one before.
    OBAUTH_TRY(contacts, Query(db, Q::kListContacts, partner_id, start.created_at, start.sequence,
                               last.created_at, last.sequence));
    auto recipient = out.items.begin();
    while (true) {
      OBAUTH_TRY(row, contacts->Step());
      if (!row) break;
      const std::string client_id = contacts->Text(0);
      while (recipient != out.items.end() && recipient->client_id != client_id) ++recipient;
      if (recipient == out.items.end()) break;
      recipient->contact_emails.push_back(contacts->Text(1));
    }
    return out;
  }

  // Run inside one read snapshot.
  template <class Db>
  static Result<Recipient> GetRecipient(Db& db, std::string_view partner_id,
                                        std::string_view client_id, std::int64_t now) {
    Recipient out;
    {
      OBAUTH_TRY(stmt, Query(db, Q::kGetRecipient, partner_id, client_id));
      OBAUTH_TRY(row, stmt->Step());
      if (!row) return RecipientNotFound();
      out = ReadRecipient(*stmt);
    }
    {
      OBAUTH_TRY(stmt, Query(db, Q::kSecretStatus, client_id, now));
      OBAUTH_TRY(row, stmt->Step());
      if (row) {
        out.secrets.secret_last_used_at = stmt->OptionalInt(0);
        out.secrets.previous_expires_at = stmt->OptionalInt(1);
        out.secrets.previous_last_used_at = stmt->OptionalInt(2);
        out.secrets.previous_authentications = stmt->Int(3);
      }
    }
    if (auto x = FillLists(db, out); !x) return x.error();
    return out;
  }

  template <class Db>
  static Result<void> UpdateRecipient(Db& db, const Recipient& r, const AuditEvent& audit) {
    OBAUTH_TRY(changed, Run(db, Q::kUpdateClient, r.client_id, r.partner_id, r.name, r.updated_at));
    if (changed == 0) return RecipientNotFound();
    if (auto x = Run(db, Q::kUpdateRecipient, r.client_id, r.scope, r.logo_uri, r.description,
                     r.terms_uri, r.client_uri, r.country);
        !x) {
      return x.error();
    }
    if (auto x = WriteRecipientLists(db, r); !x) return x;
    return AuditOperations<Q>::Insert(db, audit);
  }

  // Sets `previous_expires_at` when the old secret keeps a grace period. Touching the client row
  // first also locks it, so concurrent rotations of one recipient run one after the other.
  template <class Db>
  static Result<void> RotateSecret(Db& db, const RotateSecretRequest& q, const Replay* replay,
                                   const AuditEvent& audit,
                                   std::optional<std::int64_t>& previous_expires_at) {
    OBAUTH_TRY(live, Run(db, Q::kTouchClient, q.client_id, q.partner_id, q.now));
    if (live == 0) return RecipientNotFound();
    {
      OBAUTH_TRY(stmt, Query(db, Q::kPreviousInGrace, q.client_id, q.now));
      OBAUTH_TRY(row, stmt->Step());
      if (row && stmt->OptionalInt(0)) {
        return MakeError(ErrorCode::kConflict,
                         "The previous secret is still in its grace period; end it with DELETE "
                         "/api/v1/recipients/" +
                             q.client_id + "/secret/previous before rotating again");
      }
    }
    // At most two secrets: drop expired previous ones, then keep the current one as the
    // previous secret only when a grace period was asked for.
    for (const char* sql : {Q::kDeletePreviousSecrets, Q::kResetPreviousCount}) {
      if (auto x = Run(db, sql, q.client_id); !x) return x.error();
    }
    if (q.grace_seconds > 0) {
      previous_expires_at = q.now + q.grace_seconds;
      if (auto x = Run(db, Q::kExpireCurrentSecret, q.client_id, *previous_expires_at); !x) {
        return x.error();
      }
    } else if (auto x = Run(db, Q::kDeleteCurrentSecret, q.client_id); !x) {
      return x.error();
    }
    if (auto x = Run(db, Q::kInsertSecret, q.client_id, Blob{q.new_hash}, q.now); !x) {
      return x.error();
    }
    if (q.revoke_tokens) {
      if (auto x = Run(db, Q::kBumpTokenEpoch, q.client_id); !x) return x.error();
    }
    if (auto x = ReplayOperations<Q>::Insert(db, replay); !x) return x;
    return AuditOperations<Q>::Insert(db, audit);
  }

  // Sets `revoked` when a previous secret was in its grace period.
  template <class Db>
  static Result<void> RevokePreviousSecret(Db& db, std::string_view partner_id,
                                           std::string_view client_id, std::int64_t now,
                                           const AuditEvent& audit, bool& revoked) {
    OBAUTH_TRY(live, Run(db, Q::kTouchClient, client_id, partner_id, now));
    if (live == 0) return RecipientNotFound();
    {
      OBAUTH_TRY(stmt, Query(db, Q::kPreviousInGrace, client_id, now));
      OBAUTH_TRY(row, stmt->Step());
      revoked = row && stmt->OptionalInt(0).has_value();
    }
    if (auto x = Run(db, Q::kDeletePreviousSecrets, client_id); !x) return x.error();
    return revoked ? AuditOperations<Q>::Insert(db, audit) : Result<void>();
  }

  template <class Db>
  static Result<void> RetireRecipient(Db& db, std::string_view partner_id,
                                      std::string_view client_id, std::int64_t now,
                                      const AuditEvent& audit) {
    OBAUTH_TRY(retired, Run(db, Q::kRetireClient, client_id, partner_id, now));
    if (retired == 0) return RecipientNotFound();
    if (auto x = Run(db, Q::kDeleteAllSecrets, client_id); !x) return x.error();
    return AuditOperations<Q>::Insert(db, audit);
  }

 private:
  template <class Db>
  static Result<void> WriteRecipientLists(Db& db, const Recipient& r) {
    for (const char* sql : {Q::kDeleteRedirectUris, Q::kDeleteContacts}) {
      if (auto x = Run(db, sql, r.client_id); !x) return x.error();
    }
    for (std::size_t i = 0; i < r.redirect_uris.size(); ++i) {
      if (auto x = Run(db, Q::kInsertRedirectUri, r.client_id, static_cast<std::int64_t>(i),
                       r.redirect_uris[i]);
          !x) {
        return x.error();
      }
    }
    for (std::size_t i = 0; i < r.contact_emails.size(); ++i) {
      if (auto x = Run(db, Q::kInsertContact, r.client_id, static_cast<std::int64_t>(i),
                       r.contact_emails[i]);
          !x) {
        return x.error();
      }
    }
    return {};
  }

  template <class S>
  static Recipient ReadRecipient(const S& s) {
    Recipient r;
    r.client_id = s.Text(0);
    r.partner_id = s.Text(1);
    r.name = s.Text(2);
    r.scope = s.Text(3);
    r.logo_uri = s.OptionalText(4);
    r.description = s.OptionalText(5);
    r.terms_uri = s.OptionalText(6);
    r.client_uri = s.OptionalText(7);
    r.country = s.OptionalText(8);
    r.created_at = s.Int(9);
    r.updated_at = s.Int(10);
    return r;
  }

  template <class Db>
  static Result<void> FillLists(Db& db, Recipient& r) {
    OBAUTH_TRY(uris, Column(db, Q::kRedirectUris, r.client_id));
    OBAUTH_TRY(emails, Column(db, Q::kContacts, r.client_id));
    r.redirect_uris = std::move(uris);
    r.contact_emails = std::move(emails);
    return {};
  }
};

}  // namespace obauth::store::sql
