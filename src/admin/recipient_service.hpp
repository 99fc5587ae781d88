// RecipientService: the partner use cases of reference §6-§7 (create, list, read, update and
// retire Data Recipients; rotate their secrets with an optional grace period). Every change is
// recorded in the audit trail in the same transaction. Thread-safe; every write is durable when a
// call returns success.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/caller.hpp"
#include "admin/recipient_input.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "core/secret.hpp"
#include "crypto/client_secret.hpp"
#include "store/audit_store.hpp"
#include "store/recipient_store.hpp"

namespace obauth::admin {

// The most items one page of a list holds (GET /api/v1/recipients?limit=, and every list that
// grows with the data).
inline constexpr std::size_t kMaxPageSize = 1000;

// kValidation unless the page's limit is 1-kMaxPageSize.
[[nodiscard]] Result<void> CheckPageRequest(const store::PageRequest& page);

struct CreatedRecipient {
  store::Recipient recipient;
  Secret client_secret;  // shown once, never stored
};

struct IssuedSecret {
  std::string client_id;
  Secret client_secret;  // shown once, never stored
  std::optional<std::int64_t> previous_secret_expires_at;
};

// Options of a rotation (reference §6.3 plus obauth's extensions).
struct RotateOptions {
  std::int64_t previous_secret_expires_in = 0;  // grace period of the old secret, seconds
  bool revoke_tokens = false;                   // tokens issued so far become inactive
};
inline constexpr std::int64_t kMaxGraceSeconds = 604800;  // 7 days

class RecipientService {
 public:
  // `store` keeps the recipients, `audit` gives back their trail. `metrics`, when given, counts
  // secret rotations.
  RecipientService(store::RecipientStore& store, store::AuditStore& audit,
                   const crypto::SecretHasher& hasher, const Clock& clock,
                   DomainMetrics* metrics = nullptr)
      : store_(store), audit_(audit), hasher_(hasher), clock_(clock), metrics_(metrics) {}

  // kValidation for bad input; kKeyInUse from the sealer's key; store errors.
  [[nodiscard]] Result<CreatedRecipient> Create(
      const Caller& caller, const RecipientInput& input,
      const Sealer<CreatedRecipient>& seal = nullptr) const;
  // A page of the caller's live recipients, oldest first (store/page.hpp); kValidation for a
  // limit outside 1-kMaxPageSize.
  [[nodiscard]] Result<store::Page<store::Recipient>> List(const Caller& caller,
                                                           const store::PageRequest& page) const;
  // kNotFound for an unknown id, a retired recipient or another partner's recipient.
  [[nodiscard]] Result<store::Recipient> Get(const Caller& caller,
                                             std::string_view client_id) const;
  // Applies the fields present in `input`; kValidation (nothing changed) or kNotFound.
  [[nodiscard]] Result<store::Recipient> Update(const Caller& caller, std::string_view client_id,
                                                const RecipientInput& input) const;
  // A new secret that works at once. Without a grace period the previous one stops working
  // when this returns; with one, it keeps working until previous_secret_expires_at.
  // kValidation for options out of range; kConflict while a previous secret is in grace.
  [[nodiscard]] Result<IssuedSecret> RotateSecret(const Caller& caller, std::string_view client_id,
                                                  const RotateOptions& options,
                                                  const Sealer<IssuedSecret>& seal = nullptr) const;
  // Ends the previous secret's grace period now (no-op if there is none). kNotFound.
  [[nodiscard]] Result<void> RevokePreviousSecret(const Caller& caller,
                                                  std::string_view client_id) const;
  // Retires the recipient for good. kNotFound.
  [[nodiscard]] Result<void> Retire(const Caller& caller, std::string_view client_id) const;
  // The caller's audit events, newest first; kValidation for a limit outside 1-200.
  [[nodiscard]] Result<std::vector<store::AuditEvent>> Audit(const Caller& caller,
                                                             std::optional<std::string> client_id,
                                                             std::optional<std::int64_t> before_id,
                                                             int limit) const;

 private:
  store::AuditEvent Event(const Caller& caller, std::string_view action, std::string_view client_id,
                          std::string options_json) const;

  store::RecipientStore& store_;
  store::AuditStore& audit_;
  const crypto::SecretHasher& hasher_;
  const Clock& clock_;
  DomainMetrics* const metrics_;
};

}  // namespace obauth::admin
