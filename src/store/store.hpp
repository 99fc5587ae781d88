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

// What the token endpoint needs to authenticate a client and grant scopes.
struct ClientCredentials {
  std::string client_id;
  ClientKind kind = ClientKind::kRecipient;
  bool disabled = false;
  std::string scope;                       // recipients: registered data scopes, space-separated
  std::vector<std::string> secret_hashes;  // every currently valid secret hash
};

struct Partner {
  std::string client_id;
  std::string name;
  std::int64_t created_at = 0;
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
};

class Store {
 public:
  virtual ~Store() = default;

  // Adds a partner with one secret hash. kConflict if the client id exists.
  [[nodiscard]] virtual Result<void> CreatePartner(const Partner& partner,
                                                   const std::string& secret_hash) = 0;
  // The client with this id, of either kind, or kNotFound.
  [[nodiscard]] virtual Result<ClientCredentials> FindClient(std::string_view client_id) = 0;

  // Adds a recipient with one secret hash. kConflict if the client id exists.
  [[nodiscard]] virtual Result<void> CreateRecipient(const Recipient& recipient,
                                                     const std::string& secret_hash) = 0;
  // The partner's recipients, oldest first.
  [[nodiscard]] virtual Result<std::vector<Recipient>> ListRecipients(
      std::string_view partner_id) = 0;
  // The recipient, or kNotFound when it does not exist or belongs to another partner.
  [[nodiscard]] virtual Result<Recipient> GetRecipient(std::string_view partner_id,
                                                       std::string_view client_id) = 0;
  // Replaces every stored field of the recipient named by (partner_id, client_id), or kNotFound.
  [[nodiscard]] virtual Result<void> UpdateRecipient(const Recipient& recipient) = 0;
  // Makes `secret_hash` the recipient's only valid secret, or kNotFound.
  [[nodiscard]] virtual Result<void> ReplaceSecret(std::string_view partner_id,
                                                   std::string_view client_id,
                                                   const std::string& secret_hash,
                                                   std::int64_t now) = 0;

  // The stored value of setting `name`, or nullopt when there is none.
  [[nodiscard]] virtual Result<std::optional<std::string>> GetSetting(std::string_view name) = 0;
  // The stored value of setting `name`; stores `value_if_absent` first when there is none.
  // Concurrent callers all get the same, first stored, value.
  [[nodiscard]] virtual Result<std::string> GetOrCreateSetting(
      std::string_view name, std::string_view value_if_absent) = 0;
};

}  // namespace obauth::store
