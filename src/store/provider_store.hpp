// ProviderStore: the Data Providers catalogue and the registrations of recipients with
// providers (reference §7.2, §5.4, §8). Each registration change records its AuditEvent in the
// same transaction. Implementations are thread-safe; every successful write is durable before
// the call returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/audit_store.hpp"
#include "store/page.hpp"

namespace obauth::store {

// A Data Provider (financial institution) of the catalogue (reference §7.2, §5.4).
struct Provider {
  std::int64_t provider_id = 0;
  std::string name;
  std::string country;  // "CA" or "US"
  std::optional<std::string> provider_url;
  std::string scope;           // the data scopes it supports, canonical, space-separated
  std::string data_inventory;  // §7.2 data_inventory: a JSON object, compact
  std::optional<std::string> connector_name;  // §5.4 connectorName
  std::string account_types;                  // §5.4 availableAccountTypes: a JSON object, compact
  std::int64_t updated_at = 0;
  // How obauth reaches the provider's customers: the catalogue's "connector" object, compact
  // JSON (docs/providers.md), e.g. {"type":"sandbox"}; nullopt: none.
  std::optional<std::string> connector;

  bool SameContent(const Provider& o) const {
    return name == o.name && country == o.country && provider_url == o.provider_url &&
           scope == o.scope && data_inventory == o.data_inventory &&
           connector_name == o.connector_name && account_types == o.account_types &&
           connector == o.connector;
  }
};

struct ProviderImport {
  std::int64_t added = 0;
  std::int64_t updated = 0;
  std::int64_t unchanged = 0;
};

// Where a Data Recipient's registration with a Data Provider stands (reference §8).
enum class RegistrationStatus { kPendingApproval, kPendingActivation, kActive, kSuspended };

// The stored and published name: PENDING_APPROVAL, PENDING_ACTIVATION, ACTIVE, SUSPENDED.
inline std::string_view StatusName(RegistrationStatus status) {
  switch (status) {
    case RegistrationStatus::kPendingApproval:
      return "PENDING_APPROVAL";
    case RegistrationStatus::kPendingActivation:
      return "PENDING_ACTIVATION";
    case RegistrationStatus::kActive:
      return "ACTIVE";
    case RegistrationStatus::kSuspended:
      return "SUSPENDED";
  }
  return "PENDING_APPROVAL";
}
inline std::optional<RegistrationStatus> ParseRegistrationStatus(std::string_view name) {
  for (auto s : {RegistrationStatus::kPendingApproval, RegistrationStatus::kPendingActivation,
                 RegistrationStatus::kActive, RegistrationStatus::kSuspended}) {
    if (StatusName(s) == name) return s;
  }
  return std::nullopt;
}

// A recipient's registration with a provider, with the names §8.3 shows.
struct Registration {
  std::string client_id;
  std::string client_name;
  std::int64_t provider_id = 0;
  std::string provider_name;
  std::string country;  // the provider's
  RegistrationStatus status = RegistrationStatus::kPendingApproval;
  std::int64_t requested_at = 0;
  std::int64_t updated_at = 0;
};

// The bytes of a registration's text (PageRequest::max_bytes).
inline std::size_t TextBytes(const Registration& g) {
  return g.client_id.size() + g.client_name.size() + g.provider_name.size() + g.country.size();
}

// A provider with the status of one recipient's registration with it (none: not registered).
struct ProviderForRecipient {
  Provider provider;
  std::optional<RegistrationStatus> status;
};

class ProviderStore {
 public:
  virtual ~ProviderStore() = default;

  // Adds the providers that are new and replaces those that changed (by provider_id), all in
  // one transaction; how many of each.
  [[nodiscard]] virtual Result<ProviderImport> UpsertProviders(
      const std::vector<Provider>& providers) = 0;
  // Every provider, by provider_id.
  [[nodiscard]] virtual Result<std::vector<Provider>> ListProviders() = 0;
  // The provider, or kNotFound.
  [[nodiscard]] virtual Result<Provider> GetProvider(std::int64_t provider_id) = 0;
  // Every provider with the status of `client_id`'s registration with it, by provider_id.
  [[nodiscard]] virtual Result<std::vector<ProviderForRecipient>> ListProvidersForRecipient(
      std::string_view client_id) = 0;

  // Requests the registration of every recipient in `client_ids` with every provider in
  // `provider_ids`: pairs not yet requested are added as PENDING_APPROVAL at `now` (one audit
  // event each, made from `audit` with the pair's client id and provider), the others are left
  // as they are. Answers the registrations of all the pairs. kNotFound, with nothing changed,
  // naming every id that is not a live recipient of `partner_id` or not a provider.
  [[nodiscard]] virtual Result<std::vector<Registration>> RequestRegistrations(
      std::string_view partner_id, const std::vector<std::string>& client_ids,
      const std::vector<std::int64_t>& provider_ids, std::int64_t now, const AuditEvent& audit) = 0;
  // A page of the registrations of the partner's live recipients (only `client_id`'s when given;
  // then kNotFound unless it is one of them), in the recipients' list order, then by provider
  // id.
  [[nodiscard]] virtual Result<Page<Registration>> ListRegistrations(
      std::string_view partner_id, std::optional<std::string_view> client_id,
      const PageRequest& page) = 0;
  // The registration of (client_id, provider_id), or kNotFound.
  [[nodiscard]] virtual Result<Registration> GetRegistration(std::string_view client_id,
                                                             std::int64_t provider_id) = 0;
  // Moves the registration from `from` to `to` (compare-and-set) and records `audit`; the
  // registration afterwards. kNotFound; kConflict when its status is no longer `from`.
  [[nodiscard]] virtual Result<Registration> TransitionRegistration(
      std::string_view client_id, std::int64_t provider_id, RegistrationStatus from,
      RegistrationStatus to, std::int64_t now, const AuditEvent& audit) = 0;
};

}  // namespace obauth::store
