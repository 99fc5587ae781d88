// Store: the persistence contract for clients (partners and Data Recipients), their secret
// hashes and server settings. Implementations are thread-safe; every successful write is
// durable before the call returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace obauth::store {

enum class ClientKind { kPartner, kRecipient };

// One stored secret hash. The current secret has no expiry; a previous one in its grace period
// has one.
struct SecretRecord {
  std::int64_t id = 0;
  std::string hash;
  std::optional<std::int64_t> expires_at;
};

// What the token endpoint and token checks need about a client.
struct ClientCredentials {
  std::string client_id;
  ClientKind kind = ClientKind::kRecipient;
  std::string partner_id;  // recipients: the owning partner; partners: empty
  bool disabled = false;
  bool retired = false;
  std::string scope;                  // recipients: registered data scopes, space-separated
  std::int64_t token_epoch = 0;       // tokens issued with a lower epoch are inactive
  std::vector<SecretRecord> secrets;  // every stored secret, expired ones included
  std::vector<std::string> revoked_token_ids;  // jti of each revoked token not yet purged
};

struct Partner {
  std::string client_id;
  std::string name;
  std::int64_t created_at = 0;
};

// Secret bookkeeping shown in a recipient's details.
struct SecretStatus {
  std::optional<std::int64_t> secret_last_used_at;
  std::optional<std::int64_t> previous_expires_at;  // set while a previous secret is in grace
  std::optional<std::int64_t> previous_last_used_at;
  std::int64_t previous_authentications = 0;  // token requests made with the previous secret
};

struct Recipient {
  std::string client_id;
  std::string partner_id;  // the owning tenant
  std::string name;
  std::string scope;  // canonical, space-separated
  std::vector<std::string> redirect_uris;
  std::optional<std::string> logo_uri;
  std::optional<std::string> description;
  std::optional<std::string> terms_uri;
  std::optional<std::string> client_uri;
  std::optional<std::string> country;
  std::vector<std::string> contact_emails;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  SecretStatus secrets;  // filled by GetRecipient only
};

// One change, recorded in the same transaction as the change itself. Never a secret.
struct AuditEvent {
  std::int64_t id = 0;  // assigned by the store
  std::int64_t at = 0;
  std::string partner_id;  // the tenant whose trail shows the event
  std::string actor;       // a partner id, or "operator" for the command line
  std::string action;      // e.g. "recipient.secret_rotated"
  std::string client_id;   // the client the change is about
  std::string request_id;
  std::string source;        // peer address, or "cli"
  std::string options_json;  // a JSON object of the options used, "{}" if none
};

// A sealed copy of a response, kept for Idempotency-Key replays.
struct Replay {
  std::string partner_id;
  std::string key;
  std::string fingerprint;  // hash of the request it answers
  std::string sealed;       // AES-256-GCM sealed status and body
  std::int64_t created_at = 0;
};

struct RotateSecretRequest {
  std::string partner_id;
  std::string client_id;
  std::string new_hash;
  std::int64_t now = 0;
  std::int64_t grace_seconds = 0;  // 0: the current secret dies now
  bool revoke_tokens = false;      // true: tokens issued so far become inactive
};

