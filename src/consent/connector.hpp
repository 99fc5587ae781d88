// Connector: how obauth reaches a Data Provider for a customer — signs the customer in and knows
// the customer's accounts. The sandbox institution (sandbox.hpp) is the built-in one, chosen by
// a catalogue entry's "connector": {"type": "sandbox"}; a connector to a real provider's OAuth
// server and FDX API is another implementation of the same interface. Implementations are
// immutable and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/secret.hpp"

namespace obauth::consent {

// FDX account categories (FDX 5 Account entity).
enum class AccountCategory { kDeposit, kLoan, kLineOfCredit, kInvestment };

// What a consent page shows of an account, and the FDX identity the data endpoints use.
struct AccountSummary {
  std::string account_id;  // FDX accountId: stable for one customer at one provider
  AccountCategory category = AccountCategory::kDeposit;
  std::string account_type;   // FDX accountType, e.g. CHECKING, SAVINGS, MORTGAGE, TFSA
  std::string display_name;   // e.g. "Everyday Chequing"
  std::string masked_number;  // e.g. "****4821"
  std::string currency = "CAD";
  std::string account_number;  // the whole number (payment networks); its last four are masked's
};

struct Customer {
  std::string customer_id;  // the provider's id of the customer
  std::string display_name;
};

class Connector {
 public:
  virtual ~Connector() = default;

  // The customer whose credentials these are at `provider_id`; kAccessDenied for wrong ones,
  // after the same work whether the username exists or not.
  [[nodiscard]] virtual Result<Customer> SignIn(std::int64_t provider_id, std::string_view username,
                                                const Secret& password) const = 0;
  // The customer, or kNotFound.
  [[nodiscard]] virtual Result<Customer> FindCustomer(std::int64_t provider_id,
                                                      std::string_view customer_id) const = 0;
  // The customer's accounts, in the order a consent page lists them.
  [[nodiscard]] virtual Result<std::vector<AccountSummary>> Accounts(
      std::int64_t provider_id, std::string_view customer_id) const = 0;
};

// The connector a catalogue entry names ("connector" member, compact JSON, as the store keeps
// it), or nullptr when it has none or names a type this build does not have.
const Connector* ConnectorFor(const std::optional<std::string>& connector_json);

}  // namespace obauth::consent
