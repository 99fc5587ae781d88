// The sandbox institution: the built-in Data Provider behind every catalogue entry whose
// connector is {"type": "sandbox"}. A fixed set of customers (docs/consent.md lists them), each
// with the password "sandbox" and 2-4 accounts whose ids, names and numbers are derived from the
// provider id and the username alone, so they are the same on every instance and after every
// restart and cost no storage. Immutable; thread-safe.
#pragma once

#include "consent/connector.hpp"

namespace obauth::consent {

// What the sandbox knows of a customer beyond a name (GET /api/fdx/5/customers/current).
struct SandboxProfile {
  std::string_view first_name, last_name, date_of_birth, email;
  std::string_view line1, city, region, postal_code, country, telephone;
};

class Sandbox final : public Connector {
 public:
  // Every sandbox customer's password.
  static constexpr std::string_view kPassword = "sandbox";
  // The sandbox's bank: its (made up) institution and transit numbers.
  static constexpr std::string_view kInstitution = "999";
  static constexpr std::string_view kTransit = "00011";

  // The customer's profile, or nullptr for an unknown customer.
  static const SandboxProfile* Profile(std::string_view customer_id);

  Result<Customer> SignIn(std::int64_t provider_id, std::string_view username,
                          const Secret& password) const override;
  Result<Customer> FindCustomer(std::int64_t provider_id,
                                std::string_view customer_id) const override;
  Result<std::vector<AccountSummary>> Accounts(std::int64_t provider_id,
                                               std::string_view customer_id) const override;
};

}  // namespace obauth::consent
