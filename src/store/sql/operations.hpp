// The Store operations written once for every SQL backend. A backend supplies
//
//  - a query set `Q`: a struct with one `static constexpr char kName[]` per statement below, in
//    its own SQL dialect, binding parameters in the order the operations pass them;
//  - a connection type `Db` with `Result<std::unique_ptr<S>> Prepare(const char* sql)`, where the
//    statement S has Bind(int, T) for std::string_view, const std::string&, Blob, std::int64_t,
//    int, bool, nullptr, std::optional<std::int64_t> and std::optional<std::string>; Step()
//    (Result<bool>: true while a row is ready), Run(), Changes(), Text(col), Bytes(col),
//    OptionalText(col), Int(col) and OptionalInt(col);
//
// and runs each write operation inside one of its write transactions and each multi-statement
// read inside one read snapshot. Errors: a unique-key violation must come back as kConflict.
//
// Lock order, for backends with row locks: a write touches a client's row in `clients` before
// any other row of that client, and a write about several clients takes them in client-id
// order, so concurrent writes wait for each other but never deadlock.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "store/store.hpp"

namespace obauth::store::sql {

// Marks bytes to bind as a BLOB / bytea rather than text.
struct Blob {
  std::string_view bytes;
};

template <class Q>
class Operations {
 public:
  template <class Db>
  static Result<void> CreatePartner(Db& db, const Partner& partner, const std::string& secret_hash,
                                    const AuditEvent& audit) {
    if (auto r = Run(db, Q::kInsertClient, partner.client_id, std::string_view("partner"), nullptr,
                     partner.name, partner.created_at);
        !r) {
      return r.error();
    }
    if (auto r =
            Run(db, Q::kInsertSecret, partner.client_id, Blob{secret_hash}, partner.created_at);
        !r) {
      return r.error();
    }
    return InsertAudit(db, audit);
  }