// Usage noticed by the token endpoint, written in batches.
struct SecretUse {
  std::int64_t secret_id = 0;
  std::string client_id;
  std::int64_t last_used_at = 0;
  std::int64_t previous_authentications = 0;  // to add to the client's counter
};

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

  bool SameContent(const Provider& o) const {
    return name == o.name && country == o.country && provider_url == o.provider_url &&
           scope == o.scope && data_inventory == o.data_inventory &&
           connector_name == o.connector_name && account_types == o.account_types;
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

// A provider with the status of one recipient's registration with it (none: not registered).
struct ProviderForRecipient {
  Provider provider;
  std::optional<RegistrationStatus> status;
};

struct AuditQuery {
  std::string partner_id;
  std::optional<std::string> client_id;
  std::optional<std::int64_t> before_id;  // only events with a smaller id
  int limit = 50;
};

class Store {
 public:
  virtual ~Store() = default;

  // Adds a partner with one secret hash. kConflict if the client id exists.
  [[nodiscard]] virtual Result<void> CreatePartner(const Partner& partner,
                                                   const std::string& secret_hash,
                                                   const AuditEvent& audit) = 0;
  // The client with this id, of either kind and even retired, or kNotFound.
  [[nodiscard]] virtual Result<ClientCredentials> FindClient(std::string_view client_id) = 0;

  // Adds a recipient with one secret hash, and `replay` if given. kConflict if the client id
  // exists; kKeyInUse if the replay's key is taken.
  [[nodiscard]] virtual Result<void> CreateRecipient(const Recipient& recipient,
                                                     const std::string& secret_hash,
                                                     const Replay* replay,
                                                     const AuditEvent& audit) = 0;
  // The partner's live (not retired) recipients, oldest first.
  [[nodiscard]] virtual Result<std::vector<Recipient>> ListRecipients(
      std::string_view partner_id) = 0;
  // The live recipient with its secret status, or kNotFound when it does not exist, is retired
  // or belongs to another partner.
  [[nodiscard]] virtual Result<Recipient> GetRecipient(std::string_view partner_id,
                                                       std::string_view client_id,
                                                       std::int64_t now) = 0;
  // Replaces every stored field of the live recipient (partner_id, client_id), or kNotFound.
  [[nodiscard]] virtual Result<void> UpdateRecipient(const Recipient& recipient,
                                                     const AuditEvent& audit) = 0;
  // Stores a new current secret (RotateSecretRequest says what happens to the old one and to
  // tokens) and `replay` if given. The previous expiry when there is a grace period.
  // kNotFound; kConflict while a previous secret is still in its grace period; kKeyInUse.
  [[nodiscard]] virtual Result<std::optional<std::int64_t>> RotateSecret(
      const RotateSecretRequest& request, const Replay* replay, const AuditEvent& audit) = 0;
  // Ends the grace period of the previous secret now. true if there was one (and then only is
  // `audit` recorded); kNotFound for an unknown recipient.
  [[nodiscard]] virtual Result<bool> RevokePreviousSecret(std::string_view partner_id,
                                                          std::string_view client_id,
                                                          std::int64_t now,
                                                          const AuditEvent& audit) = 0;
  // Retires the recipient: secrets deleted, tokens inactive, gone from lists; the id stays
  // taken forever. kNotFound.
  [[nodiscard]] virtual Result<void> RetireRecipient(std::string_view partner_id,
                                                     std::string_view client_id, std::int64_t now,
                                                     const AuditEvent& audit) = 0;
  // Records secret usage in one transaction. Uses of deleted secrets are ignored.
  [[nodiscard]] virtual Result<void> RecordSecretUse(const std::vector<SecretUse>& uses) = 0;

  // The partner's events, newest first.
  [[nodiscard]] virtual Result<std::vector<AuditEvent>> ListAuditEvents(
      const AuditQuery& query) = 0;

  // The replay stored for (partner, key) at or after `not_before`, or nullopt.
  [[nodiscard]] virtual Result<std::optional<Replay>> FindReplay(std::string_view partner_id,
                                                                 std::string_view key,
                                                                 std::int64_t not_before) = 0;
  // Deletes replays created before `cutoff`; how many.
  [[nodiscard]] virtual Result<std::int64_t> PurgeReplays(std::int64_t cutoff) = 0;

  // Revokes the access token `token_id` (its jti) of `client_id`, valid until `expires_at`: from
  // now on FindClient lists it in revoked_token_ids. Idempotent.
  [[nodiscard]] virtual Result<void> RevokeToken(std::string_view client_id,
                                                 std::string_view token_id,
                                                 std::int64_t expires_at) = 0;
  // Forgets revocations of tokens that expired before `cutoff`; how many.
  [[nodiscard]] virtual Result<std::int64_t> PurgeRevokedTokens(std::int64_t cutoff) = 0;

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
  // The registrations of the partner's live recipients (only `client_id`'s when given; then
  // kNotFound unless it is one of them), by client id and provider id.
  [[nodiscard]] virtual Result<std::vector<Registration>> ListRegistrations(
      std::string_view partner_id, std::optional<std::string_view> client_id) = 0;
  // The registration of (client_id, provider_id), or kNotFound.
  [[nodiscard]] virtual Result<Registration> GetRegistration(std::string_view client_id,
                                                             std::int64_t provider_id) = 0;
  // Moves the registration from `from` to `to` (compare-and-set) and records `audit`; the
  // registration afterwards. kNotFound; kConflict when its status is no longer `from`.
  [[nodiscard]] virtual Result<Registration> TransitionRegistration(
      std::string_view client_id, std::int64_t provider_id, RegistrationStatus from,
      RegistrationStatus to, std::int64_t now, const AuditEvent& audit) = 0;

  // The stored value of setting `name`, or nullopt when there is none.
  [[nodiscard]] virtual Result<std::optional<std::string>> GetSetting(std::string_view name) = 0;
  // The stored value of setting `name`; stores `value_if_absent` first when there is none.
  // Concurrent callers all get the same, first stored, value.
  [[nodiscard]] virtual Result<std::string> GetOrCreateSetting(
      std::string_view name, std::string_view value_if_absent) = 0;
  // Sets setting `name` to `desired` if its value is `expected`; the value it holds afterwards
  // (`desired`, or what a concurrent caller stored first). kNotFound when there is no such setting.
  [[nodiscard]] virtual Result<std::string> ReplaceSetting(std::string_view name,
                                                           std::string_view expected,
                                                           std::string_view desired) = 0;

  // A number that changes when someone other than this object (another process, another Store
  // on the same data) has committed a change since the previous call, and stays the same for
  // this object's own writes. A cache in front of this object polls it to notice foreign writes.
  [[nodiscard]] virtual Result<std::uint64_t> ForeignChangeVersion() = 0;
};

}  // namespace obauth::store
