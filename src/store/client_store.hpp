// ClientStore: every client (partners and Data Recipients) as the token endpoint and token
// checks see it: its secret hashes, token epoch and revoked tokens; partner creation; the secret
// usage the token endpoint notices. Implementations are thread-safe; every successful write is
// durable before the call returns.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/client_kind.hpp"
#include "core/error.hpp"
#include "store/audit_store.hpp"

namespace obauth::store {

using obauth::ClientKind;  // core/client_kind.hpp

// One stored secret hash. The current secret has no expiry; a previous one in its grace period
// has one.
struct SecretRecord {
  std::int64_t id = 0;
  std::string hash;
  std::optional<std::int64_t> expires_at;
};

// The jti of each of a client's revoked tokens not yet purged (at most what the client was issued
// in one token lifetime): one set shared by every copy of the client, so that copying a client
// (each look-up does) copies none of it, and a look-up costs the same however many there are.
class RevokedTokens {
 public:
  RevokedTokens() = default;
  explicit RevokedTokens(std::unordered_set<std::string> ids)
      : ids_(ids.empty()
                 ? nullptr
                 : std::make_shared<const std::unordered_set<std::string>>(std::move(ids))) {}
  bool Contains(const std::string& jti) const { return ids_ != nullptr && ids_->contains(jti); }
  std::size_t size() const { return ids_ != nullptr ? ids_->size() : 0; }
  bool empty() const { return size() == 0; }

 private:
  std::shared_ptr<const std::unordered_set<std::string>> ids_;
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
  RevokedTokens revoked_tokens;
};

struct Partner {
  std::string client_id;
  std::string name;
  std::int64_t created_at = 0;
};

// Usage noticed by the token endpoint, written in batches.
struct SecretUse {
  std::int64_t secret_id = 0;
  std::string client_id;
  std::int64_t last_used_at = 0;
  std::int64_t previous_authentications = 0;  // to add to the client's counter
};

class ClientStore {
 public:
  virtual ~ClientStore() = default;

  // Adds a partner with one secret hash. kConflict if the client id exists.
  [[nodiscard]] virtual Result<void> CreatePartner(const Partner& partner,
                                                   const std::string& secret_hash,
                                                   const AuditEvent& audit) = 0;
  // The client with this id, of either kind and even retired, or kNotFound.
  [[nodiscard]] virtual Result<ClientCredentials> FindClient(std::string_view client_id) = 0;

  // Records secret usage in one transaction. Uses of deleted secrets are ignored.
  [[nodiscard]] virtual Result<void> RecordSecretUse(const std::vector<SecretUse>& uses) = 0;

  // Revokes the access token `token_id` (its jti) of `client_id`, valid until `expires_at`: from
  // now on FindClient lists it in revoked_token_ids. Idempotent.
  [[nodiscard]] virtual Result<void> RevokeToken(std::string_view client_id,
                                                 std::string_view token_id,
                                                 std::int64_t expires_at) = 0;
  // Forgets revocations of tokens that expired before `cutoff`; how many.
  [[nodiscard]] virtual Result<std::int64_t> PurgeRevokedTokens(std::int64_t cutoff) = 0;
};

}  // namespace obauth::store