  template <class Db>
  static Result<ClientCredentials> FindClient(Db& db, std::string_view client_id) {
    ClientCredentials out;
    {
      OBAUTH_TRY(stmt, Query(db, Q::kFindClient, client_id));
      OBAUTH_TRY(row, stmt->Step());
      if (!row) return MakeError(ErrorCode::kNotFound, "Client not found");
      out.client_id = std::string(client_id);
      out.kind = stmt->Text(0) == "partner" ? ClientKind::kPartner : ClientKind::kRecipient;
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
    while (true) {
      OBAUTH_TRY(row, revoked->Step());
      if (!row) break;
      out.revoked_token_ids.push_back(revoked->Text(0));
    }
    return out;
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

  template <class Db>
  static Result<void> CreateRecipient(Db& db, const Recipient& r, const std::string& secret_hash,
                                      const Replay* replay, const AuditEvent& audit) {
    if (auto x = Run(db, Q::kInsertClient, r.client_id, std::string_view("recipient"), r.partner_id,
                     r.name, r.created_at);
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
    if (auto x = InsertReplay(db, replay); !x) return x;
    return InsertAudit(db, audit);
  }

  // Run inside one read snapshot.
  template <class Db>
  static Result<std::vector<Recipient>> ListRecipients(Db& db, std::string_view partner_id) {
    std::vector<Recipient> out;
    {
      OBAUTH_TRY(stmt, Query(db, Q::kListRecipients, partner_id));
      while (true) {
        OBAUTH_TRY(row, stmt->Step());
        if (!row) break;
        out.push_back(ReadRecipient(*stmt));
      }
    }
    for (auto& recipient : out) {
      if (auto x = FillLists(db, recipient); !x) return x.error();
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
    return InsertAudit(db, audit);
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
    if (auto x = InsertReplay(db, replay); !x) return x;
    return InsertAudit(db, audit);
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
    return revoked ? InsertAudit(db, audit) : Result<void>();
  }

  template <class Db>
  static Result<void> RetireRecipient(Db& db, std::string_view partner_id,
                                      std::string_view client_id, std::int64_t now,
                                      const AuditEvent& audit) {
    OBAUTH_TRY(retired, Run(db, Q::kRetireClient, client_id, partner_id, now));
    if (retired == 0) return RecipientNotFound();
    if (auto x = Run(db, Q::kDeleteAllSecrets, client_id); !x) return x.error();
    return InsertAudit(db, audit);
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

  template <class Db>
  static Result<std::optional<Replay>> FindReplay(Db& db, std::string_view partner_id,
                                                  std::string_view key, std::int64_t not_before) {
    OBAUTH_TRY(stmt, Query(db, Q::kFindReplay, partner_id, key, not_before));
    OBAUTH_TRY(row, stmt->Step());
    if (!row) return std::optional<Replay>();
    return std::optional<Replay>(Replay{std::string(partner_id), std::string(key), stmt->Bytes(0),
                                        stmt->Bytes(1), stmt->Int(2)});
  }

  template <class Db>
  static Result<std::int64_t> PurgeReplays(Db& db, std::int64_t cutoff) {
    return Run(db, Q::kPurgeReplays, cutoff);
  }

  template <class Db>
  static Result<std::optional<std::string>> GetSetting(Db& db, std::string_view name) {
    OBAUTH_TRY(get, Query(db, Q::kGetSetting, name));
    OBAUTH_TRY(row, get->Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(get->Text(0));
  }

  template <class Db>
  static Result<std::string> GetOrCreateSetting(Db& db, std::string_view name,
                                                std::string_view value_if_absent) {
    if (auto x = Run(db, Q::kInsertSettingIfAbsent, name, value_if_absent); !x) return x.error();
    OBAUTH_TRY(value, GetSetting(db, name));
    if (!value) return InternalError("setting vanished: " + std::string(name));
    return std::move(*value);
  }

  template <class Db>
  static Result<std::string> ReplaceSetting(Db& db, std::string_view name,
                                            std::string_view expected, std::string_view desired) {
    if (auto x = Run(db, Q::kReplaceSetting, name, expected, desired); !x) return x.error();
    OBAUTH_TRY(value, GetSetting(db, name));
    if (!value) return MakeError(ErrorCode::kNotFound, "No setting " + std::string(name));
    return std::move(*value);
  }

  template <class Db>
  static Result<ProviderImport> UpsertProviders(Db& db, const std::vector<Provider>& providers) {
    ProviderImport counts;
    for (const auto& p : providers) {
      std::optional<Provider> existing;
      {
        OBAUTH_TRY(stmt, Query(db, Q::kGetProvider, p.provider_id));
        OBAUTH_TRY(row, stmt->Step());
        if (row) existing = ReadProvider(*stmt);
      }
      if (existing && existing->SameContent(p)) {
        ++counts.unchanged;
        continue;
      }
      if (auto x = Run(db, existing ? Q::kUpdateProvider : Q::kInsertProvider, p.provider_id,
                       p.name, p.country, p.provider_url, p.scope, p.data_inventory,
                       p.connector_name, p.account_types, p.updated_at);
          !x) {
        return x.error();
      }
      ++(existing ? counts.updated : counts.added);
    }
    return counts;
  }

  template <class Db>
  static Result<std::vector<Provider>> ListProviders(Db& db) {
    OBAUTH_TRY(stmt, Query(db, Q::kListProviders));
    std::vector<Provider> out;
    while (true) {
      OBAUTH_TRY(row, stmt->Step());
      if (!row) break;
      out.push_back(ReadProvider(*stmt));
    }
    return out;
  }

  template <class Db>
  static Result<Provider> GetProvider(Db& db, std::int64_t provider_id) {
    OBAUTH_TRY(stmt, Query(db, Q::kGetProvider, provider_id));
    OBAUTH_TRY(row, stmt->Step());
    if (!row) return MakeError(ErrorCode::kNotFound, "Data Provider not found");
    return ReadProvider(*stmt);
  }

  template <class Db>
  static Result<std::vector<ProviderForRecipient>> ListProvidersForRecipient(
      Db& db, std::string_view client_id) {
    OBAUTH_TRY(stmt, Query(db, Q::kListProvidersForRecipient, client_id));
    std::vector<ProviderForRecipient> out;
    while (true) {
      OBAUTH_TRY(row, stmt->Step());
      if (!row) break;
      const auto status = stmt->OptionalText(kProviderColumns);
      out.push_back(
          {ReadProvider(*stmt), status ? ParseRegistrationStatus(*status) : std::nullopt});
    }
    return out;
  }

  template <class Db>
  static Result<std::vector<Registration>> RequestRegistrations(
      Db& db, std::string_view partner_id, const std::vector<std::string>& client_ids,
      const std::vector<std::int64_t>& provider_ids, std::int64_t now, const AuditEvent& audit) {
    std::string unknown_clients;
    std::string unknown_providers;
    for (const auto& client_id : client_ids) {
      OBAUTH_TRY(stmt, Query(db, Q::kLiveRecipientOfPartner, client_id, partner_id));
      OBAUTH_TRY(row, stmt->Step());
      if (!row) unknown_clients += (unknown_clients.empty() ? "" : ", ") + client_id;
    }
    for (const std::int64_t provider_id : provider_ids) {
      OBAUTH_TRY(stmt, Query(db, Q::kGetProvider, provider_id));
      OBAUTH_TRY(row, stmt->Step());
      if (!row) {
        unknown_providers += (unknown_providers.empty() ? "" : ", ") + std::to_string(provider_id);
      }
    }
    if (!unknown_clients.empty() || !unknown_providers.empty()) {
      std::string message = "Nothing was requested:";
      if (!unknown_clients.empty()) message += " no Data Recipient " + unknown_clients + ";";
      if (!unknown_providers.empty()) message += " no Data Provider " + unknown_providers + ";";
      message.pop_back();
      return MakeError(ErrorCode::kNotFound, message);
    }
    std::vector<Registration> out;
    for (const auto& client_id : client_ids) {
      for (const std::int64_t provider_id : provider_ids) {
        OBAUTH_TRY(added, Run(db, Q::kInsertRegistration, client_id, provider_id,
                              StatusName(RegistrationStatus::kPendingApproval), now));
        if (added > 0) {
          AuditEvent event = audit;
          event.client_id = client_id;
          event.options_json = R"({"provider_id":)" + std::to_string(provider_id) + "}";
          if (auto x = InsertAudit(db, event); !x) return x.error();
        }
        OBAUTH_TRY(registration, GetRegistration(db, client_id, provider_id));
        out.push_back(std::move(registration));
      }
    }
    return out;
  }

  // Run inside one read snapshot.
  template <class Db>
  static Result<std::vector<Registration>> ListRegistrations(
      Db& db, std::string_view partner_id, std::optional<std::string_view> client_id) {
    if (client_id) {
      OBAUTH_TRY(stmt, Query(db, Q::kLiveRecipientOfPartner, *client_id, partner_id));
      OBAUTH_TRY(row, stmt->Step());
      if (!row) return RecipientNotFound();
    }
    const std::optional<std::string> only =
        client_id ? std::optional<std::string>(*client_id) : std::nullopt;
    OBAUTH_TRY(stmt, Query(db, Q::kListRegistrations, partner_id, only));
    std::vector<Registration> out;
    while (true) {
      OBAUTH_TRY(row, stmt->Step());
      if (!row) break;
      out.push_back(ReadRegistration(*stmt));
    }
    return out;
  }

  template <class Db>
  static Result<Registration> GetRegistration(Db& db, std::string_view client_id,
                                              std::int64_t provider_id) {
    OBAUTH_TRY(stmt, Query(db, Q::kGetRegistration, client_id, provider_id));
    OBAUTH_TRY(row, stmt->Step());
    if (!row) return MakeError(ErrorCode::kNotFound, "Registration not found");
    return ReadRegistration(*stmt);
  }

  template <class Db>
  static Result<Registration> TransitionRegistration(Db& db, std::string_view client_id,
                                                     std::int64_t provider_id,
                                                     RegistrationStatus from, RegistrationStatus to,
                                                     std::int64_t now, const AuditEvent& audit) {
    OBAUTH_TRY(changed, Run(db, Q::kTransitionRegistration, client_id, provider_id,
                            StatusName(from), StatusName(to), now));
    if (changed == 0) {
      OBAUTH_TRY(current, GetRegistration(db, client_id, provider_id));
      return MakeError(ErrorCode::kConflict, "The registration is " +
                                                 std::string(StatusName(current.status)) +
                                                 ", no longer " + std::string(StatusName(from)));
    }
    if (auto x = InsertAudit(db, audit); !x) return x.error();
    return GetRegistration(db, client_id, provider_id);
  }

 private:
  // The columns ReadProvider() reads; a query may add more after them.
  static constexpr int kProviderColumns = 9;

  template <class S>
  static Provider ReadProvider(const S& s) {
    return Provider{s.Int(0),  s.Text(1),         s.Text(2), s.OptionalText(3), s.Text(4),
                    s.Text(5), s.OptionalText(6), s.Text(7), s.Int(8)};
  }

  template <class S>
  static Registration ReadRegistration(const S& s) {
    return Registration{
        s.Text(0),
        s.Text(1),
        s.Int(2),
        s.Text(3),
        s.Text(4),
        ParseRegistrationStatus(s.Text(5)).value_or(RegistrationStatus::kPendingApproval),
        s.Int(6),
        s.Int(7)};
  }

  static Error RecipientNotFound() {
    return MakeError(ErrorCode::kNotFound, "Data Recipient not found");
  }

  // The statement for `sql` with `args` bound to parameters 1, 2, ... in order.
  template <class Db, class... Args>
  static auto Query(Db& db, const char* sql, const Args&... args) -> decltype(db.Prepare(sql)) {
    OBAUTH_TRY(stmt, db.Prepare(sql));
    int index = 0;
    (stmt->Bind(++index, args), ...);
    return std::move(stmt);
  }

  // Runs a statement that returns no rows; how many rows it changed.
  template <class Db, class... Args>
  static Result<std::int64_t> Run(Db& db, const char* sql, const Args&... args) {
    OBAUTH_TRY(stmt, Query(db, sql, args...));
    if (auto r = stmt->Run(); !r) return r.error();
    return std::int64_t{stmt->Changes()};
  }

  template <class Db>
  static Result<void> InsertAudit(Db& db, const AuditEvent& e) {
    auto r = Run(db, Q::kInsertAudit, e.at, e.partner_id, e.actor, e.action, e.client_id,
                 e.request_id, e.source, e.options_json);
    if (!r) return r.error();
    return {};
  }

  // Stores the replay (if any), replacing one for the same key older than 24 hours.
  template <class Db>
  static Result<void> InsertReplay(Db& db, const Replay* replay) {
    if (replay == nullptr) return {};
    constexpr std::int64_t kDay = 24 * 60 * 60;
    if (auto r = Run(db, Q::kDeleteStaleReplay, replay->partner_id, replay->key,
                     replay->created_at - kDay);
        !r) {
      return r.error();
    }
    auto r = Run(db, Q::kInsertReplay, replay->partner_id, replay->key, Blob{replay->fingerprint},
                 Blob{replay->sealed}, replay->created_at);
    if (!r && r.error().code == ErrorCode::kConflict) {
      return MakeError(ErrorCode::kKeyInUse,
                       "A request with this Idempotency-Key is already in progress",
                       "idempotency key taken by a concurrent request");
    }
    if (!r) return r.error();
    return {};
  }

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

  template <class Db>
  static Result<std::vector<std::string>> Column(Db& db, const char* sql, std::string_view key) {
    OBAUTH_TRY(stmt, Query(db, sql, key));
    std::vector<std::string> out;
    while (true) {
      OBAUTH_TRY(row, stmt->Step());
      if (!row) break;
      out.push_back(stmt->Text(0));
    }
    return out;
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
