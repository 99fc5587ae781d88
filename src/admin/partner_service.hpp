// Partner onboarding: the operator registers a partner (tenant), which gets a client id and a
// secret shown once. Thread-safe; durable when a call returns success.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "admin/caller.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "crypto/client_secret.hpp"
#include "store/client_store.hpp"

namespace obauth::admin {

inline constexpr std::size_t kMaxPartnerNameChars = 256;

// `name` when it is a valid partner name: 1-256 characters, no control characters, not blank.
// kValidation "Invalid field 'name': ..." otherwise.
[[nodiscard]] Result<std::string> CheckPartnerName(std::string_view name);

struct CreatedPartner {
  std::string client_id;  // "pt-" and 25 characters of [a-z0-9]
  Secret client_secret;   // shown once, never stored
};

// Registers a partner named `name` with a new secret; audited in the new partner's own trail as
// done by `caller` (the operator). kValidation for a bad name; store errors.
[[nodiscard]] Result<CreatedPartner> CreatePartner(store::ClientStore& store,
                                                   const crypto::SecretHasher& hasher,
                                                   const Clock& clock, std::string_view name,
                                                   const Caller& caller);

}  // namespace obauth::admin
