// RecipientStore: the Data Recipients a partner registers, their fields and secret lifecycle
// (rotation, grace periods, retirement). Each change records its AuditEvent (AuditStore) and,
// when given, its Idempotency-Key Replay (ReplayStore) in the same transaction. Implementations
// are thread-safe; every successful write is durable before the call returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/audit_store.hpp"
#include "store/page.hpp"
#include "store/replay_store.hpp"

namespace obauth::store {

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

// The bytes of a recipient's text as a list shows it (its summary, contacts aside): what a page
// of them weighs (PageRequest::max_bytes).
inline std::size_t TextBytes(const Recipient& r) {
  std::size_t bytes = r.client_id.size() + r.name.size();
  for (const auto* text : {&r.logo_uri, &r.description, &r.terms_uri, &r.client_uri, &r.country}) {
    if (*text) bytes += (*text)->size();
  }
  return bytes;
}

struct RotateSecretRequest {
  std::string partner_id;
  std::string client_id;
  std::string new_hash;
  std::int64_t now = 0;
  std::int64_t grace_seconds = 0;  // 0: the current secret dies now
  bool revoke_tokens = false;      // true: tokens issued so far become inactive
};

class RecipientStore {
 public:
  virtual ~RecipientStore() = default;

  // Adds a recipient with one secret hash, and `replay` if given. kConflict if the client id
  // exists; kKeyInUse if the replay's key is taken.
  [[nodiscard]] virtual Result<void> CreateRecipient(const Recipient& recipient,
                                                     const std::string& secret_hash,
                                                     const Replay* replay,
                                                     const AuditEvent& audit) = 0;
  // A page of the partner's live (not retired) recipients, oldest first (store/page.hpp), with
  // their contacts; redirect URIs and secret status are left empty (a list shows neither).
  [[nodiscard]] virtual Result<Page<Recipient>> ListRecipients(std::string_view partner_id,
                                                               const PageRequest& page) = 0;
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
};

}  // namespace obauth::store
