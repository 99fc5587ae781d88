// RegistrationService: the Data Providers catalogue as partners and recipients see it
// (reference §5.3, §5.4, §7.1, §7.2) and the registration of recipients with providers (§8):
// partners request them, the operator moves them through PENDING_APPROVAL -> PENDING_ACTIVATION
// -> ACTIVE (and SUSPENDED). Every change is audited in the same transaction. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/recipient_service.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "store/client_store.hpp"
#include "store/provider_store.hpp"

namespace obauth::admin {

// At most this many ids in each list of a registration request.
inline constexpr std::size_t kMaxIdsPerRegistrationRequest = 100;

// An operator's move of a registration (obauth registrations approve|activate|suspend).
enum class RegistrationAction { kApprove, kActivate, kSuspend };

// The status a registration must have for `action`, and the one it gets:
//   approve:  PENDING_APPROVAL   -> PENDING_ACTIVATION
//   activate: PENDING_ACTIVATION -> ACTIVE, and SUSPENDED -> ACTIVE (reinstated)
//   suspend:  ACTIVE, PENDING_APPROVAL or PENDING_ACTIVATION -> SUSPENDED
// nullopt when `action` does not apply to `from`.
std::optional<store::RegistrationStatus> Transition(RegistrationAction action,
                                                    store::RegistrationStatus from);

// §5.4's vocabulary for a recipient's view of a provider: Activated, PendingActivation (both
// pending states), Suspended, or Available (not registered).
std::string_view V2Status(std::optional<store::RegistrationStatus> status);

// The filters of GET /api/v2/providers.
struct ProviderFilter {
  std::vector<std::string> countries;  // empty: any
  std::optional<bool> enabled;         // true: Activated only; false: all but Activated
};

class RegistrationService {
 public:
  // `store` keeps the catalogue and registrations; `clients` tells whose a recipient is.
  RegistrationService(store::ProviderStore& store, store::ClientStore& clients, const Clock& clock)
      : store_(store), clients_(clients), clock_(clock) {}

  // The whole catalogue (partners).
  [[nodiscard]] Result<std::vector<store::Provider>> ListProviders() const;
  // One provider by its id as given in the path; kNotFound for an unknown or malformed id.
  [[nodiscard]] Result<store::Provider> GetProvider(std::string_view provider_id) const;
  // The providers `client_id` is ACTIVE with (a recipient's own v1 view).
  [[nodiscard]] Result<std::vector<store::Provider>> ActiveProviders(
      std::string_view client_id) const;
  // Every provider with `client_id`'s registration status, filtered (the v2 view).
  [[nodiscard]] Result<std::vector<store::ProviderForRecipient>> ProvidersForRecipient(
      std::string_view client_id, const ProviderFilter& filter) const;

  // Requests registrations for the comma-separated `recipient_ids` x `provider_ids` (as in the
  // path of §8.1). kValidation for a malformed or too long list; kNotFound naming the ids that
  // are not the caller's recipients or not providers, with nothing created.
  [[nodiscard]] Result<std::vector<store::Registration>> Request(
      const Caller& caller, std::string_view recipient_ids, std::string_view provider_ids) const;
  // A page of the caller's registrations, in the order of its recipients, then by provider id;
  // only `client_id`'s when given (kNotFound unless it is the caller's). kValidation for a limit
  // outside 1-kMaxPageSize.
  [[nodiscard]] Result<store::Page<store::Registration>> List(
      const Caller& caller, std::optional<std::string_view> client_id,
      const store::PageRequest& page) const;

  // The operator's move; kNotFound naming what is missing (the recipient, the provider, or the
  // request for the pair, which the partner makes first); kConflict (message: what the
  // status is and what the action needs) when the action does not apply.
  [[nodiscard]] Result<store::Registration> Apply(RegistrationAction action,
                                                  std::string_view client_id,
                                                  std::int64_t provider_id,
                                                  const Caller& operator_caller) const;

 private:
  store::ProviderStore& store_;
  store::ClientStore& clients_;
  const Clock& clock_;
};

}  // namespace obauth::admin
