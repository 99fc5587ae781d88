// The ProviderStore operations of the SQL backends: the catalogue and registrations. Q is the
// backend's query set (store/<backend>/queries.hpp), Db its connection (store/sql/statements.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/provider_store.hpp"
#include "store/sql/audit_operations.hpp"
#include "store/sql/recipient_operations.hpp"
#include "store/sql/statements.hpp"

namespace obauth::store::sql {

template <class Q>
struct ProviderOperations {
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
                       p.connector_name, p.account_types, p.updated_at, p.connector);
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
          if (auto x = AuditOperations<Q>::Insert(db, event); !x) return x.error();
        }
        OBAUTH_TRY(registration, GetRegistration(db, client_id, provider_id));
        out.push_back(std::move(registration));
      }
    }
    return out;
  }

  // Run inside one read snapshot.
  template <class Db>
  static Result<Page<Registration>> ListRegistrations(Db& db, std::string_view partner_id,
                                                      std::optional<std::string_view> client_id,
                                                      const PageRequest& page) {
    if (client_id) {
      OBAUTH_TRY(stmt, Query(db, Q::kLiveRecipientOfPartner, *client_id, partner_id));
      OBAUTH_TRY(row, stmt->Step());
      if (!row) return RecipientNotFound();
    }
    const ListPosition start = StartAfter(page);
    // One more than the page holds tells whether more follow.
    const auto limit = static_cast<std::int64_t>(page.limit) + 1;
    OBAUTH_TRY(stmt, client_id ? Query(db, Q::kListRecipientRegistrations, partner_id, *client_id,
                                       start.item, limit)
                               : Query(db, Q::kListRegistrations, partner_id, start.created_at,
                                       start.sequence, start.item, limit));
    return ReadPage<Registration>(
        *stmt, page, [](auto& s) { return ReadRegistration(s); },
        [](auto& s, const Registration& g) {
          return ListPosition{s.Int(kRegistrationColumns), s.Int(kRegistrationColumns + 1),
                              g.provider_id};
        });
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
    if (auto x = AuditOperations<Q>::Insert(db, audit); !x) return x.error();
    return GetRegistration(db, client_id, provider_id);
  }

 private:
  // The columns ReadProvider() reads; a query may add more after them.
  static constexpr int kProviderColumns = 10;

  template <class S>
  static Provider ReadProvider(const S& s) {
    return Provider{s.Int(0),  s.Text(1),         s.Text(2), s.OptionalText(3), s.Text(4),
                    s.Text(5), s.OptionalText(6), s.Text(7), s.Int(8),          s.OptionalText(9)};
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
};

}  // namespace obauth::store::sql
