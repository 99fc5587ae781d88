// RecipientService and CreatePartner: the partner use cases of reference §6-§7 (create, list,
// read, update Data Recipients, regenerate a secret) and partner onboarding.
// Thread-safe; every write is durable when a call returns success.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "admin/recipient_input.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "crypto/client_secret.hpp"
#include "store/store.hpp"

namespace obauth::admin {

// The authenticated partner making a request: the tenant whose recipients it may see.
struct Caller {
  std::string partner_id;
};

struct CreatedRecipient {
  store::Recipient recipient;
  Secret client_secret;  // shown once, never stored
};

struct IssuedSecret {
  std::string client_id;
  Secret client_secret;  // shown once, never stored
};

class RecipientService {
 public:
  RecipientService(store::Store& store, const crypto::SecretHasher& hasher, const Clock& clock)
      : store_(store), hasher_(hasher), clock_(clock) {}

  // kValidation for bad input; kUnavailable/kInternal from the store.
  [[nodiscard]] Result<CreatedRecipient> Create(const Caller& caller,
                                                const RecipientInput& input) const;
  [[nodiscard]] Result<std::vector<store::Recipient>> List(const Caller& caller) const;
  // kNotFound for an unknown id or another partner's recipient.
  [[nodiscard]] Result<store::Recipient> Get(const Caller& caller,
                                             std::string_view client_id) const;
  // Applies the fields present in `input`; kValidation (nothing changed) or kNotFound.
  [[nodiscard]] Result<store::Recipient> Update(const Caller& caller, std::string_view client_id,
                                                const RecipientInput& input) const;
  // A new secret that works at once; the previous one stops working when this returns.
  [[nodiscard]] Result<IssuedSecret> RotateSecret(const Caller& caller,
                                                  std::string_view client_id) const;

 private:
  store::Store& store_;
  const crypto::SecretHasher& hasher_;
  const Clock& clock_;
};

// Registers a partner (tenant) named `name` (1-256 characters) with a new secret.
[[nodiscard]] Result<IssuedSecret> CreatePartner(store::Store& store,
                                                 const crypto::SecretHasher& hasher,
                                                 const Clock& clock, std::string_view name);

}  // namespace obauth::admin
